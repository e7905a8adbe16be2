"""The real-GPU kernel set's fused decode kernels (fused.py) against numpy, on shapes that are not
the model's (odd head counts, rows that leave workgroups part-filled, several formats), and its
parallel top-k against numpy's ordering. One activation buffer holds every vector, as in the model."""
from types import SimpleNamespace

import numpy as np
import pytest

from webgpu_llm.fused import rows_per_workgroup
from reference.quants import dequantize, random_tensor
from webgpu_llm.gguf import BytesSource
from webgpu_llm.weights import GPU_FORMATS, Uploader

from .test_kernels import TYPES, rope_reference, turns_table, upload_matrix

EPS = 1e-5


def rmsnorm(x, weight):
    return x / np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True) + EPS) * weight


def silu(g):
    return g / (1 + np.exp(-g))


def tolerance(x, *ws):
    return 2e-4 * np.abs(x).sum() * max(np.abs(w).max() for w in ws) + 1e-4


def fused_matrices(gpu, rng, type_name, shapes):
    """Matrices of (rows, cols) shapes, one file's tensors (32-byte aligned, as GGUF's), uploaded
    as load_weights fuses a layer's: straight into one buffer pair (Uploader.fuse)."""
    raws = [random_tensor(rng, type_name, rows, cols) for rows, cols in shapes]
    infos, data = [], b""
    for i, ((rows, cols), raw) in enumerate(zip(shapes, raws)):
        data += bytes(-len(data) % 32)
        infos.append(SimpleNamespace(name=f"w{i}", shape=(cols, rows), type_name=type_name, offset=len(data),
                                     nbytes=len(raw), n_elements=rows * cols))
        data += raw
    uploader = Uploader(gpu.device, batch_bytes=1 << 30)
    fused = uploader.fuse(infos, "test")
    tensors = [gpu.run(uploader.tensor(info, BytesSource(data))) for info in infos]
    uploader.flush()
    dense = [dequantize(raw, type_name, (cols, rows)) for (rows, cols), raw in zip(shapes, raws)]
    return fused, tensors, dense


def check_new_kv_row(gpu, xn, weights, shape, pos0, caches, cache_bufs):
    """The new position's k and v rows (rope'd k) in the cache buffers (of the caches' dtype: f32,
    or f16 rounded from them), every other row untouched; returns the reference q, k, v rows and
    the tolerance, for what the kernel does with them."""
    (wq, wk, wv), (heads, kv_heads, head_dim), (k, v), (k_buf, v_buf) = weights, shape, caches, cache_bufs
    pos = np.array([pos0])
    q = rope_reference((xn @ wq.T).reshape(1, heads, head_dim), pos, 1e5)[0]
    want_k = rope_reference((xn @ wk.T).reshape(1, kv_heads, head_dim), pos, 1e5)[0]
    want_v = (xn @ wv.T).reshape(kv_heads, head_dim)
    tol = tolerance(xn, wq, wk, wv)
    got_k = gpu.read(k_buf, k.size, k.dtype).reshape(k.shape)
    got_v = gpu.read(v_buf, v.size, v.dtype).reshape(v.shape)
    rounding = 0 if k.dtype == np.float32 else 2.0 ** -10  # half an f16 ulp, relative, and then some
    np.testing.assert_allclose(got_k[pos0].astype(np.float32), want_k, atol=tol, rtol=rounding)
    np.testing.assert_allclose(got_v[pos0].astype(np.float32), want_v, atol=tol, rtol=rounding)
    others = np.arange(len(k)) != pos0  # other rows untouched
    np.testing.assert_array_equal(got_k[others], k[others])
    np.testing.assert_array_equal(got_v[others], v[others])
    return q, want_k, want_v, tol


