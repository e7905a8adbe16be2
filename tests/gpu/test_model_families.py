"""The whole model on tiny random GGUFs of the other families and types (#14) against the numpy
reference (tests/reference/, which reads the file with PyPI gguf and dequantizes the new types
with gguf.quants): qwen2 (q/k/v biases, untied head, neox rope) and Llama-3 style llama
(rope_freqs), with Q5_0/Q5_1/Q4_K/Q5_K/Q6_K matrices; clear errors for what is not run."""
import random

import numpy as np
import pytest

from reference.model import ReferenceLlama
from tools import tiny_model as tm
from webgpu_llm.gguf import GGUFError

from .helpers import load, logits

PROMPT = [1, 200, 5, 77, 299, 3, 41, 41, 180, 2, 9]


def write(path, matrix_type, arch="llama", change=None):
    tokens, types = tm.vocabulary()
    meta = tm.metadata(tokens, types, arch, matrix_type)
    tensors = tm.tensors(random.Random(5), len(tokens), matrix_type, arch)
    if change:
        change(meta, tensors)
    path.write_bytes(tm.gguf_bytes(meta, tensors))
    return path


def llama3(meta, tensors):
    """Llama 3 style: rope_freqs divisors for the low frequencies, llama-bpe pre-tokenizer."""
    half = tm.CONFIG["hidden"] // tm.CONFIG["n_heads"] // 2
    tensors.append(("rope_freqs.weight", (half,), "F32", [1.0 + 7.0 * i / half for i in range(half)]))
    meta["tokenizer.ggml.pre"] = "llama-bpe"


def check_logits(gpu, path):
    model, _ = load(gpu, path, max_context=32)
    ref = ReferenceLlama(path)
    top = gpu.run(model.prefill(PROMPT))
    want = ref.forward(PROMPT)
    np.testing.assert_allclose(logits(gpu, model), want, atol=1e-3 * np.abs(want).max())
    assert top.ids[0] == int(np.argmax(want))
    for token in [7, 250]:
        gpu.run(model.decode_one_token(token))
        want = ref.forward([token])
        np.testing.assert_allclose(logits(gpu, model), want, atol=1e-3 * np.abs(want).max())
    return model


def test_qwen2_with_every_new_type_matches_reference(gpu, tmp_path):
    """One model holding Q5_0, Q5_1, Q4_K, Q5_K and Q6_K matrices (tools/tiny_model.py MIX; one
    model because kernel compiles, not weights, are what costs here), each type's kernels once."""
    model = check_logits(gpu, write(tmp_path / "m.gguf", "mix", "qwen2"))
    assert model.config.qkv_bias and not model.config.tied_embeddings and model.config.rope_neox
    assert {w.type_name for w in model.weights.values()} >= set(tm.RANDOM_BLOCKS)
    buffers = {id(b): b.size for w in model.weights.values() for p in w.parts for b in (p.quants, p.scales)}
    dummy = model.weights["output_norm.weight"].parts[0].scales  # one 16-byte stand-in for floats
    assert model.memory_plan.weights == sum(buffers.values()) - dummy.size  # the plan is what loads


def test_llama3_rope_freqs_match_reference(gpu, tmp_path):
    model = check_logits(gpu, write(tmp_path / "m.gguf", "Q8_0", change=llama3))
    assert model.config.rope_freqs


def test_biases_and_neox_rope_matter(tmp_path):
    """The reference itself: dropping qwen2's biases or its rope mode changes the logits (so the
    comparison above would catch an engine that ignored them)."""
    path = write(tmp_path / "m.gguf", "Q5_0", "qwen2")
    base = ReferenceLlama(path).forward(PROMPT)
    no_bias = ReferenceLlama(path)
    no_bias.w = {k: v for k, v in no_bias.w.items() if not k.endswith(".bias")}
    normal = ReferenceLlama(path)
    normal.neox = False
    for other in (no_bias, normal):
        assert np.abs(other.forward(PROMPT) - base).max() > 1e-2 * np.abs(base).max()


def rename(meta, arch):
    for key in [k for k in meta if k.startswith("qwen2.")]:
        meta[arch + key[5:]] = meta.pop(key)
    meta["general.architecture"] = arch


@pytest.mark.parametrize("change,message", [
    (lambda m, t: rename(m, "phi3"), "unsupported architecture 'phi3'"),
    (lambda m, t: m.update({"qwen2.rope.scaling.type": "yarn", "qwen2.rope.scaling.factor": ("f32", 4.0)}),
     "unsupported rope scaling 'yarn'"),
    (lambda m, t: t.__setitem__(-1, ("output.weight", (64, 300), 11, bytes(110 * 75))), "output.weight.*Q3_K"),
])
def test_unsupported_gives_clear_error(gpu, tmp_path, change, message):
    with pytest.raises(GGUFError, match=message):
        load(gpu, write(tmp_path / "bad.gguf", "Q5_0", "qwen2", change))
