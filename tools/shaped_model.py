"""Write a random-weight GGUF with a real model's shapes (default: SmolLM2-135M's), in seconds:
quant blocks are random bytes under one fixed scale, so no Python loops over values. For speed
measurements, where weight values don't matter (on the lent GPU machine the real 98 MB file is
too big to carry in one call). Not a usable language model: tools/tiny_model.py writes that.

    python3 -m tools.shaped_model OUT.gguf [--layers 30 --hidden 576 --heads 9 --kv-heads 3 --ffn 1536 --vocab 49152]
"""
import argparse
import os
import struct

from tools.tiny_model import gguf_bytes, metadata, vocabulary

SMOLLM2 = {"layers": 30, "hidden": 576, "heads": 9, "kv_heads": 3, "ffn": 1536, "vocab": 49152}
Q4_1, Q8_0 = 3, 8


def blocks(rows, cols, type_id):
    """rows x cols weights as ggml blocks: random quants, small fixed scales (stable activations)."""
    n = rows * cols // 32
    if type_id == Q4_1:  # f16 d, f16 m, 16 bytes of nibbles: values in [-0.016, 0.014]
        data = bytearray(os.urandom(20 * n))
        for i, byte in enumerate(struct.pack("<ee", 0.002, -0.016)):
            data[i::20] = bytes([byte]) * n
    else:                # f16 d, 32 int8: values in [-1.28, 1.27]
        data = bytearray(os.urandom(34 * n))
        for i, byte in enumerate(struct.pack("<e", 0.01)):
            data[i::34] = bytes([byte]) * n
    return bytes(data)


def tensors(c):
    h, head_dim = c["hidden"], c["hidden"] // c["heads"]
    kv, ones = c["kv_heads"] * head_dim, [1.0] * c["hidden"]
    out = [("token_embd.weight", (h, c["vocab"]), Q8_0, blocks(c["vocab"], h, Q8_0))]
    for i in range(c["layers"]):
        for part, (cols, rows) in {"attn_q": (h, h), "attn_k": (h, kv), "attn_v": (h, kv), "attn_output": (h, h),
                                   "ffn_gate": (h, c["ffn"]), "ffn_up": (h, c["ffn"]),
                                   "ffn_down": (c["ffn"], h)}.items():
            out.append((f"blk.{i}.{part}.weight", (cols, rows), Q4_1, blocks(rows, cols, Q4_1)))
        out += [(f"blk.{i}.attn_norm.weight", (h,), "F32", ones), (f"blk.{i}.ffn_norm.weight", (h,), "F32", ones)]
    out.append(("output_norm.weight", (h,), "F32", ones))
    return out


def write_shaped_model(path, **shape):
    c = {**SMOLLM2, **shape}
    meta = metadata(*vocabulary())
    meta.update({"general.name": "random weights, real shapes",
                 "llama.block_count": ("u32", c["layers"]), "llama.embedding_length": ("u32", c["hidden"]),
                 "llama.feed_forward_length": ("u32", c["ffn"]), "llama.attention.head_count": ("u32", c["heads"]),
                 "llama.attention.head_count_kv": ("u32", c["kv_heads"]), "llama.context_length": ("u32", 8192),
                 "llama.rope.dimension_count": ("u32", c["hidden"] // c["heads"]),
                 "llama.rope.freq_base": ("f32", 100000.0), "llama.vocab_size": ("u32", c["vocab"])})
    with open(path, "wb") as f:
        f.write(gguf_bytes(meta, tensors(c)))
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    for key, value in SMOLLM2.items():
        parser.add_argument("--" + key.replace("_", "-"), type=int, default=value)
    args = vars(parser.parse_args(argv))
    write_shaped_model(args.pop("out"), **args)


if __name__ == "__main__":
    main()
