"""Q4_1 / Q8_0 blocks in numpy: dequantize, re-quantize (llama.cpp's reference rounding), and the
deterministic merge of a LoRA delta into a matrix. Used by train.py (on the GPU machine, to check
the re-quantized model) and merge.py (at build time): both must give the same bytes.

Every step is elementwise float32 arithmetic in a fixed order (no BLAS: a matmul's summation
order differs between machines), so the bytes are the same everywhere.
"""
import numpy as np

Q4_1 = np.dtype([("d", "<f2"), ("m", "<f2"), ("qs", "u1", 16)])
Q8_0 = np.dtype([("d", "<f2"), ("qs", "i1", 32)])


def dequantize(raw, type_name, rows, cols):
    """File bytes -> float32 (rows, cols); rows = ggml ne1, cols = ne0 (the contiguous one)."""
    if type_name == "F32":
        return np.frombuffer(raw, "<f4").reshape(rows, cols).copy()
    if type_name == "Q8_0":
        b = np.frombuffer(raw, Q8_0)
        return (b["qs"].astype(np.float32) * b["d"].astype(np.float32)[:, None]).reshape(rows, cols)
    if type_name == "Q4_1":
        b = np.frombuffer(raw, Q4_1)
        q = np.concatenate([b["qs"] & 0x0F, b["qs"] >> 4], axis=1).astype(np.float32)
        return (q * b["d"].astype(np.float32)[:, None] + b["m"].astype(np.float32)[:, None]).reshape(rows, cols)
    raise ValueError(f"unsupported type {type_name}")


def quantize_q4_1(w):
    """float32 (rows, cols) -> Q4_1 bytes, as llama.cpp's quantize_row_q4_1_ref: per block of 32,
    d = (max - min) / 15, q = min(15, (int)((x - min) / d + 0.5)), d and min stored as f16."""
    x = np.ascontiguousarray(w, np.float32).reshape(-1, 32)
    lo, hi = x.min(axis=1), x.max(axis=1)
    d = (hi - lo) / np.float32(15)
    inv = np.zeros_like(d)
    np.divide(np.float32(1), d, out=inv, where=d != 0)
    q = np.minimum(np.float32(15), np.trunc((x - lo[:, None]) * inv[:, None] + np.float32(0.5))).astype(np.uint8)
    out = np.zeros(len(x), Q4_1)
    out["d"], out["m"] = d.astype("<f2"), lo.astype("<f2")
    out["qs"] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def merged(w0, a, b, scale):
    """w0 + scale * (b @ a) in float32, summed over the rank in a fixed order (b: rows x r, a: r x cols)."""
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32) * np.float32(scale)
    delta = np.zeros(w0.shape, np.float32)
    for k in range(a.shape[0]):
        delta += b[:, k:k + 1] * a[k:k + 1, :]
    return (w0 + delta).astype(np.float32)


def permute_rows(w, n_heads):
    """HF (rotate-half) row order -> llama.cpp's GGUF order (interleaved pairs), for Q and K."""
    rows = w.shape[0]
    return w.reshape(n_heads, 2, rows // n_heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def unpermute_rows(w, n_heads):
    """GGUF row order -> HF row order (the inverse of permute_rows)."""
    rows = w.shape[0]
    return w.reshape(n_heads, rows // n_heads // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)
