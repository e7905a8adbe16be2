"""A GGUF model's hyper-parameters, from its ``{arch}.*`` metadata keys (gguf.py reads them).

    config = model_config(read_gguf(FileSource(path)))
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any

from .gguf import GGUFError, GGUFFile


@dataclass(frozen=True, slots=True)
class ModelConfig:
    arch: str
    n_layers: int
    hidden: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    ffn: int
    vocab: int
    context: int
    rope_theta: float
    rope_dim: int  # dimensions rotated per head (== head_dim for llama/qwen2)
    rms_eps: float
    tied_embeddings: bool  # no output.weight: the LM head reuses token_embd
    qkv_bias: bool  # attention q/k/v projections carry a bias (qwen2)
    bos_id: int | None
    eos_id: int | None
    rope_neox: bool = False  # rotate pairs (i, i + head_dim/2) (qwen2) instead of (2i, 2i+1) (llama)
    rope_scale: float = 1.0  # linear rope scaling: positions divided by this ({arch}.rope.scaling.*)
    rope_freqs: bool = False  # a rope_freqs.weight tensor divides each pair's frequency (Llama 3.1+)


def model_config(gguf: GGUFFile) -> ModelConfig:
    """Hyper-parameters from ``{arch}.*`` keys (arch = general.architecture)."""
    meta = gguf.metadata
    arch = meta.get("general.architecture")
    if not isinstance(arch, str):
        raise GGUFError("metadata general.architecture is missing")

    def need(key: str, default=None, kind=int):
        value = meta.get(f"{arch}.{key}", default)
        if value is None:
            raise GGUFError(f"metadata '{arch}.{key}' is missing")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 \
                or (kind is int and not isinstance(value, int)):
            raise GGUFError(f"metadata {arch}.{key} = {value!r} is not a positive {kind.__name__}")
        return kind(value)

    hidden, n_heads = need("embedding_length"), need("attention.head_count")
    head_dim = need("attention.key_length", hidden // n_heads)
    return ModelConfig(
        arch=arch,
        n_layers=need("block_count"),
        hidden=hidden,
        n_heads=n_heads,
        n_kv_heads=need("attention.head_count_kv", n_heads),
        head_dim=head_dim,
        ffn=need("feed_forward_length"),
        vocab=_vocab_size(gguf, arch),
        context=need("context_length"),
        rope_theta=need("rope.freq_base", 10000.0, float),
        rope_dim=need("rope.dimension_count", head_dim),
        rms_eps=need("attention.layer_norm_rms_epsilon", kind=float),
        tied_embeddings="output.weight" not in gguf.tensors,
        qkv_bias="blk.0.attn_q.bias" in gguf.tensors,
        bos_id=meta.get("tokenizer.ggml.bos_token_id"),
        eos_id=meta.get("tokenizer.ggml.eos_token_id"),
        rope_neox=arch in NEOX_ROPE_ARCHS,
        rope_scale=_rope_scale(meta, arch),
        rope_freqs="rope_freqs.weight" in gguf.tensors,
    )


# Architectures whose GGUFs keep the Hugging Face Q/K layout, so llama.cpp rotates them in "neox"
# mode (llama GGUFs have Q/K permuted for the "normal" mode at conversion).
NEOX_ROPE_ARCHS = frozenset({"qwen2"})


def _rope_scale(meta: dict[str, Any], arch: str) -> float:
    """Linear rope scaling's factor (1 when none); other scaling kinds are refused by name."""
    kind = meta.get(f"{arch}.rope.scaling.type", "none")
    factor = meta.get(f"{arch}.rope.scaling.factor", 1.0)
    if kind in ("none", "") or factor in (0, 1, 0.0, 1.0):
        return 1.0
    if kind != "linear":
        raise GGUFError(f"unsupported rope scaling {kind!r} ({arch}.rope.scaling.type): "
                        "this engine runs 'linear' scaling and rope_freqs (Llama 3) only")
    if not isinstance(factor, (int, float)) or factor <= 0:
        raise GGUFError(f"metadata {arch}.rope.scaling.factor = {factor!r} is not a positive number")
    return float(factor)


def _vocab_size(gguf: GGUFFile, arch: str) -> int:
    # Not every converter writes {arch}.vocab_size; the token list is nearly always there.
    meta, embd = gguf.metadata, gguf.tensors.get("token_embd.weight")
    if f"{arch}.vocab_size" in meta:
        return meta[f"{arch}.vocab_size"]
    if "tokenizer.ggml.tokens" in meta:
        return len(meta["tokenizer.ggml.tokens"])
    if embd is None:
        raise GGUFError("cannot tell the vocabulary size (no vocab_size, tokens or token_embd)")
    return embd.shape[1]


def rope_factors(gguf, config):
    """#14: rope_freqs.weight (F32, one divisor per rotated pair; Llama 3.1+), or None."""
    if not config.rope_freqs:
        return None
    half = config.head_dim // 2
    return list(struct.unpack(f"<{half}f", gguf.tensor_bytes("rope_freqs.weight")))


def rope_turns(config, factors=None):
    """Each rotated pair's angle per position, in turns (theta_i / 2pi), computed in double
    precision on the CPU; the kernels reduce the angle themselves. #14: Llama 3's rope_freqs
    (rope_factors) divide each pair's frequency, linear scaling every position."""
    half = config.head_dim // 2
    factors = factors or [1.0] * half
    return [config.rope_theta ** (-2 * i / config.head_dim) / (2 * math.pi) / factors[i] / config.rope_scale
            for i in range(half)]
