"""The build-time merge: base GGUF + LoRA delta -> tuned GGUF, deterministic, touching only the
delta's tensors; and the committed delta reproduces the committed sha256 of the shipped model."""
import hashlib
import json
import os

import numpy as np
import pytest

from tools import vendor
from tools.finetune import merge, quant
from tools.tiny_model import write_tiny_model
from webgpu_llm.gguf import FileSource, read_gguf

CHANGED = ("blk.0.attn_q.weight", "blk.1.ffn_down.weight")


@pytest.fixture()
def tiny(tmp_path):
    base = tmp_path / "tiny.gguf"
    write_tiny_model(str(base), seed=3)
    gguf = read_gguf(FileSource(str(base)))
    rng = np.random.default_rng(0)
    arrays = {}
    for name in CHANGED:
        cols, rows = gguf.tensors[name].shape
        arrays[name + ".a"] = rng.standard_normal((4, cols)).astype(np.float16)
        arrays[name + ".b"] = (rng.standard_normal((rows, 4)) * 0.2).astype(np.float16)
    np.savez(tmp_path / "lora.npz", **arrays)
    (tmp_path / "config.json").write_text(json.dumps({"rank": 4, "scale": 2.0}))
    return base, tmp_path / "lora.npz", tmp_path / "config.json", gguf


def test_merge_is_deterministic_and_local(tiny, tmp_path):
    base, delta, config, gguf = tiny
    out1, out2 = tmp_path / "a.gguf", tmp_path / "b.gguf"
    assert merge.merge(base, delta, config, out1) == sorted(CHANGED)
    merge.merge(base, delta, config, out2)
    before, after = base.read_bytes(), out1.read_bytes()
    assert after == out2.read_bytes() and len(after) == len(before)
    changed = np.flatnonzero(np.frombuffer(before, np.uint8) != np.frombuffer(after, np.uint8))
    spans = [(gguf.tensors[n].offset, gguf.tensors[n].offset + gguf.tensors[n].nbytes) for n in CHANGED]
    assert len(changed) > 0
    assert all(any(lo <= i < hi for lo, hi in spans) for i in changed)   # nothing else moved
    for name, (lo, hi) in zip(CHANGED, spans):
        assert before[lo:hi] != after[lo:hi]


def test_merged_weights_follow_the_delta(tiny, tmp_path):
    base, delta, config, gguf = tiny
    out = tmp_path / "m.gguf"
    merge.merge(base, delta, config, out)
    tuned = read_gguf(FileSource(str(out)))
    name = CHANGED[0]
    cols, rows = gguf.tensors[name].shape
    w0 = quant.dequantize(gguf.tensor_bytes(name), "Q4_1", rows, cols)
    w1 = quant.dequantize(tuned.tensor_bytes(name), "Q4_1", rows, cols)
    with np.load(delta) as d:
        want = quant.merged(w0, d[name + ".a"], d[name + ".b"], 2.0)
    step = (want.reshape(-1, 32).max(1) - want.reshape(-1, 32).min(1)) / 15
    err = np.abs(w1 - want).reshape(-1, 32).max(1)
    assert np.all(err <= step * 0.5 + 1e-2 * step.max())    # within half a Q4_1 step (f16 d, m)
    assert np.abs(w1 - w0).max() > step.max()                # and the change did not round away


def test_requantizing_an_untouched_matrix_gives_its_bytes(smollm_gguf):
    info = smollm_gguf.tensors["blk.3.attn_v.weight"]
    raw = smollm_gguf.tensor_bytes(info.name)
    w = quant.dequantize(raw, "Q4_1", info.shape[1], info.shape[0])
    assert quant.quantize_q4_1(w) == raw


def test_permutation_round_trip():
    w = np.arange(24 * 5, dtype=np.float32).reshape(24, 5)
    assert np.array_equal(quant.unpermute_rows(quant.permute_rows(w, 3), 3), w)
    assert not np.array_equal(quant.permute_rows(w, 3), w)


def test_committed_delta_reproduces_the_pinned_model(smollm_path, tmp_path):
    pin = vendor.tuned_pin()
    assert hashlib.sha256((vendor.TUNED_DIR / "lora.npz").read_bytes()).hexdigest() == pin["lora.npz"]
    assert os.path.getsize(vendor.TUNED_DIR / "lora.npz") <= 10 * 1024 * 1024
    out = tmp_path / "tuned.gguf"
    merge.merge(smollm_path, vendor.TUNED_DIR / "lora.npz", vendor.TUNED_DIR / "config.json", out)
    assert merge.sha256_of(out) == pin["gguf"]
