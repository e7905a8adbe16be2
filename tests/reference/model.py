"""A plain numpy llama forward pass over a GGUF file (read with the PyPI `gguf` package, so it
shares no code with the engine). Float32 weights, float64 where it costs nothing; a KV cache so
greedy generation stays cheap. With quantize_activations, the inputs of products with quantized
weights are first rounded to int8 per 32-block (quants.quantize_blocks), as the CPU kernels do;
with kv_block, keys, values and queries too, per kv_block values, as their int8 KV cache does
(webgpu_llm/kv_cache.py); with kv_f16, keys and values are rounded to float16 as the f16 KV cache
of real GPUs holds them (queries, scores and sums stay float)."""
import numpy as np
from gguf import GGUFReader

from .quants import QUANTIZED, dequantize, quantize_blocks


class ReferenceLlama:
    def __init__(self, path, quantize_activations=False, kv_block=None, kv_f16=False):
        self.kv_block, self.kv_f16 = kv_block, kv_f16
        reader = GGUFReader(path)
        meta = {name: field.contents() for name, field in reader.fields.items()
                if not name.startswith("tokenizer.ggml.")}
        arch = meta["general.architecture"]
        self.n_layers = meta[f"{arch}.block_count"]
        self.hidden = meta[f"{arch}.embedding_length"]
        self.n_heads = meta[f"{arch}.attention.head_count"]
        self.n_kv = meta[f"{arch}.attention.head_count_kv"]
        self.head_dim = self.hidden // self.n_heads
        self.theta = float(meta[f"{arch}.rope.freq_base"])
        self.eps = float(meta[f"{arch}.attention.layer_norm_rms_epsilon"])
        self.neox = arch == "qwen2"  # llama.cpp's rope mode for qwen2: pairs (i, i + d/2)
        self.w = {}
        self.quantized = set()  # names of tensors whose products see quantized activations
        for t in reader.tensors:
            shape = [int(d) for d in t.shape]
            self.w[t.name] = dequantize(bytes(t.data), t.tensor_type.name, shape)
            if quantize_activations and t.tensor_type.name in QUANTIZED:
                self.quantized.add(t.name)
        self.output_name = "output.weight" if "output.weight" in self.w else "token_embd.weight"
        self.output = self.w[self.output_name]
        self.freq_factors = self.w.get("rope_freqs.weight", np.ones(self.head_dim // 2)).ravel()
        self.reset()

    def linear(self, x, name):
        """x W^T for the weight `name`."""
        if name in self.quantized:
            x, margin = quantize_blocks(x)
            self.rounding_margin = min(self.rounding_margin, margin)
        return x @ self.w[name].T

    def int8_rows(self, x):
        """x as the int8 KV cache holds it (and queries meet it), or x itself without kv_block."""
        if self.kv_block is None:
            return x
        x, margin = quantize_blocks(x, self.kv_block)
        self.rounding_margin = min(self.rounding_margin, margin)
        return x

    def reset(self):
        self.rounding_margin = 0.5  # of the activation quantization since the reset (see linear)
        self.k_cache = [[] for _ in range(self.n_layers)]
        self.v_cache = [[] for _ in range(self.n_layers)]
        self.pos = 0

    def rms_norm(self, x, weight):
        return (x / np.sqrt(np.mean(x.astype(np.float64) ** 2, -1, keepdims=True) + self.eps)
                ).astype(np.float32) * weight

    def rope(self, x, positions):
        """llama.cpp 'normal' mode: pairs (2i, 2i+1) rotate by pos * theta^(-2i/d) / factor_i;
        'neox' mode (qwen2): pairs (i, i + d/2), same angles."""
        d = self.head_dim
        freqs = self.theta ** (-np.arange(0, d, 2, dtype=np.float64) / d) / self.freq_factors
        angle = positions[:, None, None] * freqs[None, None, :]
        cos, sin = np.cos(angle), np.sin(angle)
        first, second = (slice(0, d // 2), slice(d // 2, d)) if self.neox else (slice(0, d, 2), slice(1, d, 2))
        a, b = x[..., first], x[..., second]
        out = np.empty_like(x)
        out[..., first] = a * cos - b * sin
        out[..., second] = a * sin + b * cos
        return out.astype(np.float32)

    def project(self, layer, part, xn):
        """xn W^T, plus the projection's bias where the model has one (qwen2's q, k, v)."""
        y = self.linear(xn, f"blk.{layer}.{part}.weight")
        bias = self.w.get(f"blk.{layer}.{part}.bias")
        return y if bias is None else y + bias.ravel()

    def attention(self, layer, xn, positions):
        t, hd = len(xn), self.head_dim
        q = self.project(layer, "attn_q", xn).reshape(t, self.n_heads, hd)
        k = self.project(layer, "attn_k", xn).reshape(t, self.n_kv, hd)
        v = self.project(layer, "attn_v", xn).reshape(t, self.n_kv, hd)
        q, k = self.int8_rows(self.rope(q, positions)), self.int8_rows(self.rope(k, positions))
        v = self.int8_rows(v)
        if self.kv_f16:
            k, v = k.astype(np.float16).astype(np.float32), v.astype(np.float16).astype(np.float32)
        self.k_cache[layer].extend(k)
        self.v_cache[layer].extend(v)
        keys, values = np.array(self.k_cache[layer]), np.array(self.v_cache[layer])
        group = self.n_heads // self.n_kv
        out = np.empty((t, self.n_heads, hd), np.float32)
        for h in range(self.n_heads):
            scores = q[:, h] @ keys[:, h // group].T / np.sqrt(hd)
            scores[positions[:, None] < np.arange(len(keys))[None, :]] = -np.inf
            p = np.exp(scores - scores.max(-1, keepdims=True))
            out[:, h] = (p / p.sum(-1, keepdims=True)) @ values[:, h // group]
        return self.linear(out.reshape(t, -1), f"blk.{layer}.attn_output.weight")

    def ffn(self, layer, xn):
        gate = self.linear(xn, f"blk.{layer}.ffn_gate.weight")
        up = self.linear(xn, f"blk.{layer}.ffn_up.weight")
        hidden = gate / (1 + np.exp(-gate.astype(np.float64))) * up
        hidden[np.abs(hidden) < 1e-30] = 0  # subnormals make BLAS crawl; they add nothing here
        return self.linear(hidden.astype(np.float32), f"blk.{layer}.ffn_down.weight")

    def forward(self, tokens):
        """Logits (float32, vocab) after the last of `tokens`, continuing from the cache."""
        positions = np.arange(self.pos, self.pos + len(tokens))
        x = self.w["token_embd.weight"][np.asarray(tokens)]
        for layer in range(self.n_layers):
            x = x + self.attention(layer, self.rms_norm(x, self.w[f"blk.{layer}.attn_norm.weight"]),
                                   positions)
            x = x + self.ffn(layer, self.rms_norm(x, self.w[f"blk.{layer}.ffn_norm.weight"]))
        self.pos += len(tokens)
        return self.linear(self.rms_norm(x[-1:], self.w["output_norm.weight"])[0], self.output_name)

    def greedy(self, prompt, n):
        """n greedy tokens after `prompt`, with each step's top1 - top2 logit margin."""
        self.reset()
        logits = self.forward(prompt)
        tokens, margins = [], []
        for _ in range(n):
            top2 = np.sort(logits)[-2:]
            tokens.append(int(np.argmax(logits)))
            margins.append(float(top2[1] - top2[0]))
            logits = self.forward([tokens[-1]])
        return tokens, margins
