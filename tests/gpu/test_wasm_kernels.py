"""The CPU backend's kernels (wasm-kernels/*.c under wasmtime) against numpy, on odd shapes.

Products with quantized weights are checked against x quantized the kernels' way
(reference.quants.quantize_blocks: int8 per 32-block), so the only difference left is f32
summation order; everything else against the plain float answer.
"""
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.quants import QUANTIZED, dequantize, quantize_blocks, random_tensor
from webgpu_llm.gguf import BytesSource
from webgpu_llm.weights import Uploader

from .conftest import wasm_cpu

TYPES = ["F32", "F16", "Q4_0", "Q4_1", "Q8_0"]


@pytest.fixture(scope="module", params=["kernels.wasm", "kernels-relaxed.wasm"])
def cpu(request):
    """Every test here on both builds: plain SIMD128 and relaxed SIMD (same exact integer sums)."""
    return wasm_cpu(request.param)
SHAPES = [(1, 32, 1), (7, 96, 3), (77, 64, 9), (130, 576, 17), (301, 160, 8)]  # rows, cols, tokens


def upload_matrix(cpu, rng, type_name, rows, cols, max_part_bytes=None):
    """Random file bytes -> (tensor through the real uploader + repack op, dequantized numpy)."""
    raw = random_tensor(rng, type_name, rows, cols)
    info = SimpleNamespace(name="w", shape=(cols, rows), type_name=type_name, offset=0, nbytes=len(raw))
    tensor = cpu.run(Uploader(cpu.device, max_part_bytes).tensor(info, BytesSource(raw)))
    return tensor, dequantize(raw, type_name, (cols, rows))


def linear(cpu, name, tensor, x_buf, y_buf, n_out, tokens, pos0=0, **flags):
    """matvec (one token) or matmul, one dispatch per part, as Builder.linear binds them."""
    step = cpu.step(pos0, tokens)
    for part in tensor.parts:
        k = cpu.kernel(name, FMT=tensor.fmt, K=tensor.cols, N=part.rows, N_OUT=n_out, ROW0=part.row0, **flags)
        cpu.dispatch(k, [step, part.quants, part.scales, x_buf, y_buf], 1)


def expected(type_name, x, w):
    return (quantize_blocks(x)[0] if type_name in QUANTIZED else x) @ w.T


def check_product(cpu, type_name, rows, cols, tokens, seed, rel_tol=1e-5, bound_by_magnitudes=False):
    """matmul and matvec of a random matrix against numpy (x quantized the kernels' way), and the
    quantization of x within a sanity bound of the float product: 2 % of its largest value, or
    (bound_by_magnitudes, for the k-quants' wider blocks) of the largest sum of |x| |w|."""
    rng = np.random.default_rng(seed)
    tensor, w = upload_matrix(cpu, rng, type_name, rows, cols)
    x = rng.standard_normal((tokens, cols)).astype(np.float32)
    want = expected(type_name, x, w)
    tol = rel_tol * np.abs(want).max() + 1e-6
    y = cpu.zeros(tokens * rows)
    linear(cpu, "matmul", tensor, cpu.array(x), y, rows, tokens)
    np.testing.assert_allclose(cpu.read(y, tokens * rows).reshape(tokens, rows), want, atol=tol)
    y1 = cpu.zeros(rows)
    linear(cpu, "matvec", tensor, cpu.array(x[-1]), y1, rows, 1)
    np.testing.assert_allclose(cpu.read(y1, rows), want[-1], atol=tol)
    exact = x[-1] @ w.T
    scale = (np.abs(x[-1]) @ np.abs(w).T).max() if bound_by_magnitudes else np.abs(exact).max()
    assert np.abs(cpu.read(y1, rows) - exact).max() < 0.02 * scale + 1e-3


@pytest.mark.parametrize("type_name", TYPES)
@pytest.mark.parametrize("rows,cols,tokens", SHAPES)
def test_matmul_and_matvec(cpu, type_name, rows, cols, tokens):
    check_product(cpu, type_name, rows, cols, tokens, seed=rows * 1000 + cols + tokens)


@pytest.mark.parametrize("name", ["matvec", "matmul"])
def test_linear_accumulates_at_position_across_parts(cpu, name):
    rng = np.random.default_rng(5)
    rows, cols, tokens, pos0 = 45, 64, 3 if name == "matmul" else 1, 5
    tensor, w = upload_matrix(cpu, rng, "Q8_0", rows, cols, max_part_bytes=36 * 2 * 7)
    assert len(tensor.parts) > 1
    x = rng.standard_normal((tokens, cols)).astype(np.float32)
    start = rng.standard_normal((pos0 + tokens + 2, rows)).astype(np.float32)
    y = cpu.array(start)
    linear(cpu, name, tensor, cpu.array(x), y, rows, tokens, pos0=pos0, ACCUMULATE=True, OUT_AT_POS=True)
    want = start.copy()
    want[pos0:pos0 + tokens] += expected("Q8_0", x, w)
    np.testing.assert_allclose(cpu.read(y, start.size).reshape(start.shape), want, atol=1e-4)