def attention_reference(q, k, v, n_keys):
    out = np.empty_like(q)
    group = q.shape[0] // k.shape[1]
    for h in range(q.shape[0]):
        s = k[:n_keys, h // group] @ q[h] / np.sqrt(q.shape[1])
        p = np.exp(s - s.max())
        out[h] = p / p.sum() @ v[:n_keys, h // group]
    return out


@pytest.mark.parametrize("hidden,heads,kv_heads,head_dim,pos0,splits,min_chunk,type_name", [
    (576, 9, 3, 64, 0, 16, 64, "Q4_1"), (576, 9, 3, 64, 150, 16, 64, "Q8_0"), (576, 9, 3, 64, 1000, 16, 64, "Q4_1"),
    (64, 4, 2, 16, 999, 16, 1, "F16"), (96, 3, 1, 32, 17, 5, 1, "Q4_0"), (160, 2, 2, 128, 40, 3, 64, "F32"),
    (64, 5, 1, 256, 1200, 3, 64, "Q4_1"), (1024, 4, 2, 64, 77, 8, 4, "Q4_1"), (320, 3, 3, 256, 5, 4, 1, "Q8_0"),
    (64, 8, 4, 20, 37, 4, 8, "F16"), (96, 8, 1, 44, 300, 4, 64, "Q4_0")])
@pytest.mark.parametrize("kv_f16", [False, True])
def test_qkv_attention_and_out_proj(gpu, hidden, heads, kv_heads, head_dim, pos0, splits, min_chunk, type_name,
                                    kv_f16):
    """qkv_attention: rmsnorm, the q/k/v rows of one fused buffer, rope, the K/V cache row at pos0,
    split-K attention over the keys before pos0; out_proj merges the splits and the new key into
    x += attn W_o^T. kv_f16: the cache holds f16 rows (real GPUs with shader-f16)."""
    rng = np.random.default_rng(pos0 + heads + hidden)
    n_q, n_kv, ctx = heads * head_dim, kv_heads * head_dim, pos0 + 3
    fused, tensors, (wq, wk, wv) = fused_matrices(gpu, rng, type_name, [(n_q, hidden), (n_kv, hidden),
                                                                         (n_kv, hidden)])
    assert fused.blocks[0] == 0 and all(b % 64 == 0 for b in fused.blocks)
    slots = heads * splits
    x_at, q_at = 4, 4 + hidden
    ap_m, ap_l, ap_acc = q_at + n_q, q_at + n_q + slots, q_at + n_q + 2 * slots
    act = np.concatenate([rng.standard_normal(q_at), np.full(n_q + slots * (2 + head_dim) + 4, np.nan)])
    act = act.astype(np.float32)
    kv_type = np.float16 if kv_f16 else np.float32
    k = rng.standard_normal((ctx, kv_heads, head_dim)).astype(kv_type)
    v = rng.standard_normal((ctx, kv_heads, head_dim)).astype(kv_type)
    norm = rng.standard_normal(hidden).astype(np.float32)
    act_buf, k_buf, v_buf, step = gpu.array(act), gpu.array(k, kv_type), gpu.array(v, kv_type), gpu.step(pos0, 1)
    rows = rows_per_workgroup(hidden, multiple=4)
    kv_wgs = -(-2 * n_kv // rows)
    kernel = gpu.kernel("qkv_attention", FMT=fused.fmt, K=hidden, EPS=EPS, X=x_at, Q_AT=q_at, N_HEADS=heads,
                        N_KV_HEADS=kv_heads, HEAD_DIM=head_dim, K_BLK0=fused.blocks[1], V_BLK0=fused.blocks[2],
                        KV_WGS=kv_wgs, ROWS_KV=rows, SPLITS=splits, MIN_CHUNK=min_chunk, AP_M=ap_m, AP_L=ap_l,
                        AP_ACC=ap_acc, KV_F16=kv_f16)
    gpu.dispatch(kernel, [step, fused.quants, fused.scales, act_buf, gpu.array(norm), k_buf, v_buf,
                          gpu.array(turns_table(head_dim, 1e5))], kv_wgs + slots)
    xn = rmsnorm(act[x_at:q_at], norm)
    q, want_k, want_v, tol = check_new_kv_row(gpu, xn, (wq, wk, wv), (heads, kv_heads, head_dim), pos0,
                                              (k, v), (k_buf, v_buf))
    got = gpu.read(act_buf, act.size)
    np.testing.assert_array_equal(got[:q_at], act[:q_at])  # x untouched
    np.testing.assert_allclose(got[q_at:ap_m], q.ravel() / np.sqrt(head_dim), atol=tol)  # split 0's q, scaled
    assert not np.isnan(got[ap_m:ap_acc + slots * head_dim]).any()  # every slot written, empty ones too
    np.testing.assert_array_equal(got[ap_acc + slots * head_dim:], act[ap_acc + slots * head_dim:])
    # out_proj: the splits and the new key merged, x += attn W_o^T.
    tensor, wo = upload_matrix(gpu, rng, type_name, hidden, n_q)
    part = tensor.parts[0]
    rows = rows_per_workgroup(n_q)
    kernel = gpu.kernel("out_proj", FMT=tensor.fmt, K=n_q, N=hidden, HEAD_DIM=head_dim, N_KV_HEADS=kv_heads,
                        Q_AT=q_at, SPLITS=splits, AP_M=ap_m, AP_L=ap_l, AP_ACC=ap_acc, X=x_at, ROWS_WG=rows,
                        KV_F16=kv_f16)
    gpu.dispatch(kernel, [part.quants, part.scales, act_buf, step, k_buf, v_buf], -(-hidden // rows))
    k[pos0], v[pos0] = want_k, want_v  # (rounded to f16 in an f16 cache, as the kernel stored them)
    attn = attention_reference(q, k.astype(np.float32), v.astype(np.float32), pos0 + 1).ravel()
    want = act[x_at:q_at] + attn @ wo.T
    np.testing.assert_allclose(gpu.read(act_buf, q_at)[x_at:], want, atol=tolerance(attn, wo) + 10 * tol)
    # The fused tensors' parts are their slices: the batched path reads the same rows.
    assert tensors[1].parts[0].quants == (fused.quants, fused.blocks[1] * GPU_FORMATS[type_name][1],
                                          n_kv * hidden // 32 * GPU_FORMATS[type_name][1])


@pytest.mark.parametrize("type_name", TYPES)
@pytest.mark.parametrize("hidden,ffn", [(64, 128), (96, 160), (576, 1536), (320, 2048)])
def test_ffn_and_final_norm(gpu, type_name, hidden, ffn):
    """ffn leaves h = silu(xn W_gate^T) * (xn W_up^T) in act, ffn_down adds W_down h to x, and
    final_norm normalises the result."""
    rng = np.random.default_rng(ffn)
    fused, _, (wg, wu, wd) = fused_matrices(gpu, rng, type_name, [(ffn, hidden), (ffn, hidden), (hidden, ffn)])
    x_at, h_at = 4, 4 + hidden
    act = rng.standard_normal(h_at + ffn + 4).astype(np.float32)
    act_buf, norm = gpu.array(act), rng.standard_normal(hidden).astype(np.float32)
    units, rows = rows_per_workgroup(hidden) // 2, rows_per_workgroup(ffn)
    kernel = gpu.kernel("ffn", FMT=fused.fmt, K=hidden, FFN=ffn, EPS=EPS, X=x_at, H_AT=h_at, UNITS=units,
                        UP_BLK0=fused.blocks[1])
    gpu.dispatch(kernel, [fused.quants, fused.scales, act_buf, gpu.array(norm)], -(-ffn // units))
    x = act[x_at:h_at]
    xn = rmsnorm(x, norm)
    h = silu(xn @ wg.T) * (xn @ wu.T)
    got = gpu.read(act_buf, act.size)
    np.testing.assert_allclose(got[h_at:h_at + ffn], h, atol=tolerance(xn, wg, wu) * (1 + np.abs(h).max()))
    np.testing.assert_array_equal(got[h_at + ffn:], act[h_at + ffn:])  # nothing written past h
    kernel = gpu.kernel("ffn_down", FMT=fused.fmt, K=hidden, FFN=ffn, X=x_at, H_AT=h_at,
                        DOWN_BLK0=fused.blocks[2], ROWS_WG=rows)
    gpu.dispatch(kernel, [fused.quants, fused.scales, act_buf], -(-hidden // rows))
    h_got = got[h_at:h_at + ffn]
    x_new = gpu.read(act_buf, h_at)[x_at:]
    np.testing.assert_allclose(x_new, x + h_got @ wd.T, atol=tolerance(h_got, wd))
    out_norm = rng.standard_normal(hidden).astype(np.float32)
    out = gpu.zeros(hidden)
    kernel = gpu.kernel("final_norm", K=hidden, EPS=EPS, X=x_at)
    gpu.dispatch(kernel, [act_buf, gpu.array(out_norm), out], 1)
    np.testing.assert_allclose(gpu.read(out, hidden), rmsnorm(x_new, out_norm), rtol=1e-5, atol=1e-5)


def wide_topk(gpu, values, k):
    """The chain of topk_wide passes the model uses, ending in one workgroup."""
    n, buf, pairs = len(values), gpu.array(values), False
    while True:
        chunks = -(-n // 512)
        out = gpu.zeros(2 * chunks * k, np.uint32)
        gpu.dispatch(gpu.kernel("topk_wide", N=n, K=k, PAIRS=pairs), [buf, out], chunks)
        n, buf, pairs = chunks * k, out, True
        if chunks == 1:
            result = gpu.read(out, 2 * k, np.uint32).reshape(k, 2)
            return result[:, 0], result[:, 1].view(np.float32)


@pytest.mark.parametrize("n,k,seed", [(49152, 40, 0), (1000, 40, 1), (300, 64, 2), (5000, 1, 3),
                                      (512 * 240 + 3, 40, 4), (1024, 40, 5)])
def test_topk_wide(gpu, n, k, seed):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(n).astype(np.float32)
    values[rng.integers(0, n, 20)] = values.max()  # ties go to the lower id
    values[rng.integers(0, n, 50)] = np.sort(values)[-k // 2]
    ids, top = wide_topk(gpu, values, k)
    want = np.lexsort((np.arange(n), -values))[:k]
    np.testing.assert_array_equal(ids, want)
    np.testing.assert_array_equal(top, values[want])


def test_topk_wide_fewer_values_than_k(gpu):
    ids, top = wide_topk(gpu, np.array([1.0, 3.0, 2.0], np.float32), 5)
    assert list(ids[:3]) == [1, 2, 0] and all(i == 0xFFFFFFFF for i in ids[3:])
    assert (top[3:] < -1e38).all()


# The CPU-adapter set's fused decode kernels (fused.CpuFusedDecode): no workgroup memory beyond one
# exchange, 8 rows an invocation.

@pytest.mark.parametrize("hidden,heads,kv_heads,head_dim,pos0,type_name", [
    (576, 9, 3, 64, 0, "Q4_1"), (576, 9, 3, 64, 150, "Q8_0"), (64, 4, 2, 16, 99, "F16"),
    (96, 3, 1, 32, 7, "Q4_0"), (160, 5, 5, 8, 3, "F32"), (64, 6, 3, 20, 37, "Q4_1"), (32, 16, 1, 4, 5, "Q8_0"),
    (96, 8, 1, 44, 300, "Q4_1")])
def test_qkv_attention_cpu(gpu, hidden, heads, kv_heads, head_dim, pos0, type_name):
    """rmsnorm, the q/k/v rows of one fused buffer, rope, the K/V cache row at pos0 and causal
    attention over the cache, per KV head."""
    rng = np.random.default_rng(pos0 + heads + hidden + 7)
    n_q, n_kv, ctx = heads * head_dim, kv_heads * head_dim, pos0 + 3
    fused, _, (wq, wk, wv) = fused_matrices(gpu, rng, type_name, [(n_q, hidden), (n_kv, hidden), (n_kv, hidden)])
    k = rng.standard_normal((ctx, kv_heads, head_dim)).astype(np.float32)
    v = rng.standard_normal((ctx, kv_heads, head_dim)).astype(np.float32)
    x = rng.standard_normal(hidden).astype(np.float32)
    norm = rng.standard_normal(hidden).astype(np.float32)
    k_buf, v_buf, out = gpu.array(k), gpu.array(v), gpu.array(np.full(n_q, np.nan, np.float32))
    group = heads // kv_heads
    kernel = gpu.kernel("qkv_attention_cpu", FMT=fused.fmt, K=hidden, EPS=EPS, N_HEADS=heads, N_KV_HEADS=kv_heads,
                        HEAD_DIM=head_dim, K_BLK0=fused.blocks[1], V_BLK0=fused.blocks[2],
                        WORKGROUP=8 if group <= 8 else 16)
    gpu.dispatch(kernel, [gpu.step(pos0, 1), fused.quants, fused.scales, gpu.array(x), gpu.array(norm), k_buf, v_buf,
                          gpu.array(turns_table(head_dim, 1e5)), out], kv_heads)
    xn = rmsnorm(x, norm)
    q, want_k, want_v, tol = check_new_kv_row(gpu, xn, (wq, wk, wv), (heads, kv_heads, head_dim), pos0,
                                              (k, v), (k_buf, v_buf))
    k[pos0], v[pos0] = want_k, want_v
    want = attention_reference(q, k, v, pos0 + 1).ravel()
    np.testing.assert_allclose(gpu.read(out, n_q), want, atol=10 * tol + 1e-4)


@pytest.mark.parametrize("type_name", TYPES)
@pytest.mark.parametrize("hidden,ffn", [(64, 128), (96, 160), (576, 1536), (320, 2048 + 8), (32, 8)])
def test_ffn_cpu(gpu, type_name, hidden, ffn):
    """h = silu(xn W_gate^T) * (xn W_up^T), xn = rmsnorm(x) * norm_w."""
    rng = np.random.default_rng(hidden + ffn)
    fused, _, (wg, wu, _) = fused_matrices(gpu, rng, type_name, [(ffn, hidden), (ffn, hidden), (hidden, ffn)])
    x = rng.standard_normal(hidden).astype(np.float32)
    norm = rng.standard_normal(hidden).astype(np.float32)
    h = gpu.array(np.full(ffn + 5, np.nan, np.float32))
    kernel = gpu.kernel("ffn_cpu", FMT=fused.fmt, K=hidden, FFN=ffn, UP_BLK0=fused.blocks[1], EPS=EPS, WORKGROUP=8)
    gpu.dispatch(kernel, [fused.quants, fused.scales, gpu.array(x), gpu.array(norm), h], -(-ffn // 64))
    xn = rmsnorm(x, norm)
    g, u = xn @ wg.T, xn @ wu.T
    got = gpu.read(h, ffn + 5)
    np.testing.assert_allclose(got[:ffn], silu(g) * u, atol=tolerance(xn, wg, wu) * (1 + np.abs(u).max()))
    assert np.isnan(got[ffn:]).all()  # nothing written past FFN
