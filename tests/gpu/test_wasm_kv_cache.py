"""The CPU kernels' int8 KV cache (wasm-kernels/cpu_kv.c, webgpu_llm/kv_cache.py) against numpy,
on odd shapes, on both builds; the format choice; and what the real model takes in wasm memory."""
import os
from types import SimpleNamespace

import numpy as np
import pytest

from reference.quants import quantize_blocks
from webgpu_llm.kv_cache import KvCache, int8_block, layer_bytes

from .conftest import wasm_cpu
from .helpers import load


@pytest.fixture(scope="module", params=["kernels.wasm", "kernels-relaxed.wasm"])
def cpu(request):
    return wasm_cpu(request.param)


def int8_rows(x, block):
    """numpy's int8 rows and scales of x (rows of KV_DIM), rounded as the kernels round."""
    x = np.asarray(x, np.float32)
    blocks = x.reshape(len(x), -1, block)
    d = np.abs(blocks).max(-1) / np.float32(127)
    inv = np.float32(1) / np.where(d > 0, d, np.float32(1))
    q = np.rint(blocks * np.where(d > 0, inv, 0)[..., None]).astype(np.int8)
    return q.reshape(x.shape), d.astype(np.float32)


def store(cpu, rows, quants, scales, pos0, block):
    kernel = cpu.kernel("kv_store", KV_DIM=rows.shape[1], BLOCK=block)
    cpu.dispatch(kernel, [cpu.step(pos0, len(rows)), cpu.array(rows), quants, scales], 1)


@pytest.mark.parametrize("ctx,kv_dim,block,pos0,tokens,seed", [
    (8, 64, 64, 0, 1, 0), (9, 192, 64, 5, 3, 1), (70, 48, 16, 3, 64, 2), (4, 8, 8, 3, 1, 3),
    (20, 96, 32, 1, 17, 4)])
def test_kv_store_quantizes_the_step_rows_at_their_positions(cpu, ctx, kv_dim, block, pos0, tokens, seed):
    rng = np.random.default_rng(seed)
    tokens = min(tokens, ctx - pos0)
    rows = rng.standard_normal((tokens, kv_dim)).astype(np.float32) * rng.uniform(0.01, 30)
    rows[0, :block] = 0  # an all-zero block: scale 0, quants 0
    quants, scales = cpu.zeros(ctx * kv_dim // 4), cpu.zeros(ctx * kv_dim // block)
    store(cpu, rows, quants, scales, pos0, block)
    want_q, want_d = int8_rows(rows, block)
    got_q = cpu.read(quants, ctx * kv_dim, np.int8).reshape(ctx, kv_dim)
    got_d = cpu.read(scales, ctx * kv_dim // block).reshape(ctx, kv_dim // block)
    np.testing.assert_array_equal(got_q[pos0:pos0 + tokens], want_q)
    np.testing.assert_array_equal(got_d[pos0:pos0 + tokens], want_d)
    untouched = np.r_[0:pos0, pos0 + tokens:ctx]
    assert not got_q[untouched].any() and not got_d[untouched].any()


@pytest.mark.parametrize("heads,kv_heads,head_dim,block,pos0,tokens,seed", [
    (9, 3, 64, 64, 0, 1, 0), (9, 3, 64, 32, 70, 1, 1), (4, 2, 16, 16, 0, 13, 2), (8, 1, 32, 8, 5, 3, 3),
    (3, 3, 128, 64, 130, 2, 4), (2, 1, 256, 32, 3, 2, 6), (6, 2, 24, 8, 17, 5, 7)])
def test_attention_over_the_int8_cache(cpu, heads, kv_heads, head_dim, block, pos0, tokens, seed):
    """Against numpy over the dequantized cache with q quantized per block as the kernel does:
    only f32 summation order differs."""
    rng = np.random.default_rng(seed)
    ctx, kv_dim = pos0 + tokens + 3, kv_heads * head_dim
    q = rng.standard_normal((tokens, heads, head_dim)).astype(np.float32) * 3
    k = rng.standard_normal((ctx, kv_dim)).astype(np.float32) * 2
    v = rng.standard_normal((ctx, kv_dim)).astype(np.float32)
    caches = []
    for rows in (k, v):
        quants, scales = cpu.zeros(ctx * kv_dim // 4), cpu.zeros(ctx * kv_dim // block)
        store(cpu, rows, quants, scales, 0, block)
        caches += [quants, scales]
    out = cpu.zeros(q.size)
    kernel = cpu.kernel("attention_q8", N_HEADS=heads, N_KV_HEADS=kv_heads, HEAD_DIM=head_dim, BLOCK=block)
    cpu.dispatch(kernel, [cpu.step(pos0, tokens), cpu.array(q), *caches, out], 1)
    kq = quantize_blocks(k, block)[0].reshape(ctx, kv_heads, head_dim)
    vq = quantize_blocks(v, block)[0].reshape(ctx, kv_heads, head_dim)
    qq = quantize_blocks(q, block)[0]
    want, group = np.empty_like(q), heads // kv_heads
    for t in range(tokens):
        n = pos0 + t + 1
        for h in range(heads):
            s = kq[:n, h // group].astype(np.float64) @ qq[t, h] / np.sqrt(head_dim)
            p = np.exp(s - s.max())
            want[t, h] = p / p.sum() @ vq[:n, h // group]
    np.testing.assert_allclose(cpu.read(out, q.size).reshape(q.shape), want, atol=2e-5)


def config(head_dim, n_kv_heads=3, n_layers=2):
    return SimpleNamespace(head_dim=head_dim, n_kv_heads=n_kv_heads, n_layers=n_layers)


@pytest.mark.parametrize("head_dim,block", [(64, 64), (128, 64), (96, 32), (16, 16), (24, 24), (12, None)])
def test_the_block_divides_a_head_and_webgpu_keeps_f32_rows(head_dim, block):
    wasm, webgpu = SimpleNamespace(int8_kv_cache=True), SimpleNamespace()
    assert int8_block(wasm, config(head_dim)) == block
    assert int8_block(webgpu, config(head_dim)) is None


def test_cache_buffers_match_the_planned_size():
    made = []
    cache = KvCache(config(64), 100, 8, 64, lambda size, label: made.append(size) or label)
    assert sum(made) - 2 * 4 * 8 * 192 == 2 * 2 * layer_bytes(config(64), 100, 64)  # + the staging rows
    assert cache.targets(1) == (cache.k_new, cache.v_new, False)
    made.clear()
    f32 = KvCache(config(64), 100, 8, None, lambda size, label: made.append(size) or label)
    assert sum(made) == 2 * 2 * 4 * 100 * 192 and f32.targets(1) == (f32.k[1], f32.v[1], True)


def test_real_model_and_its_2048_position_cache_take_under_1_3x_the_file_in_wasm_memory(real_model_path):
    """#13's memory goal, measured on the memory itself (pages grown), not on a plan."""
    cpu = wasm_cpu()  # a fresh memory: the one shared by other tests has grown for them
    model, _ = load(cpu, real_model_path, max_context=2048)
    cpu.run(model.prefill(list(range(100, 164))))  # a prefill's program buffers come and go too
    cpu.run(model.decode_one_token(5))
    ratio = cpu.device.runtime.size / os.path.getsize(real_model_path)
    print(f"wasm memory {cpu.device.runtime.size / 1e6:.1f} MB = {ratio:.3f} x the GGUF")
    assert model.kv_block == 64 and ratio <= 1.3
    model.destroy()