def test_matmul_batches_bigger_than_the_scratch_go_in_chunks(cpu):
    """cpu_linear.c quantizes at most 2^18 values of x at a time: 70 tokens of 4096 are 2 chunks."""
    rng = np.random.default_rng(9)
    rows, cols, tokens = 5, 4096, 70
    tensor, w = upload_matrix(cpu, rng, "Q4_1", rows, cols)
    x = rng.standard_normal((tokens, cols)).astype(np.float32)
    y = cpu.zeros(tokens * rows)
    linear(cpu, "matmul", tensor, cpu.array(x), y, rows, tokens)
    want = expected("Q4_1", x, w)
    np.testing.assert_allclose(cpu.read(y, tokens * rows).reshape(tokens, rows), want, atol=1e-5 * np.abs(want).max())


@pytest.mark.parametrize("type_name", TYPES)
def test_embed_and_repack_keep_values(cpu, type_name):
    """Every format, split into parts, dequantizes exactly to what numpy reads from the file."""
    rng = np.random.default_rng(7)
    vocab, hidden = 37, 96
    tensor, table = upload_matrix(cpu, rng, type_name, vocab, hidden, max_part_bytes=1000)
    assert len(tensor.parts) > 1
    ids = np.array([3, 0, 36, 3, 17, 20], np.uint32)
    x = cpu.zeros(len(ids) * hidden)
    step = cpu.step(0, len(ids))
    for part in tensor.parts:
        k = cpu.kernel("embed", FMT=tensor.fmt, H=hidden, N=part.rows, ROW0=part.row0)
        cpu.dispatch(k, [step, part.quants, part.scales, cpu.array(ids, np.uint32), x], 1)
    np.testing.assert_array_equal(cpu.read(x, ids.size * hidden).reshape(-1, hidden), table[ids])


@pytest.mark.parametrize("hidden,rows", [(33, 1), (100, 3), (576, 5)])
def test_rmsnorm(cpu, hidden, rows):
    rng = np.random.default_rng(hidden)
    x = rng.standard_normal((rows, hidden)).astype(np.float32) * 3
    weight = rng.standard_normal(hidden).astype(np.float32)
    out = cpu.zeros(x.size + hidden)  # one row more: it must stay untouched
    cpu.dispatch(cpu.kernel("rmsnorm", H=hidden, EPS=1e-5), [cpu.array(x), cpu.array(weight), out], rows)
    want = x / np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True) + 1e-5) * weight
    got = cpu.read(out, x.size + hidden)
    np.testing.assert_allclose(got[:x.size].reshape(x.shape), want, rtol=1e-5, atol=1e-5)
    assert not got[x.size:].any()


@pytest.mark.parametrize("heads,head_dim,tokens,pos0,at_pos", [
    (3, 64, 1, 0, False), (9, 64, 5, 2040, False), (2, 16, 7, 100, True), (5, 8, 3, 11, True)])
