"""#14, the whole model on the CPU backend (wasm kernels under wasmtime): tiny random GGUFs of
every new type and family against the numpy reference with activations quantized as the kernels
do (reference.model quantize_activations). qwen2 (q/k/v biases, untied head, neox rope) with a
Q5_0 embedding as the real Qwen2.5 file has, the mix of all five new types, each type alone on
llama, and Llama-3's rope_freqs."""
import random

import numpy as np
import pytest

from reference.model import ReferenceLlama
from tools import tiny_model as tm

from .helpers import assert_same_greedy, gpu_greedy, load, logits
from .test_model_families import llama3, write
from .test_wasm_model import PROMPT, ROUNDING_TIE, assert_logits


def q5_embedding(meta, tensors):
    """As Qwen2.5-Coder-0.5B's file: token_embd in Q5_0 (embedding rows dequantized by the CPU)."""
    h, vocab = tensors[0][1]
    tensors[0] = ("token_embd.weight", (h, vocab), "Q5_0", (random.Random(9), h * vocab, 1.0))


CASES = {  # name: (matrix type, arch, change)
    "qwen2-Q5_0": ("Q5_0", "qwen2", q5_embedding),
    "qwen2-mix": ("mix", "qwen2", None),
    "llama3-Q8_0": ("Q8_0", "llama", llama3),
    **{f"llama-{t}": (t, "llama", None) for t in tm.RANDOM_BLOCKS},
}


@pytest.fixture(scope="module", params=list(CASES))
def family(request, tmp_path_factory):
    matrix_type, arch, change = CASES[request.param]
    return write(tmp_path_factory.mktemp("fam") / f"{request.param}.gguf", matrix_type, arch, change)


def test_logits_match_the_quantized_reference(cpu, family):
    model, _ = load(cpu, family, max_context=64)
    assert model.cpu_kernels
    ref = ReferenceLlama(family, quantize_activations=True, kv_block=model.kv_block)
    top = cpu.run(model.prefill(PROMPT))
    want = ref.forward(PROMPT)
    assert_logits(logits(cpu, model), want, ref)
    if ref.rounding_margin > ROUNDING_TIE:  # a rounding tie (the int8 KV cache adds roundings) may reorder
        assert top.ids[:5] == list(np.lexsort((np.arange(len(want)), -want))[:5])
    for token in [7, 250, 7]:
        cpu.run(model.decode_one_token(token))
        assert_logits(logits(cpu, model), ref.forward([token]), ref)


def test_greedy_matches_the_quantized_reference(cpu, family):
    model, _ = load(cpu, family, max_context=64)
    want, margins = ReferenceLlama(family, quantize_activations=True, kv_block=model.kv_block).greedy(PROMPT, 16)
    assert assert_same_greedy(gpu_greedy(cpu, model, PROMPT, 16), want, margins) >= 8


def test_the_cases_hold_what_they_are_named_for(tmp_path):
    """The qwen2 case really has a Q5_0 embedding, biases and neox rope; the llama3 one rope_freqs."""
    from webgpu_llm.gguf import FileSource, read_gguf
    from webgpu_llm.model_config import model_config
    gguf = read_gguf(FileSource(str(write(tmp_path / "q.gguf", *CASES["qwen2-Q5_0"]))))
    c = model_config(gguf)
    assert gguf.tensors["token_embd.weight"].type_name == "Q5_0" and c.qkv_bias and c.rope_neox
    assert not c.tied_embeddings
    gguf = read_gguf(FileSource(str(write(tmp_path / "l.gguf", *CASES["llama3-Q8_0"]))))
    assert model_config(gguf).rope_freqs
