"""Each kernel against numpy, on random data and shapes that are not multiples of the workgroup
size, for several seeds."""
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.quants import GGUF_QUANTS, dequantize, random_tensor
from webgpu_llm.gguf import BytesSource
from webgpu_llm.weights import GPU_FORMATS, Uploader, grid

TYPES = ["F32", "F16", "Q4_0", "Q4_1", "Q8_0"]
SHAPES = [(1, 32, 1), (7, 96, 3), (77, 64, 9), (130, 576, 17), (301, 160, 8)]  # rows, cols, tokens


def upload_matrix(gpu, rng, type_name, rows, cols, max_part_bytes=None):
    """Random file bytes -> (GpuTensor through the real uploader/repacker, dequantized numpy)."""
    raw = random_tensor(rng, type_name, rows, cols)
    info = SimpleNamespace(name="w", shape=(cols, rows), type_name=type_name, offset=0, nbytes=len(raw))
    tensor = gpu.run(Uploader(gpu.device, max_part_bytes).tensor(info, BytesSource(raw)))
    return tensor, dequantize(raw, type_name, (cols, rows))


def run_linear(gpu, name, tensor, x_buf, y_buf, n_out, tokens, pos0=0, threads_per_row=1, workgroup=64,
               rows=4, ksplit=1, **flags):
    step = gpu.step(pos0, tokens)
    for part in tensor.parts:
        constants = dict(FMT=tensor.fmt, K=tensor.cols, N=part.rows, N_OUT=n_out, ROW0=part.row0, **flags)
        if name == "matvec":
            k = gpu.kernel(name, THREADS_PER_ROW=threads_per_row, WORKGROUP=workgroup, ROWS=rows, **constants)
            size = grid(-(-part.rows // (rows * workgroup // threads_per_row)))
        else:
            k = gpu.kernel(name, ROWS=rows, KSPLIT=ksplit, **constants)
            size = (-(-part.rows // (rows * 64 // ksplit)), -(-tokens // 8))
        gpu.dispatch(k, [step, part.quants, part.scales, x_buf, y_buf], *size)


def test_repacks_of_a_batch_share_one_buffer_of_file_bytes(gpu):
    """Batched, the file bytes to repack go into slices of one buffer (256-aligned): a tensor that
    does not fit submits the batch so far and starts another. Every tensor keeps its values."""
    rng = np.random.default_rng(12)
    shapes = [(rows, 64) for rows in (40, 33, 40, 7, 40)]
    raws = [random_tensor(rng, "Q4_1", rows, cols) for rows, cols in shapes]
    uploader = Uploader(gpu.device, batch_bytes=2 * len(raws[0]) + 600)  # two and a bit
    made, labels = [], []
    create = gpu.device.create_buffer
    gpu.device.create_buffer = lambda size, label="": labels.append(label) or create(size, label)
    submits = gpu.device.submits
    try:
        for i, ((rows, cols), raw) in enumerate(zip(shapes, raws)):
            info = SimpleNamespace(name=f"w{i}", shape=(cols, rows), type_name="Q4_1", offset=0, nbytes=len(raw))
            made.append(gpu.run(uploader.tensor(info, BytesSource(raw))))
        uploader.flush()
    finally:
        gpu.device.create_buffer = create
    # w0 w1 | w2 w3 (w2 does not fit after w0, w1 at 256-aligned offsets) | w4
    assert labels.count("file bytes to repack") == 3 and gpu.device.submits == submits + 3
    x = rng.standard_normal(64).astype(np.float32)
    for tensor, raw in zip(made, raws):
        w = dequantize(raw, "Q4_1", (64, tensor.rows))
        y = gpu.zeros(tensor.rows)
        run_linear(gpu, "matvec", tensor, gpu.array(x), y, tensor.rows, 1)
        np.testing.assert_allclose(gpu.read(y, tensor.rows), w @ x, atol=1e-4 * np.abs(x).sum() * np.abs(w).max())


@pytest.mark.parametrize("type_name", TYPES)
@pytest.mark.parametrize("rows,cols,tokens", SHAPES)
def test_matmul_and_matvec(gpu, type_name, rows, cols, tokens):
    rng = np.random.default_rng(rows * 1000 + cols + tokens)
    tensor, w = upload_matrix(gpu, rng, type_name, rows, cols)
    x = rng.standard_normal((tokens, cols)).astype(np.float32)
    want = x @ w.T
    tol = 1e-4 * np.abs(x).sum(1).max() * np.abs(w).max() + 1e-5
    for per_invocation, ksplit in ((4, 1), (8, 1), (4, 4), (4, 8)):  # KSPLIT > 1: the real-GPU set's
        y = gpu.zeros(tokens * rows)
        run_linear(gpu, "matmul", tensor, gpu.array(x), y, rows, tokens, rows=per_invocation, ksplit=ksplit)
        np.testing.assert_allclose(gpu.read(y, tokens * rows).reshape(tokens, rows), want, atol=tol)
    for threads_per_row, workgroup, per_invocation in ((1, 32, 4), (8, 64, 4), (64, 64, 4), (1, 32, 8),
                                                       (4, 16, 8), (1, 8, 16), (8, 64, 16)):
        y1 = gpu.zeros(rows)
        run_linear(gpu, "matvec", tensor, gpu.array(x[-1]), y1, rows, 1, threads_per_row=threads_per_row,
                   workgroup=workgroup, rows=per_invocation)
        np.testing.assert_allclose(gpu.read(y1, rows), want[-1], atol=tol)


def test_uploader_batches_repacks_until_flushed(gpu):
    """Repacks recorded together (as load_weights does on real GPUs), one submit at flush(): every
    tensor still holds its own values, in each format."""
    rng = np.random.default_rng(11)
    uploader = Uploader(gpu.device, batch_bytes=1 << 30)
    submits = gpu.device.submits
    made = []
    for type_name in ("Q4_1", "Q8_0", "Q4_0", "F16"):
        raw = random_tensor(rng, type_name, 40, 96)
        info = SimpleNamespace(name=type_name, shape=(96, 40), type_name=type_name, offset=0, nbytes=len(raw))
        made.append((gpu.run(uploader.tensor(info, BytesSource(raw))), dequantize(raw, type_name, (96, 40))))
    assert gpu.device.submits == submits  # nothing submitted before flush
    uploader.flush()
    assert gpu.device.submits == submits + 1
    x = rng.standard_normal((1, 96)).astype(np.float32)
    for tensor, w in made:
        y = gpu.zeros(40)
        run_linear(gpu, "matvec", tensor, gpu.array(x[0]), y, 40, 1)
        np.testing.assert_allclose(gpu.read(y, 40), (x @ w.T)[0], atol=1e-4 * np.abs(x).sum() * np.abs(w).max())


@pytest.mark.parametrize("name,per_invocation,ksplit", [("matvec", 4, 1), ("matvec", 8, 1), ("matvec", 16, 1),
                                                         ("matmul", 4, 1), ("matmul", 8, 1), ("matmul", 4, 4)])
@pytest.mark.parametrize("seed", [0, 1])
def test_linear_accumulates_at_position_across_parts(gpu, name, seed, per_invocation, ksplit):
    """ACCUMULATE adds onto y; OUT_AT_POS writes rows pos0.. of a cache; a tensor split into
    several buffers (forced by a tiny part size) computes the same."""
    rng = np.random.default_rng(seed)
    rows, cols, tokens, pos0 = 45, 64, 3 if name == "matmul" else 1, 5
    tensor, w = upload_matrix(gpu, rng, "Q8_0", rows, cols, max_part_bytes=36 * 2 * 7)
    assert len(tensor.parts) > 1
    x = rng.standard_normal((tokens, cols)).astype(np.float32)
    start = rng.standard_normal((pos0 + tokens + 2, rows)).astype(np.float32)
    y = gpu.array(start)
    run_linear(gpu, name, tensor, gpu.array(x), y, rows, tokens, pos0=pos0, rows=per_invocation, ksplit=ksplit,
               ACCUMULATE=True, OUT_AT_POS=True)
    want = start.copy()
    want[pos0:pos0 + tokens] += x @ w.T
    np.testing.assert_allclose(gpu.read(y, start.size).reshape(start.shape), want, atol=1e-4)


@pytest.mark.parametrize("type_name", TYPES)
def test_embed(gpu, type_name):
    rng = np.random.default_rng(7)
    vocab, hidden = 37, 96
    tensor, table = upload_matrix(gpu, rng, type_name, vocab, hidden, max_part_bytes=4000)
    ids = np.array([3, 0, 36, 3, 17], np.uint32)
    x = gpu.zeros(len(ids) * hidden)
    step = gpu.step(0, len(ids))
    for part in tensor.parts:
        k = gpu.kernel("embed", FMT=tensor.fmt, H=hidden, N=part.rows, ROW0=part.row0)
        gpu.dispatch(k, [step, part.quants, part.scales, gpu.array(ids, np.uint32), x], -(-len(ids) * 3 // 64))
    np.testing.assert_allclose(gpu.read(x, ids.size * hidden).reshape(-1, hidden), table[ids], rtol=1e-6)


@pytest.mark.parametrize("hidden,tokens", [(33, 1), (100, 3), (576, 5)])
def test_rmsnorm(gpu, hidden, tokens):
    rng = np.random.default_rng(hidden)
    x = rng.standard_normal((tokens, hidden)).astype(np.float32) * 3
    weight = rng.standard_normal(hidden).astype(np.float32)
    out = gpu.zeros(x.size)
    gpu.dispatch(gpu.kernel("rmsnorm", H=hidden, EPS=1e-5), [gpu.array(x), gpu.array(weight), out], tokens)
    want = x / np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True) + 1e-5) * weight
    np.testing.assert_allclose(gpu.read(out, x.size).reshape(x.shape), want, rtol=1e-5, atol=1e-5)


def rope_reference(x, positions, theta):
    from reference.model import ReferenceLlama
    ref = ReferenceLlama.__new__(ReferenceLlama)
    ref.head_dim, ref.theta = x.shape[-1], theta
    ref.neox, ref.freq_factors = False, np.ones(x.shape[-1] // 2)   # llama's rope, no rope_freqs
    return ref.rope(x, positions)


def turns_table(head_dim, theta):
    return (theta ** (-np.arange(0, head_dim, 2) / head_dim) / (2 * np.pi)).astype(np.float32)


@pytest.mark.parametrize("heads,head_dim,tokens,pos0,at_pos", [
    (3, 64, 1, 0, False), (9, 64, 5, 2040, False), (2, 16, 7, 100, True), (5, 8, 3, 11, True)])
def test_rope(gpu, heads, head_dim, tokens, pos0, at_pos):
    rng = np.random.default_rng(pos0)
    rows = pos0 + tokens + 1 if at_pos else tokens
    x = rng.standard_normal((rows, heads, head_dim)).astype(np.float32)
    buf = gpu.array(x)
    k = gpu.kernel("rope", N_HEADS=heads, HEAD_DIM=head_dim, AT_POS=at_pos)
    gpu.dispatch(k, [gpu.step(pos0, tokens), buf, gpu.array(turns_table(head_dim, 1e5))],
                 -(-tokens * heads * head_dim // 2 // 64))
    want = x.copy()
    at = slice(pos0, pos0 + tokens) if at_pos else slice(0, tokens)
    want[at] = rope_reference(x[at], np.arange(pos0, pos0 + tokens), 1e5)
    np.testing.assert_allclose(gpu.read(buf, x.size).reshape(x.shape), want, atol=2e-3)


@pytest.mark.parametrize("heads,kv_heads,head_dim,pos0,tokens,seed", [
    (9, 3, 64, 0, 1, 0), (9, 3, 64, 70, 1, 1), (4, 2, 16, 0, 13, 2), (8, 1, 32, 5, 3, 3),
    (3, 3, 128, 130, 2, 4), (14, 2, 64, 9, 2, 5), (2, 1, 256, 3, 2, 6)])
@pytest.mark.parametrize("kv_f16", [False, True])
def test_attention(gpu, heads, kv_heads, head_dim, pos0, tokens, seed, kv_f16):
    """kv_f16: the cache holds f16 rows (real GPUs with shader-f16; the CPU set's kernel reads f32)."""
    from webgpu_llm.ops import heads_per_workgroup
    per_group = heads_per_workgroup(heads, kv_heads, head_dim)
    rng = np.random.default_rng(seed)
    max_ctx = pos0 + tokens + 3
    kv_type = np.float16 if kv_f16 else np.float32
    q = rng.standard_normal((tokens, heads, head_dim)).astype(np.float32)
    k = rng.standard_normal((max_ctx, kv_heads, head_dim)).astype(kv_type).astype(np.float32)
    v = rng.standard_normal((max_ctx, kv_heads, head_dim)).astype(kv_type).astype(np.float32)
    out = gpu.zeros(q.size)
    kernel = gpu.kernel("attention", N_HEADS=heads, N_KV_HEADS=kv_heads, HEAD_DIM=head_dim, MAX_CTX=max_ctx,
                        HEADS=per_group, KV_F16=kv_f16)
    gpu.dispatch(kernel, [gpu.step(pos0, tokens), gpu.array(q), gpu.array(k, kv_type), gpu.array(v, kv_type), out,
                          gpu.zeros(4 * tokens * heads * max_ctx)], heads // per_group, tokens)
    want = np.empty_like(q)
    group = heads // kv_heads
    for t in range(tokens):
        n = pos0 + t + 1
        for h in range(heads):
            s = k[:n, h // group] @ q[t, h] / np.sqrt(head_dim)
            p = np.exp(s - s.max())
            want[t, h] = p / p.sum() @ v[:n, h // group]
    np.testing.assert_allclose(gpu.read(out, q.size).reshape(q.shape), want, atol=1e-5)
    if head_dim <= 64 and not kv_f16:  # the barrier-free kernel for CPU adapters (model.Model: attention_cpu)
        out = gpu.zeros(q.size)
        kernel = gpu.kernel("attention_cpu", N_HEADS=heads, N_KV_HEADS=kv_heads, HEAD_DIM=head_dim)
        gpu.dispatch(kernel, [gpu.step(pos0, tokens), gpu.array(q), gpu.array(k), gpu.array(v), out],
                     -(-tokens * heads // 4))
        np.testing.assert_allclose(gpu.read(out, q.size).reshape(q.shape), want, atol=1e-5)


@pytest.mark.parametrize("kv_dim,pos0,tokens", [(192, 0, 1), (192, 37, 5), (12, 3, 70), (256, 1, 300)])
def test_kv_store_f16(gpu, kv_dim, pos0, tokens):
    """The step's f32 K and V rows into the f16 cache at rows pos0 .., rounded as numpy rounds
    (nearest), every other row untouched."""
    rng = np.random.default_rng(kv_dim + tokens)
    ctx = pos0 + tokens + 2
    rows = [rng.standard_normal((tokens + 1, kv_dim)).astype(np.float32) * 30 for _ in "kv"]  # one row spare
    caches = [rng.standard_normal((ctx, kv_dim)).astype(np.float16) for _ in "kv"]
    cache_bufs = [gpu.array(c, np.float16) for c in caches]
    kernel = gpu.kernel("kv_store_f16", KV_DIM=kv_dim, KV_F16=True)
    gpu.dispatch(kernel, [gpu.step(pos0, tokens), *map(gpu.array, rows), *cache_bufs],
                 *grid(-(-tokens * kv_dim // 4 // 64)))
    for row, cache, buf in zip(rows, caches, cache_bufs):
        cache[pos0:pos0 + tokens] = row[:tokens]  # numpy's float16 rounding: to nearest, ties to even
        np.testing.assert_array_equal(gpu.read(buf, cache.size, np.float16).reshape(cache.shape), cache)


@pytest.mark.parametrize("ffn,tokens", [(1536, 1), (100, 3), (7, 5)])
def test_swiglu(gpu, ffn, tokens):
    rng = np.random.default_rng(ffn)
    gate = rng.standard_normal((tokens + 1, ffn)).astype(np.float32) * 4
    up = rng.standard_normal((tokens + 1, ffn)).astype(np.float32)
    buf = gpu.array(gate)
    gpu.dispatch(gpu.kernel("swiglu", FFN=ffn), [gpu.step(0, tokens), buf, gpu.array(up)],
                 *grid(-(-tokens * ffn // 64)))
    want = gate.copy()
    want[:tokens] = gate[:tokens] / (1 + np.exp(-gate[:tokens])) * up[:tokens]
    np.testing.assert_allclose(gpu.read(buf, gate.size).reshape(gate.shape), want, rtol=1e-5, atol=1e-6)


def gpu_topk(gpu, values, k):
    """The chain of topk passes the model uses, ending in one workgroup."""
    n, buf, pairs = len(values), gpu.array(values), False
    while True:
        slices = -(-n // 512)
        out = gpu.zeros(2 * slices * k, np.uint32)
        gpu.dispatch(gpu.kernel("topk", N=n, K=k, PAIRS=pairs), [buf, out], -(-slices // 64))
        n, buf, pairs = slices * k, out, True
        if slices == 1:
            result = gpu.read(out, 2 * k, np.uint32).reshape(k, 2)
            return result[:, 0], result[:, 1].view(np.float32)


@pytest.mark.parametrize("n,k,seed", [(49152, 40, 0), (1000, 40, 1), (300, 64, 2), (5000, 1, 3),
                                      (512 * 240 + 3, 40, 4), (49152, 64, 5)])
def test_topk(gpu, n, k, seed):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(n).astype(np.float32)
    values[rng.integers(0, n, 20)] = values.max()  # ties go to the lower id
    values[rng.integers(0, n, 50)] = np.sort(values)[-k // 2]
    ids, top = gpu_topk(gpu, values, k)
    want = np.lexsort((np.arange(n), -values))[:k]
    np.testing.assert_array_equal(ids, want)
    np.testing.assert_array_equal(top, values[want])


def test_topk_fewer_values_than_k(gpu):
    ids, top = gpu_topk(gpu, np.array([1.0, 3.0, 2.0], np.float32), 5)
    assert list(ids[:3]) == [1, 2, 0] and all(i == 0xFFFFFFFF for i in ids[3:])


@pytest.mark.parametrize("type_name", sorted(GPU_FORMATS))
def test_repack_keeps_values(gpu, type_name):
    """Every uploaded format dequantizes (via embed of all rows) to what numpy reads from the file;
    for the K-quants and Q5 types numpy here is PyPI gguf's gguf.quants on random blocks."""
    rng = np.random.default_rng(11)
    cols = 512 if type_name.endswith("_K") else 64
    tensor, table = upload_matrix(gpu, rng, type_name, 130, cols)
    ids = np.arange(130, dtype=np.uint32)
    x = gpu.zeros(table.size)
    k = gpu.kernel("embed", FMT=tensor.fmt, H=cols, N=130, ROW0=0)
    part = tensor.parts[0]
    gpu.dispatch(k, [gpu.step(0, 130), part.quants, part.scales, gpu.array(ids, np.uint32), x],
                 -(-130 * cols // 32 // 64))
    got = gpu.read(x, table.size).reshape(table.shape)
    if type_name in GGUF_QUANTS:  # d*scale*q - dmin*min: the GPU may fuse a multiply-add
        np.testing.assert_allclose(got, table, rtol=1e-6, atol=1e-6 * np.abs(table).max())
    else:
        np.testing.assert_array_equal(got, table)


@pytest.mark.parametrize("type_name", sorted(GGUF_QUANTS))
@pytest.mark.parametrize("rows,cols,tokens", [(77, 768, 9)])  # 3 parts (32, 32, 13 rows)
def test_linear_new_types(gpu, type_name, rows, cols, tokens):
    """Q5_0/Q5_1/Q4_K/Q5_K/Q6_K through matmul (prefill) and matvec (decode, both kernel sets),
    split over several buffers, against x @ dequantize(W)."""
    rng = np.random.default_rng(rows + cols + tokens)
    row_bytes = cols // 256 * GGUF_QUANTS[type_name][1] * (256 // GGUF_QUANTS[type_name][0])
    tensor, w = upload_matrix(gpu, rng, type_name, rows, cols, max_part_bytes=row_bytes * 32)
    x = rng.standard_normal((tokens, cols)).astype(np.float32)
    want = x @ w.T
    tol = 1e-4 * np.abs(x).sum(1).max() * np.abs(w).max() + 1e-5
    y = gpu.zeros(tokens * rows)
    run_linear(gpu, "matmul", tensor, gpu.array(x), y, rows, tokens, rows=8)
    np.testing.assert_allclose(gpu.read(y, tokens * rows).reshape(tokens, rows), want, atol=tol)
    for threads_per_row, workgroup, per_invocation in ((1, 8, 16), (8, 64, 4)):
        y1 = gpu.zeros(rows)
        run_linear(gpu, "matvec", tensor, gpu.array(x[-1]), y1, rows, 1, threads_per_row=threads_per_row,
                   workgroup=workgroup, rows=per_invocation)
        np.testing.assert_allclose(gpu.read(y1, rows), want[-1], atol=tol)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(type_name=st.sampled_from(TYPES), rows=st.integers(1, 300), blocks=st.integers(1, 20),
       tokens=st.integers(1, 20), seed=st.integers(0, 2**16))
def test_linear_on_random_shapes(gpu, type_name, rows, blocks, tokens, seed):
    rng = np.random.default_rng(seed)
    cols = 32 * blocks
    tensor, w = upload_matrix(gpu, rng, type_name, rows, cols)
    x = rng.standard_normal((tokens, cols)).astype(np.float32)
    want = x @ w.T
    tol = 1e-4 * np.abs(x).sum(1).max() * np.abs(w).max() + 1e-5
    for per_invocation, ksplit in ((4, 1), (8, 1), (4, 4), (4, 8)):  # KSPLIT > 1: the real-GPU set's
        y = gpu.zeros(tokens * rows)
        run_linear(gpu, "matmul", tensor, gpu.array(x), y, rows, tokens, rows=per_invocation, ksplit=ksplit)
        np.testing.assert_allclose(gpu.read(y, tokens * rows).reshape(tokens, rows), want, atol=tol)
    for per_invocation in (4, 16):
        y1 = gpu.zeros(rows)
        run_linear(gpu, "matvec", tensor, gpu.array(x[0]), y1, rows, 1, threads_per_row=1, workgroup=8,
                   rows=per_invocation)
        np.testing.assert_allclose(gpu.read(y1, rows), want[0], atol=tol)