def test_rope(cpu, heads, head_dim, tokens, pos0, at_pos):
    from reference.model import ReferenceLlama
    rng = np.random.default_rng(pos0)
    rows = pos0 + tokens + 1 if at_pos else tokens
    x = rng.standard_normal((rows, heads, head_dim)).astype(np.float32)
    buf = cpu.array(x)
    turns = (1e5 ** (-np.arange(0, head_dim, 2) / head_dim) / (2 * np.pi)).astype(np.float32)
    k = cpu.kernel("rope", N_HEADS=heads, HEAD_DIM=head_dim, AT_POS=at_pos)
    cpu.dispatch(k, [cpu.step(pos0, tokens), buf, cpu.array(turns)], 1)
    ref = ReferenceLlama.__new__(ReferenceLlama)
    ref.head_dim, ref.theta, ref.neox, ref.freq_factors = head_dim, 1e5, False, np.ones(head_dim // 2)
    want = x.copy()
    at = slice(pos0, pos0 + tokens) if at_pos else slice(0, tokens)
    want[at] = ref.rope(x[at], np.arange(pos0, pos0 + tokens))
    # The turns table is f32 (as on the GPU); angles are then exact to double precision here.
    np.testing.assert_allclose(cpu.read(buf, x.size).reshape(x.shape), want, atol=5e-4)


@pytest.mark.parametrize("name", ["attention_cpu", "attention"])
@pytest.mark.parametrize("heads,kv_heads,head_dim,pos0,tokens,seed", [
    (9, 3, 64, 0, 1, 0), (9, 3, 64, 70, 1, 1), (4, 2, 16, 0, 13, 2), (8, 1, 32, 5, 3, 3),
    (3, 3, 128, 130, 2, 4), (2, 1, 256, 3, 2, 6)])
def test_attention(cpu, name, heads, kv_heads, head_dim, pos0, tokens, seed):
    rng = np.random.default_rng(seed)
    max_ctx = pos0 + tokens + 3
    q = rng.standard_normal((tokens, heads, head_dim)).astype(np.float32)
    k = rng.standard_normal((max_ctx, kv_heads, head_dim)).astype(np.float32) * 2
    v = rng.standard_normal((max_ctx, kv_heads, head_dim)).astype(np.float32)
    out = cpu.zeros(q.size)
    kernel = cpu.kernel(name, N_HEADS=heads, N_KV_HEADS=kv_heads, HEAD_DIM=head_dim, MAX_CTX=max_ctx, HEADS=1)
    cpu.dispatch(kernel, [cpu.step(pos0, tokens), cpu.array(q), cpu.array(k), cpu.array(v), out], 1)
    want = np.empty_like(q)
    group = heads // kv_heads
    for t in range(tokens):
        n = pos0 + t + 1
        for h in range(heads):
            s = k[:n, h // group] @ q[t, h] / np.sqrt(head_dim)
            p = np.exp(s - s.max())
            want[t, h] = p / p.sum() @ v[:n, h // group]
    np.testing.assert_allclose(cpu.read(out, q.size).reshape(q.shape), want, atol=1e-5)


@pytest.mark.parametrize("ffn,tokens", [(1536, 1), (100, 3), (7, 5)])
def test_swiglu(cpu, ffn, tokens):
    rng = np.random.default_rng(ffn)
    gate = rng.standard_normal((tokens + 1, ffn)).astype(np.float32) * 4
    gate[0, :3] = [-100.0, 100.0, 0.0]  # saturated exponentials
    up = rng.standard_normal((tokens + 1, ffn)).astype(np.float32)
    buf = cpu.array(gate)
    cpu.dispatch(cpu.kernel("swiglu", FFN=ffn), [cpu.step(0, tokens), buf, cpu.array(up)], 1)
    want = gate.copy()
    g = gate[:tokens].astype(np.float64)
    want[:tokens] = g / (1 + np.exp(-g)) * up[:tokens]
    np.testing.assert_allclose(cpu.read(buf, gate.size).reshape(gate.shape), want, rtol=1e-6, atol=1e-6)


def topk_chain(cpu, values, k, pairs_in=None):
    """The chain of topk passes the model records, down to one slice."""
    n, buf, pairs = len(values), cpu.array(values), False
    while True:
        slices = -(-n // 512)
        out = cpu.zeros(2 * slices * k, np.uint32)
        cpu.dispatch(cpu.kernel("topk", N=n, K=k, PAIRS=pairs), [buf, out], 1)
        n, buf, pairs = slices * k, out, True
        if slices == 1:
            result = cpu.read(out, 2 * k, np.uint32).reshape(k, 2)
            return result[:, 0], result[:, 1].view(np.float32)


@pytest.mark.parametrize("n,k,seed", [(49152, 40, 0), (1000, 40, 1), (300, 64, 2), (5000, 1, 3)])
def test_topk(cpu, n, k, seed):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(n).astype(np.float32)
    values[rng.integers(0, n, 20)] = values.max()  # ties go to the lower id
    values[rng.integers(0, n, 50)] = np.sort(values)[-k // 2]
    ids, top = topk_chain(cpu, values, k)
    want = np.lexsort((np.arange(n), -values))[:k]
    np.testing.assert_array_equal(ids, want)
    np.testing.assert_array_equal(top, values[want])


def test_topk_fewer_values_than_k(cpu):
    ids, top = topk_chain(cpu, np.array([1.0, 3.0, 2.0], np.float32), 5)
    assert list(ids[:3]) == [1, 2, 0] and all(i == 0xFFFFFFFF for i in ids[3:])


def test_gather_logits_pads_after_the_allowed_ids(cpu):
    logits = np.arange(100, dtype=np.float32) * 0.5
    allowed = np.array([3, 97, 4, 50] + [0] * 6, np.uint32)
    out = cpu.zeros(2 * 8, np.uint32)
    cpu.dispatch(cpu.kernel("gather_logits", CAP=8), [cpu.array(logits), cpu.array(allowed, np.uint32), out], 1)
    pairs = cpu.read(out, 16, np.uint32).reshape(8, 2)
    assert list(pairs[:3, 0]) == [97, 4, 50] and list(pairs[:3, 1].view(np.float32)) == [48.5, 2.0, 25.0]
    assert all(pairs[3:, 0] == 0xFFFFFFFF) and np.all(pairs[3:, 1].view(np.float32) == np.float32(-3e38))


def test_add_and_copy_use_the_bound_sizes(cpu):
    x, y = np.arange(37, dtype=np.float32), np.full(37, 0.5, np.float32)
    xb = cpu.array(x)
    cpu.dispatch(cpu.kernel("add"), [(xb, 0, 4 * 30), cpu.array(y)], 1)  # only the first 30 of x
    np.testing.assert_array_equal(cpu.read(xb, 37), np.concatenate([x[:30] + 0.5, x[30:]]))
    dst = cpu.zeros(37)
    cpu.dispatch(cpu.kernel("copy", ITEMS=4), [xb, (dst, 16, 64)], 1)  # 16 floats into dst[4:20]
    got = cpu.read(dst, 37)
    np.testing.assert_array_equal(got[4:20], cpu.read(xb, 16))
    assert not got[:4].any() and not got[20:].any()


@settings(max_examples=15, deadline=None, derandomize=True)
@given(type_name=st.sampled_from(TYPES), rows=st.integers(1, 300), blocks=st.integers(1, 20),
       tokens=st.integers(1, 20), seed=st.integers(0, 2**16))
def test_linear_on_random_shapes(cpu, type_name, rows, blocks, tokens, seed):
    rng = np.random.default_rng(seed)
    cols = 32 * blocks
    tensor, w = upload_matrix(cpu, rng, type_name, rows, cols)
    x = rng.standard_normal((tokens, cols)).astype(np.float32)
    want = expected(type_name, x, w)
    y = cpu.zeros(tokens * rows)
    linear(cpu, "matmul", tensor, cpu.array(x), y, rows, tokens)
    np.testing.assert_allclose(cpu.read(y, tokens * rows).reshape(tokens, rows), want,
                               atol=1e-5 * np.abs(want).max() + 1e-6)


def test_captured_program_replays_what_direct_recording_does(cpu):
    device, n = cpu.device, 300
    rng = np.random.default_rng(1)
    x0, y = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    kernel = cpu.kernel("add")
    x, yb, out = cpu.zeros(n), cpu.array(y), cpu.zeros(n)
    group = device.bind(kernel, [x, yb])

    def step(rec):  # x += y twice, then copy x into out
        rec.dispatch(kernel, group, 5)
        rec.dispatch(kernel, group, 5)
        rec.copy(x, 0, out, 0, 4 * n)

    sequence = device.capture(step)
    for replays in (1, 3):
        device.write(x, x0.tobytes())
        rec = device.record()
        for _ in range(replays):
            rec.replay(sequence)
        before = device.submits
        device.submit(rec)
        assert device.submits == before + 1 and rec.dispatches == 2 * replays
        np.testing.assert_allclose(cpu.read(out, n), x0 + 2 * replays * y, rtol=1e-5, atol=1e-5)


def test_a_malformed_program_is_refused_before_anything_runs(cpu):
    from webgpu_llm.gpu.wasm_cpu import WasmKernel
    x = cpu.array(np.ones(4, np.float32))
    kernel = cpu.kernel("add")
    kernel.encode = lambda c, b, wg: [b[0][0], b[1][0]]  # one argument short
    rec = cpu.device.record()
    rec.dispatch(cpu.kernel("add"), cpu.device.bind(kernel, [x, x]), 1)  # valid: x += x (5 words), then a barrier (2)
    rec.dispatch(kernel, cpu.device.bind(kernel, [x, x]), 1)
    with pytest.raises(RuntimeError, match="refused program word 7"):
        cpu.device.submit(rec)
    np.testing.assert_array_equal(cpu.read(x, 4), np.ones(4))
    with pytest.raises(Exception, match="no CPU op"):
        WasmKernel("no_such_kernel", {})
    with pytest.raises(Exception, match="do not read weight format 5"):
        WasmKernel("matvec", {"FMT": 5, "K": 32, "N": 1, "N_OUT": 1})
    with pytest.raises(Exception, match="do not repack ggml type 12"):
        WasmKernel("repack", {"SRC": 12})


def test_a_matmul_stays_within_its_bound_buffers(cpu):
    """n_tokens beyond the rows x and y hold (the prefill's logits of its last row) are not
    computed: WebGPU drops such accesses, and here they would overwrite other buffers."""
    rng = np.random.default_rng(3)
    tensor, w = upload_matrix(cpu, rng, "Q8_0", 7, 64)
    x = rng.standard_normal((1, 64)).astype(np.float32)
    y = cpu.zeros(7 + 5)  # one row of y, then a neighbour that must stay zero
    linear(cpu, "matmul", tensor, cpu.array(x), (y, 0, 28), 7, tokens=11)
    got = cpu.read(y, 12)
    np.testing.assert_allclose(got[:7], expected("Q8_0", x, w)[0], atol=1e-4)
    assert not got[7:].any()
