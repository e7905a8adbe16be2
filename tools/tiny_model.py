"""Write a tiny random-weight llama GGUF (stdlib only): the real model's architecture, tensor types
and tokenizer kind at a size that loads in milliseconds, for tests and the browser test site.

    python3 -m tools.tiny_model OUT.gguf [--seed N] [--matrix-type Q4_1] [--arch qwen2]

2 layers, hidden 64, 4 heads over 2 KV heads (head_dim 16), FFN 128, a byte-level BPE vocabulary
of 3 specials + 256 bytes + a few merges (300 tokens), ChatML template; token_embd Q8_0 (tied),
matrices Q4_1 (or --matrix-type), norms F32 - like SmolLM2-135M-Instruct.Q4_1.gguf.
--arch qwen2 adds q/k/v biases, an untied output.weight and qwen2's pre-tokenizer (neox rope).
Q5_0/Q5_1/Q4_K/Q5_K/Q6_K matrices are random blocks (random quants, scales set so values have
the intended spread), not quantized floats; with K-quants hidden is 256 and FFN 512 (rows of
whole 256-element super-blocks), and the untied head is Q6_K as in llama.cpp's mixes.
"""
import argparse
import random
import struct

ALIGNMENT = 32
TYPE_IDS = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q5_0": 6, "Q5_1": 7, "Q8_0": 8,
            "Q4_K": 12, "Q5_K": 13, "Q6_K": 14}
CONFIG = {"n_layers": 2, "hidden": 64, "n_heads": 4, "n_kv_heads": 2, "ffn": 128, "context": 2048}
K_CONFIG = dict(CONFIG, hidden=256, ffn=512)  # K-quant rows are whole 256-element super-blocks
# random-block types: (elements per block, bytes per block)
RANDOM_BLOCKS = {"Q5_0": (32, 22), "Q5_1": (32, 24), "Q4_K": (256, 144), "Q5_K": (256, 176),
                 "Q6_K": (256, 210)}
# "mix": every new type in one model, one per role, like llama.cpp's K-quant mixes (a test then
# builds each type's kernels once, in one model: pipelines, not weights, cost test time)
MIX = {"attn_q": "Q5_0", "attn_k": "Q5_1", "attn_v": "Q6_K", "attn_output": "Q4_K", "ffn_gate": "Q5_K",
       "ffn_up": "Q4_K", "ffn_down": "Q6_K"}
MATRIX_TYPES = ["Q4_1", "Q4_0", "Q8_0", "F16", "F32", *RANDOM_BLOCKS, "mix"]
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
MERGES = [  # each pair's halves exist before it; their concatenation becomes a token
    "Ġ t", "h e", "Ġt he", "i n", "e r", "o n", "a n", "r e", "Ġ a", "Ġ o", "Ġ s", "Ġ w", "e n",
    "a t", "o r", "i s", "Ġ b", "Ġ c", "Ġ d", "Ġ m", "Ġ p", "l l", "a l", "o u", "i t", "e s",
    "in g", "Ġt o", "Ġ f", "Ġ h", "e d", "Ġ i", "Ġ l", "Ġ n", "a r", "i c", "l e", "Ġa n", "Ġ y",
    "Ġ I", "Ġ T"]
CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
    "<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
    "{% endif %}")


def byte_symbols():
    """GPT-2's byte -> printable character table (bytes.decode can't show raw control bytes)."""
    printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]


def vocabulary():
    tokens = SPECIALS + byte_symbols()
    types = [3] * len(SPECIALS) + [1] * 256  # 3 = control, 1 = normal
    for merge in MERGES:
        left, right = merge.split(" ")
        assert left in tokens and right in tokens, merge
        tokens.append(left + right)
        types.append(1)
    return tokens, types


# ---------------------------------------------------------------- quantization (per 32 values)

def _f16(x):
    return struct.pack("<e", x)


def quantize_q8_0(block):
    d = max(abs(v) for v in block) / 127
    q = [round(v / d) if d else 0 for v in block]
    return _f16(d) + struct.pack("<32b", *q)


def quantize_q4_1(block):
    low, high = min(block), max(block)
    d = (high - low) / 15
    q = [min(15, max(0, round((v - low) / d))) if d else 0 for v in block]
    return _f16(d) + _f16(low) + bytes(q[j] | q[j + 16] << 4 for j in range(16))


def quantize_q4_0(block):
    extreme = max(block, key=abs)
    d = extreme / -8
    q = [min(15, max(0, round(v / d + 8))) if d else 8 for v in block]
    return _f16(d) + bytes(q[j] | q[j + 16] << 4 for j in range(16))


