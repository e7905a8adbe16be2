"""Write a random-weight GGUF with a real model's shapes and tensor types, in seconds: quant blocks
are random bytes with fixed small scales, so no Python loops over values. For speed measurements,
where weight values don't matter (on the lent GPU machine the real file is too big to carry in one
call). Not a usable language model (tools/tiny_model.py writes a tiny one that is).

    python3 -m tools.shaped_model OUT.gguf [--like smollm2|qwen2.5-0.5b]
        [--layers N --hidden N --heads N --kv-heads N --ffn N --vocab N]

--like smollm2 (the default): SmolLM2-135M-Instruct.Q4_1.gguf's shapes - llama, 30 layers,
hidden 576, 9 heads over 3 KV heads, FFN 1536, vocab 49,152, tied Q8_0 embedding, Q4_1 matrices.
--like qwen2.5-0.5b: the Qwen2.5-Coder-0.5B-Instruct GGUF of docs (PLATFORM.md: 491,400,064 bytes,
291 tensors) - qwen2 (q/k/v biases, untied Q8_0 head, neox rope, rope base 1e6, eps 1e-6), 24
layers, hidden 896, 14 heads over 2 KV heads, FFN 4864, vocab 151,936; Q5_0 embedding and
matrices, attn_v Q8_0 / ffn_down Q6_K in the layers the real file gives more bits (else Q5_0 /
Q4_K), in the real file's tensor order: the same tensors, shapes, types and data bytes.
The shape flags override the preset's values.
The vocabulary is the tiny model's (300 tokens, its merges and ChatML template) padded with unused
"[PADn]" tokens to the real size, so chat runs too (printing nonsense).
"""
import argparse
import os
import random
import struct
import time

from tools.tiny_model import TYPE_IDS, _pad, _string, _value, metadata, vocabulary

SHAPE_KEYS = ("layers", "hidden", "heads", "kv_heads", "ffn", "vocab")
SMOLLM2 = {"layers": 30, "hidden": 576, "heads": 9, "kv_heads": 3, "ffn": 1536, "vocab": 49152}
QWEN25_05B = {"layers": 24, "hidden": 896, "heads": 14, "kv_heads": 2, "ffn": 4864, "vocab": 151936}
PRESETS = {  # shape, and what goes in the metadata
    "smollm2": dict(SMOLLM2, arch="llama", name="random weights, SmolLM2-135M shapes", context=8192,
                    rope_base=100000.0, eps=1e-5),
    "qwen2.5-0.5b": dict(QWEN25_05B, arch="qwen2", name="random weights, Qwen2.5-Coder-0.5B-Instruct shapes",
                         context=32768, rope_base=1000000.0, eps=1e-6, file_type=15),
}
# Layers whose attn_v is Q8_0 and ffn_down Q6_K in the real Qwen file (the others: Q5_0 and Q4_K).
QWEN_MORE_BITS = frozenset({0, 1, 3, 6, 7, 8, 9, 10, 13, 16, 19, 21})
# The real Qwen file's tensor order within a layer (its layers come in string order: 0, 1, 10, ...).
QWEN_LAYER_ORDER = ("attn_norm.weight", "ffn_down.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_norm.weight",
                    "attn_k.bias", "attn_k.weight", "attn_output.weight", "attn_q.bias", "attn_q.weight",
                    "attn_v.bias", "attn_v.weight")
BLOCKS = {"F32": (1, 4), "Q4_1": (32, 20), "Q5_0": (32, 22), "Q8_0": (32, 34), "Q4_K": (256, 144),
          "Q6_K": (256, 210)}  # type: (elements per block, bytes per block)
# Standard deviation of a block's values per unit of d (the f16 scale), with random quants and
# sub-scales as blocks() leaves them: Q5_0 d*(q-16), q 0..31; Q8_0 d*q, q int8; Q4_K d*s*(q-7.5),
# s 0..15, q 0..15; Q6_K d*s*(q-32), s -8..7, q 0..63.
SPREAD = {"Q5_0": 9.23, "Q8_0": 73.9, "Q4_K": 40.6, "Q6_K": 85.7}
POOL_BYTES = 1 << 24
_pool = []


def random_bytes(n, rng):
    """n random bytes: slices of a 16 MiB pool of os.urandom at random places (os.urandom of a whole
    0.5 GB model takes ~4 s on one core; repeated runs of bytes don't matter to speed)."""
    if not _pool:
        _pool.append(memoryview(os.urandom(POOL_BYTES)))
    pool, out, pos = _pool[0], bytearray(n), 0
    while pos < n:
        start = rng.randrange(POOL_BYTES)
        take = min(n - pos, POOL_BYTES - start)
        out[pos:pos + take] = pool[start:start + take]
        pos += take
    return out


def _fill(data, offset, size, n, value):
    """Set bytes [offset, offset + len(value)) of each of n blocks of `size` bytes to `value`."""
    for i, byte in enumerate(value):
        data[offset + i::size] = bytes([byte]) * n


