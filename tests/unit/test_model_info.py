"""model_info (#14): a GGUF's facts and whether it can run, from its header bytes only, as the
model picker reads them before copying a file (tiny random models written here; the real SmolLM2)."""
import asyncio
import random

import pytest

from tools import tiny_model as T
from webgpu_llm.gguf import GGUFError
from webgpu_llm.model_info import (WASM_MEMORY, PrefixSource, fit_problem, inspect_model, parameters_text,
                                   quantization_text, read_header)


def header_of(data, first=4096):
    """(parsed header, the prefix lengths read): what the picker's read_prefix would be asked."""
    asked = []

    async def read_prefix(n):
        asked.append(n)
        return data[:n]
    return asyncio.run(read_header(read_prefix, len(data), first=first)), asked


def tiny(seed=0, matrix_type="Q4_1", arch="llama", **meta_changes):
    tokens, types = T.vocabulary()
    meta = T.metadata(tokens, types, arch, matrix_type)
    for key, value in meta_changes.items():
        meta.pop(key, None)
        if value is not None:
            meta[key] = value
    return T.gguf_bytes(meta, T.tensors(random.Random(seed), len(tokens), matrix_type, arch))


def test_the_header_is_read_in_growing_prefixes_never_the_weights():
    data = tiny()
    gguf, asked = header_of(data, first=4096)
    assert asked[0] == 4096 and asked == sorted(asked) and len(asked) >= 2
    assert asked[-1] < len(data)  # the tensor data was never asked for
    assert asked[-1] >= gguf.data_offset - 16 or asked[-1] == len(data)
    info = inspect_model(gguf, len(data))
    assert (info.name, info.architecture, info.size) == ("tiny-random-llama", "llama", len(data))
    assert info.parameters == sum(t.n_elements for t in gguf.tensors.values())
    assert info.quantization == "Q4_1 79%, Q8_0 21%"
    assert info.memory_plan.total > info.memory_plan.weights > 0


def test_the_real_model_header_is_small(real_model_path):
    data = real_model_path.read_bytes()
    gguf, asked = header_of(data, first=1 << 20)
    info = inspect_model(gguf, len(data))
    assert asked == [1 << 20, 4 << 20]  # ~1.6 MB of header; the 98 MB of weights stay out
    assert (info.architecture, parameters_text(info.parameters)) == ("llama", "135M")
    assert info.quantization == "Q4_1 79%, Q8_0 21%"


@pytest.mark.parametrize("change, named", [
    (lambda d: b"GGUX" + d[4:], "not a GGUF file (bad magic"),
    (lambda d: d[:len(d) - 5000], "lies outside the file"),
    (lambda d: d.replace(b"llama", b"mamba"), "unsupported architecture 'mamba'"),
    (lambda d: tiny(**{"tokenizer.ggml.model": "llama"}), "unsupported tokenizer 'llama'"),
    (lambda d: tiny(**{"tokenizer.ggml.pre": "deepseek"}), "unsupported pre-tokenizer 'deepseek'"),
    (lambda d: tiny(**{"tokenizer.chat_template": None}), "'tokenizer.chat_template' is missing"),
])
def test_what_cannot_run_is_named(change, named):
    data = change(tiny())
    with pytest.raises(GGUFError, match=named.replace("(", r"\(")):
        gguf, _ = header_of(data)
        inspect_model(gguf, len(data))


def retyped(data, tensor=b"blk.0.attn_q.weight", old=3, new=9):
    """The file with one 2-D tensor's type id in the table changed (default Q4_1 -> Q8_1, a type
    no kernel reads; both have 32-element blocks, so the shape stays valid)."""
    data = bytearray(data)
    at = data.index(tensor + b"\x02\x00\x00\x00") + len(tensor) + 4 + 2 * 8  # name, n_dims, shape
    assert data[at:at + 4] == old.to_bytes(4, "little")
    data[at:at + 4] = new.to_bytes(4, "little")
    return bytes(data)


def test_an_unsupported_tensor_type_is_named():
    data = retyped(tiny())
    gguf, _ = header_of(data)
    with pytest.raises(GGUFError, match="'blk.0.attn_q.weight' has ggml type Q8_1 .* not supported"):
        inspect_model(gguf, len(data))


def test_a_prefix_source_tells_a_cut_read_from_the_end_of_the_file():
    source = PrefixSource(b"abcdef", 10)
    assert source.read(4, 4) == b"ef" and source.cut_short
    assert source.read(0, 4) == b"abcd" and not source.cut_short
    whole = PrefixSource(b"abcdef", 6)
    assert whole.read(4, 4) == b"ef" and not whole.cut_short


def test_fit_problems_name_storage_memory_and_buffers():
    gguf, _ = header_of(tiny())
    info = inspect_model(gguf, gguf.source.size)
    cpu = {"backend": "wasm", "max_buffer": 1 << 30, "max_binding": 1 << 30, "budget": WASM_MEMORY}
    assert fit_problem(info, cpu, storage_free=10 << 20) is None
    assert fit_problem(info, cpu, storage_free=1000).startswith(
        "Not enough storage space: the model needs 75.0 kB on disk, but only 1.0 kB are free")
    small = fit_problem(info, dict(cpu, budget=1 << 20))
    assert small.startswith("This model cannot run on the CPU's WebAssembly memory: the model does not fit")
    gpu = {"backend": "webgpu", "max_buffer": 64 << 10, "max_binding": 64 << 10, "budget": None}
    assert "KV cache of one layer" in fit_problem(info, gpu) and "this GPU" in fit_problem(info, gpu)


def test_texts():
    assert [parameters_text(n) for n in (93_000, 134_515_008, 1_543_714_304, 7)] == ["93K", "135M", "1.5B", "7"]

    class Tensor:
        def __init__(self, type_name, n):
            self.type_name, self.n_elements = type_name, n
    assert quantization_text([Tensor("Q4_K", 10)]) == "Q4_K"
    assert quantization_text([Tensor("Q4_K", 900), Tensor("Q6_K", 95), Tensor("F32", 5)]) == "Q4_K 90%, Q6_K 10%"
