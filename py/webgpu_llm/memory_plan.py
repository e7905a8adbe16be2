"""GPU memory a model will need, worked out from the GGUF header before any byte is uploaded
(#14: a model that cannot fit gets a clear message, not a failure half-way through a load).

    plan = plan_memory(gguf, config, max_context)   # sizes only, no device needed
    check_fits(plan, limits)                        # GGUFError naming what does not fit

Sizes follow what weights.py and model.py create: each tensor in its GPU format (dequant.wgsl;
repacked types with their scales buffer), split into parts no bigger than one binding, a K and
a V cache of max_context rows per layer, and the activations of one prefill batch.
"""
from dataclasses import dataclass

from .gguf import GGUFError
from .kv_cache import layer_bytes
from .weights import GPU_FORMATS, REPACKED, SCALE_BYTES_PER_256, expected_shapes

MIB = 1 << 20


@dataclass(frozen=True)
class MemoryPlan:
    weights: int          # bytes of all weight buffers on the GPU
    kv_cache: int         # K and V caches, all layers, at max_context
    activations: int      # x, q, ffn, scores, logits ... for one prefill batch
    largest_row: tuple    # (tensor name, bytes of one row): the smallest part a split can make
    kv_buffer: int        # one layer's K (or V) cache: bound whole, so one binding must hold it
    max_context: int

    @property
    def total(self):
        return self.weights + self.kv_cache + self.activations

    def describe(self, where="on the GPU"):
        return (f"{self.total / MIB:.0f} MiB {where}: weights {self.weights / MIB:.0f} MiB, "
                f"KV cache {self.kv_cache / MIB:.0f} MiB at {self.max_context} tokens, "
                f"activations {self.activations / MIB:.0f} MiB")


def gpu_bytes(type_name, n_elements):
    """Bytes of a tensor in its GPU format (quants plus the scales buffer of repacked types)."""
    _fmt, quant_bytes = GPU_FORMATS[type_name]
    blocks = n_elements // 32
    scales = blocks * SCALE_BYTES_PER_256.get(type_name, 32) // 8 if type_name in REPACKED else 0
    return blocks * quant_bytes + scales


def plan_memory(gguf, config, max_context, batch=64, kv_block=None, kv_f16=False):
    """kv_block: the int8 KV cache's values per scale (kv_cache.py), None for float rows;
    kv_f16: those rows are f16."""
    max_context = min(max_context, config.context)
    weights, largest_row = 0, ("", 0)
    for name in expected_shapes(config):
        info = gguf.tensors[name]
        size = gpu_bytes(info.type_name, info.n_elements)
        weights += size
        row = size // max(1, info.n_elements // info.shape[0])
        largest_row = max(largest_row, (name, row), key=lambda r: r[1])
    kv_buffer = layer_bytes(config, max_context, kv_block, kv_f16)
    q_dim = config.n_heads * config.head_dim
    per_token = 4 * (2 * config.hidden + 2 * q_dim + 2 * config.ffn)
    activations = batch * per_token + 16 * batch * config.n_heads * max_context + 4 * config.vocab
    return MemoryPlan(weights, 2 * config.n_layers * kv_buffer, activations, largest_row, kv_buffer,
                      max_context)


def check_fits(plan, max_buffer_size, max_binding_size, budget=None, device="GPU"):
    """Raise GGUFError naming the first thing that cannot fit: a KV cache or weight row beyond
    one buffer/binding (maxBufferSize, maxStorageBufferBindingSize), or the total beyond `budget`
    (bytes the caller allows, e.g. what the device or the user can spare; None: no total check).
    `device` names where: "GPU", or "CPU" for the wasm kernels' memory."""
    limit = min(max_buffer_size, max_binding_size)
    if plan.kv_buffer > limit:
        tokens = limit // (plan.kv_buffer // plan.max_context)
        raise GGUFError(f"the KV cache of one layer at {plan.max_context} tokens needs "
                        f"{plan.kv_buffer / MIB:.0f} MiB, over this {device}'s {limit / MIB:.0f} MiB buffer "
                        f"limit: use a context of at most {tokens} tokens")
    name, row = plan.largest_row
    if row > limit:
        raise GGUFError(f"one row of tensor {name!r} needs {row / MIB:.0f} MiB, over this {device}'s "
                        f"{limit / MIB:.0f} MiB buffer limit")
    if budget is not None and plan.total > budget:
        where = "in WebAssembly memory" if device == "CPU" else f"on the {device}"
        raise GGUFError(f"the model does not fit: it needs {plan.describe(where)}; "
                        f"{budget / MIB:.0f} MiB are available")