def _map(data, offset, size, n, table):
    """Map byte `offset` of each of n blocks through a 256-byte translation table."""
    data[offset::size] = data[offset::size].translate(table)


LOW_NIBBLE_TWICE = bytes((b & 15) | (b & 15) << 4 for b in range(256))  # Q4_K: min = scale
LOW_NIBBLE = bytes(b & 15 for b in range(256))                           # Q4_K: scales 0..15
SIGNED_NIBBLE = bytes(((b & 15) - 8) & 255 for b in range(256))         # Q6_K: int8 scales -8..7


def blocks(rows, cols, type_name, d, rng, chunk_bytes=1 << 22):
    """rows x cols weights as ggml blocks, in pieces of about chunk_bytes: random quants (and
    sub-scales) under the fixed f16 scale d (and derived offsets) that keep the values about zero,
    so activations stay finite."""
    per_block, size = BLOCKS[type_name]
    left, most = rows * cols // per_block, max(1, chunk_bytes // size)
    while left:
        n = min(left, most)
        left -= n
        yield _random_blocks(n, size, type_name, d, rng)


def _random_blocks(n, size, type_name, d, rng):
    data = random_bytes(n * size, rng)
    if type_name == "Q4_1":    # f16 d, f16 m = -8d, 16 bytes of nibbles: d*q - 8d
        _fill(data, 0, size, n, struct.pack("<ee", d, -8 * d))
    elif type_name in ("Q5_0", "Q8_0"):  # f16 d first, then the quants (Q5_0: 4 bytes of high bits)
        _fill(data, 0, size, n, struct.pack("<e", d))
    elif type_name == "Q4_K":  # f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 of nibbles
        _fill(data, 0, size, n, struct.pack("<ee", d, 7.5 * d))
        for j in range(4):
            # scales[0..3]: sub-blocks 0-3's scale (6 bits) + high bits of 4-7's; keep 0..15, no high bits
            _map(data, 4 + j, size, n, LOW_NIBBLE)
            data[8 + j::size] = data[4 + j::size]         # scales[4..7]: mins 0-3 (+ high bits) = scales
            _map(data, 12 + j, size, n, LOW_NIBBLE_TWICE)  # scales[8..11]: 4-7's low scale | low min
    elif type_name == "Q6_K":  # 128 bytes low nibbles, 64 high bits, 16 int8 scales, f16 d
        for j in range(16):
            _map(data, 192 + j, size, n, SIGNED_NIBBLE)
        _fill(data, 208, size, n, struct.pack("<e", d))
    else:
        raise ValueError(f"no random blocks of type {type_name}")
    return data


def _f32(values):
    return struct.pack(f"<{len(values)}f", *values)


def _matrix(name, cols, rows, type_name, rng, d=None):
    """A table row (name, ggml shape, type, byte count, maker). d defaults to values of standard
    deviation 1/sqrt(cols) (outputs about as large as inputs)."""
    per_block, size = BLOCKS[type_name]
    if cols % per_block:
        raise ValueError(f"{name}: {type_name} rows are whole {per_block}-element blocks, {cols} is not")
    d = (cols ** -0.5) / SPREAD[type_name] if d is None else d
    return name, (cols, rows), type_name, rows * cols // per_block * size, lambda: blocks(rows, cols, type_name, d, rng)


def _vector(name, values):
    return name, (len(values),), "F32", 4 * len(values), lambda: [_f32(values)]


def smollm2_tensors(c, rng):
    h, head_dim = c["hidden"], c["hidden"] // c["heads"]
    kv, ones = c["kv_heads"] * head_dim, [1.0] * c["hidden"]
    out = [_matrix("token_embd.weight", h, c["vocab"], "Q8_0", rng, d=0.01)]  # values in [-1.28, 1.27]
    for i in range(c["layers"]):
        for part, (cols, rows) in {"attn_q": (h, h), "attn_k": (h, kv), "attn_v": (h, kv), "attn_output": (h, h),
                                   "ffn_gate": (h, c["ffn"]), "ffn_up": (h, c["ffn"]),
                                   "ffn_down": (c["ffn"], h)}.items():  # values in [-0.016, 0.014]
            out.append(_matrix(f"blk.{i}.{part}.weight", cols, rows, "Q4_1", rng, d=0.002))
        out += [_vector(f"blk.{i}.attn_norm.weight", ones), _vector(f"blk.{i}.ffn_norm.weight", ones)]
    out.append(_vector("output_norm.weight", ones))
    return out


