"""The whole model on the CPU backend (wasm kernels under wasmtime), driven by the same Model.

Tiny random-weight GGUFs against the numpy reference with activations quantized as the kernels do
(reference.model quantize_activations, and kv_block for their int8 KV cache): same logits up to
f32 rounding, same greedy tokens. The real SmolLM2 against Hugging Face's logits (the committed fixture) and the plain float reference:
top-1 agreement wherever the reference's top two are not a near-tie.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from reference.model import ReferenceLlama
from webgpu_llm.kv_cache import layer_bytes
from tools.tiny_model import write_tiny_model

from .helpers import NEAR_TIE, assert_same_greedy, gpu_greedy, load, logits

PROMPT = [1, 200, 5, 77, 299, 3, 41, 41, 180, 2, 9]
ROUNDING_TIE = 1e-4  # an activation this close to a rounding boundary may round either way


@pytest.fixture(scope="module", params=["Q4_1", "Q4_0", "Q8_0", "F16", "F32"])
def tiny(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / f"tiny-{request.param}.gguf"
    return write_tiny_model(path, seed=3, matrix_type=request.param)


def assert_logits(got, want, ref):
    """Tight unless the reference met a rounding tie since its reset (an int8 input then differs
    by one step, and the KV cache carries that on)."""
    scale = np.abs(want).max()
    tol = 2e-5 * scale if ref.rounding_margin > ROUNDING_TIE else 0.05 * scale
    np.testing.assert_allclose(got, want, atol=tol)


@pytest.mark.parametrize("batch", [64, 4])
def test_logits_match_the_quantized_reference(cpu, tiny, batch):
    model, _ = load(cpu, tiny, max_context=64, batch=batch)
    assert model.cpu_kernels
    ref = ReferenceLlama(tiny, quantize_activations=True, kv_block=model.kv_block)
    top = cpu.run(model.prefill(PROMPT))
    want = ref.forward(PROMPT)
    assert_logits(logits(cpu, model), want, ref)
    assert top.ids[:5] == list(np.lexsort((np.arange(len(want)), -want))[:5])
    for token in [7, 250, 7, 31]:
        cpu.run(model.decode_one_token(token))
        assert_logits(logits(cpu, model), ref.forward([token]), ref)


def test_greedy_32_tokens_match_the_quantized_reference(cpu, tiny_model_path):
    model, _ = load(cpu, tiny_model_path, max_context=64)
    want, margins = ReferenceLlama(tiny_model_path, quantize_activations=True,
                                   kv_block=model.kv_block).greedy(PROMPT, 32)
    assert assert_same_greedy(gpu_greedy(cpu, model, PROMPT, 32), want, margins) >= 16


def test_plain_and_relaxed_simd_builds_give_the_same_logits(tiny_model_path):
    """Relaxed SIMD's i8 x i7 dot products give the plain build's exact integer sums."""
    from .conftest import wasm_cpu
    results = []
    for variant in ("kernels.wasm", "kernels-relaxed.wasm"):
        cpu = wasm_cpu(variant)
        model, _ = load(cpu, tiny_model_path, max_context=64)
        cpu.run(model.prefill(PROMPT))
        cpu.run(model.decode_one_token(7))
        results.append(logits(cpu, model))
    np.testing.assert_array_equal(results[0], results[1])


def test_a_decoded_token_is_one_submit_and_one_call_into_wasm(cpu, tiny_model_path):
    model, _ = load(cpu, tiny_model_path, max_context=64)
    runtime = cpu.device.runtime
    calls = []
    original = runtime.run
    runtime.run = lambda *args: calls.append(args) or original(*args)
    try:
        cpu.run(model.prefill(PROMPT))
        before, calls[:] = cpu.device.submits, []
        cpu.run(model.decode_one_token(5))
    finally:
        del runtime.run
    assert cpu.device.submits - before == 1 and len(calls) == 1
    assert model.dispatches_per_token == 1 + 15 * model.config.n_layers + 2 + 1  # 13 ops + 2 KV stores a layer


def test_threads_meet_only_where_an_op_depends_on_one_before(cpu, tiny_model_path):
    """The decode step's program: q, k, v (and gate, up) run without a barrier between them,
    sharing one quantization of their input; every dependency has one."""
    from webgpu_llm.gpu import wasm_ops
    model, _ = load(cpu, tiny_model_path, max_context=64)
    words, names, i = model.decode_step().steps, [], 0
    short = {wasm_ops.EMBED: "embed", wasm_ops.LINEAR: "linear", wasm_ops.RMSNORM: "norm",
             wasm_ops.ROPE: "rope", wasm_ops.ATTENTION: "attention", wasm_ops.SWIGLU: "swiglu",
             wasm_ops.COPY: "copy", wasm_ops.TOPK: "topk", wasm_ops.BARRIER: "|",
             wasm_ops.KV_STORE: "store", wasm_ops.ATTENTION_Q8: "attention"}
    while i < len(words):
        names.append(short[words[i]])
        i += 2 + words[i + 1]
    layer = ("norm | linear linear linear | rope rope store | store | attention | linear | norm | linear linear |"
             " swiglu | linear |")
    assert " ".join(names) == "embed | " + " ".join([layer] * model.config.n_layers) + " copy | norm | linear | topk"


def test_memory_is_given_back_when_buffers_are_destroyed(cpu, tiny_model_path):
    """Load-time scratch (the file bytes before repacking) is freed: the model's memory is about
    its quantized weights, its int8 KV cache and activations."""
    in_use = cpu.device.allocator.in_use
    model, gguf = load(cpu, tiny_model_path, max_context=64)
    grown = cpu.device.allocator.in_use - in_use
    weights = sum(info.nbytes for info in gguf.tensors.values())
    c = model.config
    cache = 2 * c.n_layers * layer_bytes(c, 64, model.kv_block)
    assert grown < 1.1 * weights + cache + 64 * 1024 * 1024 // 16


# ---------------------------------------------------------------- the real model

HF_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures/hf_top20_logits.json"
PICNIC = "Write a short to-do list for a picnic."


@pytest.fixture(scope="module")
def real(cpu, real_model_path):
    model, gguf = load(cpu, real_model_path, max_context=256)
    return model, gguf


@pytest.mark.parametrize("index", range(3))
def test_real_model_agrees_with_hugging_face(cpu, real, index):
    """HF transformers' top-20 next-token logits (tests/fixtures): within the int8 activations'
    error, and the same top-1 unless HF's own top two are a near-tie. Measured: max 0.29 .. 0.68
    on logits of about 25 (0.26 .. 0.69 with the int8 KV cache); the numpy reference with the same
    int8 activations is as far off (0.67 on case 0), so this is the method's error, not the
    kernels' (0.23 from that reference)."""
    model, _ = real
    case = json.loads(HF_FIXTURE.read_text())["cases"][index]
    model.reset()
    top = cpu.run(model.prefill(case["ids"]))
    got = logits(cpu, model)[case["top_ids"]]
    print(f"case {index}: max |wasm - HF| over the top 20: {np.abs(got - case['top_logits']).max():.3f}")
    np.testing.assert_allclose(got, case["top_logits"], atol=1.0)
    if case["top_logits"][0] - case["top_logits"][1] >= NEAR_TIE:
        assert top.ids[0] == case["top_ids"][0]


def test_real_model_top1_agrees_with_the_reference_over_16_tokens(cpu, real, real_model_path):
    """Teacher-forced on the float reference's greedy continuation: each step's top-1 must be the
    reference's wherever its top-1 margin is not a near-tie."""
    from webgpu_llm.chat_template import ChatTemplate
    from webgpu_llm.tokenizer import Tokenizer
    model, gguf = real
    prompt = ChatTemplate.from_gguf(gguf).prompt_ids([{"role": "user", "content": PICNIC}], Tokenizer.from_gguf(gguf))
    want, margins = ReferenceLlama(real_model_path).greedy(prompt, 16)
    model.reset()
    top = cpu.run(model.prefill(prompt))
    disagree = []
    for i, token in enumerate(want):
        if top.ids[0] != token:
            disagree.append((i, margins[i]))
        top = cpu.run(model.decode_one_token(token))
    print(f"top-1 agreement {len(want) - len(disagree)}/{len(want)}; disagreements (step, margin): {disagree}")
    assert all(margin < NEAR_TIE for _, margin in disagree)
