"""#14 on the CPU backend: the Q5_0/Q5_1/Q4_K/Q5_K/Q6_K products, embedding rows and repack of
wasm-kernels/cpu_quants.c, qwen2's bias op and neox rope (cpu_ops.c), under wasmtime against
numpy on odd shapes and random blocks. The weights' reference values are PyPI gguf's own
dequantizers (gguf.quants, via reference.quants.dequantize); products with x quantized the
kernels' way (int8 per 32-block), so only f32 summation order differs. Both builds (plain SIMD128
and relaxed SIMD) run every test: their integer sums must be the same.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.quants import GGUF_QUANTS

from .conftest import wasm_cpu
from .test_wasm_kernels import check_product, upload_matrix

Q5 = ["Q5_0", "Q5_1"]
K = ["Q4_K", "Q5_K", "Q6_K"]
# rows, cols, tokens: 1..3 and 5 blocks (the 4-block loop's tail), 1..5 super-blocks
Q5_SHAPES = [(1, 32, 1), (7, 96, 3), (77, 64, 9), (130, 576, 17), (301, 160, 8)]
WIDE_BLOCKS = {"rel_tol": 2e-5, "bound_by_magnitudes": True}   # check_product's bounds for these types
K_SHAPES = [(1, 256, 1), (7, 768, 3), (33, 512, 9), (130, 1280, 17), (3, 4864, 2)]


@pytest.fixture(scope="module", params=["kernels.wasm", "kernels-relaxed.wasm"])
def cpu(request):
    return wasm_cpu(request.param)


def test_the_reference_is_gguf_and_quantizes_these_types():
    from reference.quants import QUANTIZED
    assert set(GGUF_QUANTS) == set(Q5 + K) and set(Q5 + K) <= set(QUANTIZED)


@pytest.mark.parametrize("type_name", Q5)
@pytest.mark.parametrize("rows,cols,tokens", Q5_SHAPES)
def test_q5_matmul_and_matvec(cpu, type_name, rows, cols, tokens):
    check_product(cpu, type_name, rows, cols, tokens, rows * 1000 + cols + tokens, **WIDE_BLOCKS)


@pytest.mark.parametrize("type_name", K)
@pytest.mark.parametrize("rows,cols,tokens", K_SHAPES)
def test_k_quant_matmul_and_matvec(cpu, type_name, rows, cols, tokens):
    check_product(cpu, type_name, rows, cols, tokens, rows * 1000 + cols + tokens, **WIDE_BLOCKS)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(type_name=st.sampled_from(Q5 + K), rows=st.integers(1, 200), blocks=st.integers(1, 24),
       tokens=st.integers(1, 12), seed=st.integers(0, 2**16))
def test_products_on_random_shapes_and_blocks(cpu, type_name, rows, blocks, tokens, seed):
    per = GGUF_QUANTS[type_name][0]
    check_product(cpu, type_name, rows, per * (blocks if per == 32 else 1 + blocks % 6), tokens, seed, **WIDE_BLOCKS)


@pytest.mark.parametrize("type_name", Q5 + K)
def test_embed_and_repack_equal_gguf_dequantization(cpu, type_name):
    """Every block of a table split into parts, dequantized as gguf.quants does it."""
    rng = np.random.default_rng(11)
    vocab, hidden = 37, 512 if type_name in K else 96
    tensor, table = upload_matrix(cpu, rng, type_name, vocab, hidden, max_part_bytes=4000 if type_name in K else 1000)
    assert len(tensor.parts) > 1
    ids = np.array([3, 0, 36, 3, 17, 20, 35], np.uint32)
    x = cpu.zeros(len(ids) * hidden)
    step = cpu.step(0, len(ids))
    for part in tensor.parts:
        k = cpu.kernel("embed", FMT=tensor.fmt, H=hidden, N=part.rows, ROW0=part.row0)
        cpu.dispatch(k, [step, part.quants, part.scales, cpu.array(ids, np.uint32), x], 1)
    got = cpu.read(x, ids.size * hidden).reshape(-1, hidden)
    np.testing.assert_allclose(got, table[ids], rtol=1e-6, atol=1e-7 * np.abs(table).max())


def test_repacked_sizes_stay_near_the_file():
    """What the CPU keeps per 32 values against the file (the memory bound is 1.3x the GGUF)."""
    from webgpu_llm.weights import GPU_FORMATS, SCALE_BYTES_PER_256
    for type_name in Q5 + K:
        per, nbytes, _ = GGUF_QUANTS[type_name]
        kept = GPU_FORMATS[type_name][1] + SCALE_BYTES_PER_256.get(type_name, 0) / 8
        assert kept <= 1.1 * nbytes * 32 / per, type_name


@pytest.mark.parametrize("heads,head_dim,tokens,pos0,at_pos", [
    (3, 64, 1, 0, False), (14, 64, 5, 2040, False), (2, 16, 7, 100, True), (5, 12, 3, 11, True)])
def test_neox_rope(cpu, heads, head_dim, tokens, pos0, at_pos):
    """qwen2's rope: pairs (i, i + d/2); head_dim 12 leaves a half of 6 (the scalar tail)."""
    from reference.model import ReferenceLlama
    rng = np.random.default_rng(pos0 + 1)
    rows = pos0 + tokens + 1 if at_pos else tokens
    x = rng.standard_normal((rows, heads, head_dim)).astype(np.float32)
    buf = cpu.array(x)
    factors = 1.0 + rng.uniform(0, 7, head_dim // 2)  # Llama 3's rope_freqs divide the frequencies
    turns = (1e6 ** (-np.arange(0, head_dim, 2) / head_dim) / (2 * np.pi) / factors).astype(np.float32)
    k = cpu.kernel("rope", N_HEADS=heads, HEAD_DIM=head_dim, AT_POS=at_pos, NEOX=True)
    cpu.dispatch(k, [cpu.step(pos0, tokens), buf, cpu.array(turns)], 1)
    ref = ReferenceLlama.__new__(ReferenceLlama)
    ref.head_dim, ref.theta, ref.neox, ref.freq_factors = head_dim, 1e6, True, factors
    want = x.copy()
    at = slice(pos0, pos0 + tokens) if at_pos else slice(0, tokens)
    want[at] = ref.rope(x[at], np.arange(pos0, pos0 + tokens))
    np.testing.assert_allclose(cpu.read(buf, x.size).reshape(x.shape), want, atol=5e-4)


@pytest.mark.parametrize("n,tokens,pos0,at_pos", [(128, 1, 0, False), (896, 5, 3, False), (33, 4, 7, True)])
def test_bias_adds_to_each_token_row(cpu, n, tokens, pos0, at_pos):
    rng = np.random.default_rng(n)
    rows = pos0 + tokens + 2 if at_pos else tokens + 1  # a row past the step must stay as it was
    y = rng.standard_normal((rows, n)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32)
    buf = cpu.array(y)
    cpu.dispatch(cpu.kernel("bias", N=n, AT_POS=at_pos), [cpu.step(pos0, tokens), buf, cpu.array(bias)], 1)
    want = y.copy()
    at = slice(pos0, pos0 + tokens) if at_pos else slice(0, tokens)
    want[at] += bias
    np.testing.assert_array_equal(cpu.read(buf, y.size).reshape(y.shape), want)