def _k_scales(k):
    """ggml's 12 packed bytes for 8 sub-blocks whose 6-bit scales and mins all equal k."""
    low = (k & 63) | (k >> 4) << 6
    return bytes([low] * 8 + [(k & 15) | (k & 15) << 4] * 4)


def random_block(rng, type_name, std):
    """One block of random quants whose values spread about `std` around ~0: d*(q - mid)."""
    size = RANDOM_BLOCKS[type_name][1]
    block = bytearray(rng.randbytes(size))
    k = rng.randint(16, 63)
    if type_name in ("Q5_0", "Q5_1"):  # q 0..31, centred by Q5_0's -16 (Q5_1: m = -16d)
        d = std / 9.2
        block[0:2] = _f16(d)
        if type_name == "Q5_1":
            block[2:4] = _f16(-16 * d)
    elif type_name in ("Q4_K", "Q5_K"):  # d*k*q - dmin*k, dmin = d * mid
        mid, spread = (7.5, 4.6) if type_name == "Q4_K" else (15.5, 9.2)
        d = std / (spread * k)
        block[0:16] = _f16(d) + _f16(d * mid) + _k_scales(k)
    else:  # Q6_K: d * int8 scale * (q - 32), q 0..63
        d = std / (18.5 * k)
        block[192:210] = bytes([k] * 16) + _f16(d)
    return bytes(block)


