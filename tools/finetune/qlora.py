"""The model side of the fine-tune (train.py): the pinned GGUF as a transformers Llama, the
quantization-aware LoRA layers that wrap its matrices, and the merged model exactly as merge.py
writes it (numpy merge, Q4_1 re-quantization).

Q and K rows are stored in llama.cpp's order in the GGUF; transformers wants them un-permuted.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from transformers import LlamaConfig, LlamaForCausalLM

from webgpu_llm.byte_sources import FileSource
from webgpu_llm.gguf import read_gguf

from . import quant

TARGETS = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output",
           "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down"}
# The matrices whose rows llama.cpp stores permuted per head (rope pairs), and their heads' count.
PERMUTED = {"q_proj": 9, "k_proj": 3}
DEV = "cuda"


def load_base(path):
    g = read_gguf(FileSource(path))
    m = g.metadata
    cfg = LlamaConfig(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                      num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=8192,
                      rms_norm_eps=1e-5, tie_word_embeddings=True, bos_token_id=1, eos_token_id=2,
                      pad_token_id=2)
    theta = float(m["llama.rope.freq_base"])
    cfg.rope_theta = theta
    if hasattr(cfg, "rope_parameters"):
        cfg.rope_parameters = {"rope_type": "default", "rope_theta": theta}
    w = {}
    for name, t in g.tensors.items():
        rows = t.shape[1] if len(t.shape) > 1 else 1
        w[name] = quant.dequantize(g.tensor_bytes(name), t.type_name, rows, t.shape[0])
    sd = {"model.embed_tokens.weight": w["token_embd.weight"], "model.norm.weight": w["output_norm.weight"][0]}
    for i in range(30):
        p = f"model.layers.{i}."
        sd[p + "input_layernorm.weight"] = w[f"blk.{i}.attn_norm.weight"][0]
        sd[p + "post_attention_layernorm.weight"] = w[f"blk.{i}.ffn_norm.weight"][0]
        for hf, gg in TARGETS.items():
            x = w[f"blk.{i}.{gg}.weight"]
            if hf in PERMUTED:
                x = quant.unpermute_rows(x, PERMUTED[hf])
            sd[p + ("self_attn." if hf[0] in "qkvo" else "mlp.") + hf + ".weight"] = x
    model = LlamaForCausalLM(cfg)
    sd["lm_head.weight"] = sd["model.embed_tokens.weight"]
    missing, unexpected = model.load_state_dict(
        {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()}, strict=False)
    print("missing", missing, "unexpected", unexpected, "rope", getattr(cfg, "rope_parameters", theta), flush=True)
    model.tie_weights()
    return model.to(DEV).eval(), w


def fake_q4_1(w):
    """Q4_1 round trip of (out, in) along blocks of 32 input values, as quant.quantize_q4_1."""
    x = w.reshape(-1, 32)
    lo, hi = x.amin(1, keepdim=True), x.amax(1, keepdim=True)
    d = (hi - lo) / 15
    inv = torch.where(d > 0, 1 / d, torch.zeros_like(d))
    q = torch.clamp(torch.floor((x - lo) * inv + 0.5), max=15)
    return (q * d.half().float() + lo.half().float()).reshape(w.shape)


class QLoRA(torch.nn.Module):
    base_only = False  # True: every QLoRA is its base weight (the teacher of the chat rows)

    def __init__(self, base, rank, scale):
        super().__init__()
        self.register_buffer("w0", base.weight.detach().float().clone())
        out_f, in_f = self.w0.shape
        self.a = torch.nn.Parameter(torch.randn(rank, in_f, device=DEV) / math.sqrt(in_f))
        self.b = torch.nn.Parameter(torch.zeros(out_f, rank, device=DEV))
        self.scale = scale

    def forward(self, x):
        if QLoRA.base_only:
            return F.linear(x, self.w0.to(x.dtype))
        w = self.w0 + self.scale * (self.b @ self.a)
        wq = w + (fake_q4_1(w.detach()) - w).detach()
        return F.linear(x, wq.to(x.dtype))


def wrap(model, rank, scale):
    mods = {}
    for i, layer in enumerate(model.model.layers):
        for hf in TARGETS:
            parent = layer.self_attn if hf[0] in "qkvo" else layer.mlp
            mods[(i, hf)] = QLoRA(getattr(parent, hf), rank, scale)
            setattr(parent, hf, mods[(i, hf)])
    return mods


def requantized_copy(model, mods, w, scale):
    """The merged model exactly as merge.py writes it: numpy merge, Q4_1 re-quantization, dequant."""
    state = {}
    for (i, hf), m in mods.items():
        gg = f"blk.{i}.{TARGETS[hf]}.weight"
        a = m.a.detach().half().float().cpu().numpy()
        b = m.b.detach().half().float().cpu().numpy()
        if hf in PERMUTED:
            b = quant.permute_rows(b, PERMUTED[hf])
        wm = quant.merged(w[gg], a, b, scale)
        rows, cols = wm.shape
        wq = quant.dequantize(quant.quantize_q4_1(wm), "Q4_1", rows, cols)
        if hf in PERMUTED:
            wq = quant.unpermute_rows(wq, PERMUTED[hf])
        state[(i, hf)] = torch.from_numpy(np.ascontiguousarray(wq)).to(DEV)
    return state


def set_plain(model, mods, weights):
    """Swap every QLoRA for a plain linear with the given (or base) weights."""
    for (i, hf), m in mods.items():
        layer = model.model.layers[i]
        parent = layer.self_attn if hf[0] in "qkvo" else layer.mlp
        lin = torch.nn.Linear(m.w0.shape[1], m.w0.shape[0], bias=False, device=DEV)
        lin.weight.data = weights[(i, hf)] if weights is not None else m.w0.clone()
        setattr(parent, hf, lin)