def qwen2_tensors(c, rng):
    h, head_dim, ffn = c["hidden"], c["hidden"] // c["heads"], c["ffn"]
    kv, ones = c["kv_heads"] * head_dim, [1.0] * h

    def bias(n):
        return [rng.gauss(0.0, 0.1) for _ in range(n)]

    out = [_matrix("output.weight", h, c["vocab"], "Q8_0", rng),
           _matrix("token_embd.weight", h, c["vocab"], "Q5_0", rng)]
    for i in sorted(range(c["layers"]), key=str):  # 0, 1, 10, 11, ...: the real file's layer order
        more, at = i % 24 in QWEN_MORE_BITS, f"blk.{i}."
        layer = [_vector(at + "attn_norm.weight", ones), _vector(at + "ffn_norm.weight", ones),
                 _matrix(at + "ffn_down.weight", ffn, h, "Q6_K" if more else "Q4_K", rng),
                 _matrix(at + "ffn_gate.weight", h, ffn, "Q5_0", rng),
                 _matrix(at + "ffn_up.weight", h, ffn, "Q5_0", rng),
                 _matrix(at + "attn_q.weight", h, h, "Q5_0", rng), _matrix(at + "attn_k.weight", h, kv, "Q5_0", rng),
                 _matrix(at + "attn_v.weight", h, kv, "Q8_0" if more else "Q5_0", rng),
                 _matrix(at + "attn_output.weight", h, h, "Q5_0", rng), _vector(at + "attn_q.bias", bias(h)),
                 _vector(at + "attn_k.bias", bias(kv)), _vector(at + "attn_v.bias", bias(kv))]
        out += sorted(layer, key=lambda row: QWEN_LAYER_ORDER.index(row[0][len(at):]))
    out.append(_vector("output_norm.weight", ones))
    return out


def shaped_metadata(c):
    arch, (tokens, types) = c["arch"], vocabulary()
    if c["vocab"] < len(tokens):
        raise ValueError(f"vocab {c['vocab']} is smaller than the tiny model's {len(tokens)} tokens")
    # the rest of the ids: unused tokens, as the real Qwen file's "[PAD151665]"... (the chat path can print them)
    tokens += [f"[PAD{i}]" for i in range(len(tokens), c["vocab"])]
    types += [5] * (c["vocab"] - len(types))
    meta = metadata(tokens, types, arch=arch)
    meta.update({"general.name": c["name"], f"{arch}.block_count": ("u32", c["layers"]),
                 f"{arch}.context_length": ("u32", c["context"]), f"{arch}.embedding_length": ("u32", c["hidden"]),
                 f"{arch}.feed_forward_length": ("u32", c["ffn"]), f"{arch}.attention.head_count": ("u32", c["heads"]),
                 f"{arch}.attention.head_count_kv": ("u32", c["kv_heads"]),
                 f"{arch}.rope.dimension_count": ("u32", c["hidden"] // c["heads"]),
                 f"{arch}.rope.freq_base": ("f32", c["rope_base"]),
                 f"{arch}.attention.layer_norm_rms_epsilon": ("f32", c["eps"]),
                 f"{arch}.vocab_size": ("u32", c["vocab"])})
    if "file_type" in c:  # llama.cpp's LLAMA_FTYPE_MOSTLY_Q4_K_M, as the real file says
        meta |= {"general.file_type": ("u32", c["file_type"]), "general.quantization_version": ("u32", 2)}
    return meta


def write_gguf(path, meta, table):
    """GGUF v3 from metadata and rows (name, shape, type, nbytes, maker): the header first, then
    each tensor's bytes as its maker yields them, piece by piece (memory: a few MiB and the pool)."""
    header = struct.pack("<4sIQQ", b"GGUF", 3, len(table), len(meta))
    for key, value in meta.items():
        type_id, data = _value(value)
        header += _string(key) + struct.pack("<I", type_id) + data
    offset = 0
    for name, shape, type_name, nbytes, _ in table:
        header += _string(name) + struct.pack(f"<I{len(shape)}QIQ", len(shape), *shape, TYPE_IDS[type_name], offset)
        offset += nbytes + _pad(nbytes)
    with open(path, "wb") as f:
        f.write(header + bytes(_pad(len(header))))
        for name, _, _, nbytes, make in table:
            written = 0
            for piece in make():
                f.write(piece)
                written += len(piece)
            assert written == nbytes, name
            f.write(bytes(_pad(nbytes)))


def write_shaped_model(path, like="smollm2", **shape):
    """Write the random model to `path`: `like`'s preset, with any of SHAPE_KEYS overridden."""
    c = dict(PRESETS[like])
    c.update({k: v for k, v in shape.items() if v is not None})
    if c["hidden"] % c["heads"] or c["heads"] % c["kv_heads"]:
        raise ValueError(f"hidden {c['hidden']} / heads {c['heads']} / kv heads {c['kv_heads']} don't divide")
    rng = random.Random(0)
    table = (qwen2_tensors if c["arch"] == "qwen2" else smollm2_tensors)(c, rng)
    write_gguf(path, shaped_metadata(c), table)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--like", choices=sorted(PRESETS), default="smollm2",
                        help="whose shapes and types (default smollm2)")
    for key in SHAPE_KEYS:
        parser.add_argument("--" + key.replace("_", "-"), type=int, help="override the preset's " + key)
    args = vars(parser.parse_args(argv))
    start = time.perf_counter()
    path = write_shaped_model(args.pop("out"), **args)
    print(f"wrote {path}: {os.path.getsize(path):,} bytes in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
