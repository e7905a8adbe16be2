"""ggml block formats in numpy: dequantize file bytes, and make random blocks for kernel tests."""
import numpy as np

BLOCK_DTYPES = {
    "Q4_0": np.dtype([("d", "<f2"), ("qs", "u1", 16)]),
    "Q4_1": np.dtype([("d", "<f2"), ("m", "<f2"), ("qs", "u1", 16)]),
    "Q8_0": np.dtype([("d", "<f2"), ("qs", "i1", 32)]),
}
TYPE_IDS = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q5_0": 6, "Q5_1": 7, "Q8_0": 8,
            "Q4_K": 12, "Q5_K": 13, "Q6_K": 14}
# Types whose reference is PyPI gguf's own numpy dequantizer (gguf.quants, written independently of
# our kernels): (block elements, block bytes, byte offsets of the f16 scales we set to sane values).
GGUF_QUANTS = {"Q5_0": (32, 22, (0,)), "Q5_1": (32, 24, (0, 2)), "Q4_K": (256, 144, (0, 2)),
               "Q5_K": (256, 176, (0, 2)), "Q6_K": (256, 210, (208,))}
# the types whose products the CPU kernels take in int8
QUANTIZED = ("Q4_0", "Q4_1", "Q8_0", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K")


def _nibbles(qs):
    """16 bytes per block -> 32 values: low nibbles are elements 0..15, high nibbles 16..31."""
    return np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32)


def dequantize(raw, type_name, shape):
    """File bytes of a tensor -> float32 array of numpy shape (rows, cols) = ggml shape reversed."""
    np_shape = tuple(reversed(shape))
    if type_name == "F32":
        return np.frombuffer(raw, "<f4").reshape(np_shape).copy()
    if type_name == "F16":
        return np.frombuffer(raw, "<f2").astype(np.float32).reshape(np_shape)
    if type_name in GGUF_QUANTS:
        return _gguf_dequantize(raw, type_name).reshape(np_shape)
    blocks = np.frombuffer(raw, BLOCK_DTYPES[type_name])
    d = blocks["d"].astype(np.float32)[:, None]
    if type_name == "Q4_0":
        values = (_nibbles(blocks["qs"]) - 8.0) * d
    elif type_name == "Q4_1":
        values = _nibbles(blocks["qs"]) * d + blocks["m"].astype(np.float32)[:, None]
    else:
        values = blocks["qs"].astype(np.float32) * d
    return values.reshape(np_shape)


def random_tensor(rng, type_name, rows, cols, scale=0.1):
    """Random file bytes for a (rows, cols) tensor of `type_name` (cols % 32 == 0 if quantized)."""
    if type_name == "F32":
        return (rng.standard_normal((rows, cols)) * scale).astype("<f4").tobytes()
    if type_name == "F16":
        return (rng.standard_normal((rows, cols)) * scale).astype("<f2").tobytes()
    if type_name in GGUF_QUANTS:
        return _random_blocks(rng, type_name, rows * cols, scale)
    blocks = np.zeros(rows * cols // 32, BLOCK_DTYPES[type_name])
    blocks["d"] = (rng.uniform(0.2, 1.0, len(blocks)) * scale / 8).astype("<f2")
    if type_name == "Q8_0":
        blocks["qs"] = rng.integers(-128, 128, (len(blocks), 32))
    else:
        blocks["qs"] = rng.integers(0, 256, (len(blocks), 16))
    if type_name == "Q4_1":
        blocks["m"] = (-rng.uniform(0.5, 1.0, len(blocks)) * scale).astype("<f2")
    return blocks.tobytes()


def _gguf_dequantize(raw, type_name):
    import gguf.quants
    from gguf import GGMLQuantizationType
    qtype = GGMLQuantizationType[type_name]
    return gguf.quants.dequantize(np.frombuffer(raw, np.uint8), qtype).astype(np.float32).ravel()


def _random_blocks(rng, type_name, n, scale):
    """Random bytes for every field (quants, packed sub-block scales, fifth bits) except the f16
    scales, which get magnitudes that keep values near `scale` (random bits could be inf/NaN).
    A second f16 (Q5_1's m, K-quants' dmin) gets a sign of either kind."""
    per, nbytes, offsets = GGUF_QUANTS[type_name]
    blocks = rng.integers(0, 256, (n // per, nbytes), dtype=np.uint8)
    step = 64.0 if per == 256 else 16.0  # K-quants multiply by a 6-bit (or int8) sub-block scale
    for i, at in enumerate(offsets):
        value = rng.uniform(0.2, 1.0, len(blocks)) * scale / step
        if i:
            value *= rng.choice([-1.0, 1.0], len(blocks))
        blocks[:, at:at + 2] = value.astype("<f2").view(np.uint8).reshape(-1, 2)
    return blocks.tobytes()


def quantize_blocks(x):
    """x (float32, last axis a multiple of 32) as the CPU kernels see it before a product with
    quantized weights: per 32-block, d = max|x| / 127 and q = round(x * (1/d)) (half to even,
    all in float32). Returns (q * d, the smallest distance of any x * (1/d) from a rounding
    boundary: near 0, a last-bit difference in x may legitimately round the other way)."""
    x = np.asarray(x, np.float32)
    blocks = x.reshape(*x.shape[:-1], -1, 32)
    d = np.abs(blocks).max(-1, keepdims=True) / np.float32(127)
    inv = np.float32(1) / np.where(d > 0, d, np.float32(1))
    scaled = np.where(d > 0, blocks * inv, np.float32(0))
    q = np.rint(scaled)
    margin = float(np.abs(np.abs(scaled - np.floor(scaled)) - 0.5).min())
    return (q * d).astype(np.float32).reshape(x.shape), margin