def encode(values, type_name):
    if isinstance(values, bytes):  # already encoded (tests write odd types this way)
        return values
    if type_name == "F32":
        return struct.pack(f"<{len(values)}f", *values)
    if type_name == "F16":
        return struct.pack(f"<{len(values)}e", *values)
    if type_name in RANDOM_BLOCKS:  # values = (rng, count, std): random blocks, not quantized floats
        rng, count, std = values
        return b"".join(random_block(rng, type_name, std) for _ in range(count // RANDOM_BLOCKS[type_name][0]))
    quantize = {"Q8_0": quantize_q8_0, "Q4_1": quantize_q4_1, "Q4_0": quantize_q4_0}[type_name]
    return b"".join(quantize(values[i:i + 32]) for i in range(0, len(values), 32))


# ---------------------------------------------------------------- the model

def config_for(matrix_type):
    return K_CONFIG if matrix_type.endswith("_K") or matrix_type == "mix" else CONFIG


def tensors(rng, vocab, matrix_type, arch="llama"):
    """(name, ggml shape, type, values) for every tensor, in llama.cpp's naming."""
    c = config_for(matrix_type)
    h, head_dim = c["hidden"], c["hidden"] // c["n_heads"]
    kv = c["n_kv_heads"] * head_dim

    def normal(n, std):
        return [rng.gauss(0.0, std) for _ in range(n)]

    def matrix(cols, rows, gain=1.0, type_name=matrix_type, role=None):
        type_name = MIX.get(role, "Q6_K") if type_name == "mix" else type_name
        if type_name in RANDOM_BLOCKS:
            return (cols, rows), type_name, (rng, cols * rows, gain / cols ** 0.5)
        return (cols, rows), type_name, normal(cols * rows, gain / cols ** 0.5)

    out = [("token_embd.weight", (h, vocab), "Q8_0", normal(h * vocab, 1.0))]
    for i in range(c["n_layers"]):
        layer = {"attn_norm": ((h,), "F32", normal(h, 0.1)),
                 "attn_q": matrix(h, h, role="attn_q"), "attn_k": matrix(h, kv, role="attn_k"),
                 "attn_v": matrix(h, kv, role="attn_v"),
                 # Strong residual writes: with weak ones the tied embedding makes every token
                 # predict itself, and the tiny model would answer "\n\n\n..." forever.
                 "attn_output": matrix(h, h, 6.0, role="attn_output"), "ffn_norm": ((h,), "F32", normal(h, 0.1)),
                 "ffn_gate": matrix(h, c["ffn"], role="ffn_gate"), "ffn_up": matrix(h, c["ffn"], role="ffn_up"),
                 "ffn_down": matrix(c["ffn"], h, 6.0, role="ffn_down")}
        if arch == "qwen2":  # projection biases (F32), as Qwen2 has
            layer |= {"attn_q.bias": ((h,), "F32", normal(h, 0.5)), "attn_k.bias": ((kv,), "F32", normal(kv, 0.5)),
                      "attn_v.bias": ((kv,), "F32", normal(kv, 0.5))}
        for part, (shape, type_name, values) in layer.items():
            if part.endswith("norm"):
                values = [1.0 + v for v in values]  # norm weights near 1, as trained ones are
            out.append((f"blk.{i}.{part}" + ("" if part.endswith(".bias") else ".weight"), shape, type_name, values))
    out.append(("output_norm.weight", (h,), "F32", [1.0 + v for v in normal(h, 0.1)]))
    if arch == "qwen2":  # untied head
        head_type = "Q6_K" if config_for(matrix_type) is K_CONFIG else "Q8_0"
        out.append(("output.weight",) + matrix(h, vocab, 4.0, head_type))
    return out


def metadata(vocab_tokens, token_types, arch="llama", matrix_type="Q4_1"):
    c = config_for(matrix_type)
    meta = {
        "general.architecture": "llama",
        "general.name": "tiny-random-llama",
        "llama.block_count": ("u32", c["n_layers"]),
        "llama.context_length": ("u32", c["context"]),
        "llama.embedding_length": ("u32", c["hidden"]),
        "llama.feed_forward_length": ("u32", c["ffn"]),
        "llama.attention.head_count": ("u32", c["n_heads"]),
        "llama.attention.head_count_kv": ("u32", c["n_kv_heads"]),
        "llama.rope.freq_base": ("f32", 10000.0),
        "llama.attention.layer_norm_rms_epsilon": ("f32", 1e-5),
        "llama.rope.dimension_count": ("u32", c["hidden"] // c["n_heads"]),
        "llama.vocab_size": ("u32", len(vocab_tokens)),
        "tokenizer.ggml.model": "gpt2",
        "tokenizer.ggml.pre": "smollm",
        "tokenizer.ggml.tokens": vocab_tokens,
        "tokenizer.ggml.token_type": ("i32[]", token_types),
        "tokenizer.ggml.merges": MERGES,
        "tokenizer.ggml.bos_token_id": ("u32", 1),
        "tokenizer.ggml.eos_token_id": ("u32", 2),
        "tokenizer.ggml.unknown_token_id": ("u32", 0),
        "tokenizer.ggml.padding_token_id": ("u32", 2),
        "tokenizer.ggml.add_bos_token": False,
        "tokenizer.ggml.add_space_prefix": False,
        "tokenizer.chat_template": CHAT_TEMPLATE,
    }
    if arch != "llama":  # the same hyper-parameters under the arch's own prefix
        meta = {(arch + k[5:] if k.startswith("llama.") else k): v for k, v in meta.items()}
        meta |= {"general.architecture": arch, "general.name": f"tiny-random-{arch}", "tokenizer.ggml.pre": arch}
    return meta


# ---------------------------------------------------------------- GGUF v3 encoding

def _string(s):
    data = s.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _value(value):
    """(type id, encoded bytes) of a metadata value: str, bool, list of str, or (kind, value)."""
    if isinstance(value, bool):
        return 7, struct.pack("<B", value)
    if isinstance(value, str):
        return 8, _string(value)
    if isinstance(value, list):
        return 9, struct.pack("<IQ", 8, len(value)) + b"".join(_string(s) for s in value)
    kind, v = value
    if kind == "i32[]":
        return 9, struct.pack(f"<IQ{len(v)}i", 5, len(v), *v)
    if kind == "u32":
        return 4, struct.pack("<I", v)
    return 6, struct.pack("<f", v)


def _pad(n):
    return -n % ALIGNMENT


def gguf_bytes(meta, tensor_list):
    header = struct.pack("<4sIQQ", b"GGUF", 3, len(tensor_list), len(meta))
    for key, value in meta.items():
        type_id, data = _value(value)
        header += _string(key) + struct.pack("<I", type_id) + data
    blobs, offset = [], 0
    for name, shape, type_name, values in tensor_list:
        blob = encode(values, type_name)
        type_id = TYPE_IDS.get(type_name, type_name)  # a name we encode, or a raw ggml type id
        header += _string(name) + struct.pack(f"<I{len(shape)}QIQ", len(shape), *shape, type_id, offset)
        blobs.append(blob + bytes(_pad(len(blob))))
        offset += len(blobs[-1])
    return header + bytes(_pad(len(header))) + b"".join(blobs)


def write_tiny_model(path, seed=0, matrix_type="Q4_1", arch="llama"):
    """Write the tiny model to `path`; the same seed gives the same bytes."""
    rng = random.Random(seed)
    vocab_tokens, token_types = vocabulary()
    data = gguf_bytes(metadata(vocab_tokens, token_types, arch, matrix_type),
                      tensors(rng, len(vocab_tokens), matrix_type, arch))
    with open(path, "wb") as f:
        f.write(data)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--matrix-type", default="Q4_1", choices=MATRIX_TYPES)
    parser.add_argument("--arch", default="llama", choices=["llama", "qwen2"])
    args = parser.parse_args(argv)
    write_tiny_model(args.out, args.seed, args.matrix_type, args.arch)


if __name__ == "__main__":
    main()
