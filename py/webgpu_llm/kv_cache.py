"""The KV cache's format, owned here: f32 rows on WebGPU (f16 on real GPUs with shader-f16), int8
rows on the CPU kernels.

An f32 cache of 2,048 positions is as big as SmolLM2-135M's Q4_1 weights (94 vs 98 MB); in wasm
memory, which never shrinks, that doubled the model's footprint. So the CPU kernels (a device
with `int8_kv_cache`) keep each row as int8 with an f32 scale per block of a head's values
(wasm-kernels/cpu_kv.c; llama.cpp's q8_0 KV cache has 32-value blocks): 1.0625 bytes a value
instead of 4 for SmolLM2's 64-value heads. There the K and V
projections write the step's f32 rows into small staging buffers, rope turns K in place, and
`kv_store` quantizes the rows into the cache at the step's positions; `attention_q8` reads them.
On WebGPU the projections write f32 cache rows directly (no WGSL twin of these ops), except on
real GPUs with `shader-f16`: there the rows are f16 (half the memory and the attention's reads;
scores and sums stay f32). The fused decode kernels write and read f16 rows themselves; prefill
stages f32 rows like the int8 cache and `kv_store_f16.wgsl` converts them into the cache.

    kv = KvCache(config, max_context, batch, int8_block(device, config), make_buffer, f16)
    k_out, v_out, at_pos = kv.targets(layer)        # where the K/V projections write
    store = await kv.store(builder, layer, step)    # Op: staging rows -> cache (empty for f32)
    attention = await kv.attention(builder, layer, ...)
"""
from .ops import Op, ceil_div
from .weights import grid

# Values per scale, largest first. Measured on SmolLM2 (head_dim 64), teacher-forced over 3 x 32
# tokens against the float reference: 64 and 32 both agree on 92 of 96 top-1s (flips only at
# margins <= 0.15; the f32 cache: 94, one flip at 0.32), and the logits stay as close to HF's;
# 64 takes 1.3 MB less for 2,048 positions.
BLOCKS = (64, 32)
KV_CACHE_CHOICES = ("auto", "f32", "f16")


def f16_rows(device, cpu_kernels, wanted="auto"):
    """Whether the KV cache holds f16 rows. auto: on the real-GPU kernel set when the adapter has
    shader-f16 (the CPU set's kernels read f32 or int8 rows only); f16 / f32: as asked."""
    if wanted not in KV_CACHE_CHOICES:
        raise ValueError(f"kv_cache must be one of {', '.join(KV_CACHE_CHOICES)}, not {wanted!r}")
    possible = not cpu_kernels and getattr(device, "has_f16", False)
    if wanted == "f16" and not possible:
        raise ValueError("an f16 KV cache needs the real-GPU kernel set on an adapter with shader-f16")
    return possible and wanted != "f32"


def int8_block(device, config):
    """Values per scale of an int8 cache on this device for this model, or None: f32 rows.
    cpu_kv.c needs a block that divides HEAD_DIM and is a multiple of 8."""
    if not getattr(device, "int8_kv_cache", False):
        return None
    for block in (*BLOCKS, config.head_dim):
        if config.head_dim % block == 0 and block % 8 == 0:
            return block
    return None


def layer_bytes(config, max_context, block, f16=False):
    """Bytes of one layer's K (or V) cache: f32 (or f16) rows, or int8 rows plus an f32 scale a block."""
    values = max_context * config.n_kv_heads * config.head_dim
    if block is None:
        return (2 if f16 else 4) * values
    return values + 4 * (values // block)


class KvCache:
    def __init__(self, config, max_context, batch, block, buffer, f16=False):
        """buffer(size, label) makes a zeroed buffer the model frees with its others. block: the
        int8 rows' values per scale (None: float rows); f16: float rows are f16."""
        self.config, self.block, self.f16 = config, block, f16 and block is None
        kv_dim = config.n_kv_heads * config.head_dim

        def cache(label):
            if block is None:
                return buffer(layer_bytes(config, max_context, None, self.f16), label)
            return (buffer(max_context * kv_dim, label + " (int8)"),
                    buffer(4 * max_context * kv_dim // block, label + " scales"))
        self.k = [cache(f"k cache {i}") for i in range(config.n_layers)]
        self.v = [cache(f"v cache {i}") for i in range(config.n_layers)]
        self.k_new = self.v_new = None
        if block is not None or self.f16:  # the projections write the step's f32 rows; store() converts
            self.k_new = buffer(4 * batch * kv_dim, "k rows of the step (f32)")
            self.v_new = buffer(4 * batch * kv_dim, "v rows of the step (f32)")

    @property
    def rows(self):
        """What a row holds, as Model.load's kv_cache and the tools' --kv-cache name it."""
        return "f16" if self.f16 else "f32" if self.block is None else "int8"

    def targets(self, layer):
        """(K buffer, V buffer, at_pos): where layer's K and V projections (and K's rope) write;
        at_pos: at the step's positions of the cache rather than from row 0."""
        if self.k_new is None:
            return self.k[layer], self.v[layer], True
        return self.k_new, self.v_new, False

    async def store(self, b, layer, step):
        """The Op moving the step's staged K and V rows into layer's int8 cache (V first: it
        needs no barrier after rope) or f16 cache (one dispatch, after rope). Empty for f32 rows,
        which the projections wrote in place."""
        kv_dim = self.config.n_kv_heads * self.config.head_dim
        if self.f16:
            return await b.simple("kv_store_f16", [step, self.k_new, self.v_new, self.k[layer], self.v[layer]],
                                  lambda n: grid(ceil_div(n * kv_dim // 4, 64)), KV_DIM=kv_dim, KV_F16=True)
        if self.block is None:
            return Op([])
        ops = [await b.simple("kv_store", [step, rows, *cache], lambda n: (n,), KV_DIM=kv_dim, BLOCK=self.block)
               for rows, cache in ((self.v_new, self.v[layer]), (self.k_new, self.k[layer]))]
        return Op.chain(*ops)

    async def attention(self, b, layer, max_context, step, q, out, scores):
        """Causal attention of the step's queries over layer's cache."""
        c = self.config
        if self.block is None:
            return await b.attention(c, max_context, step, q, self.k[layer], self.v[layer], out, scores,
                                     kv_f16=self.f16)
        return await b.simple("attention_q8", [step, q, *self.k[layer], *self.v[layer], out], lambda n: (n,),
                              N_HEADS=c.n_heads, N_KV_HEADS=c.n_kv_heads, HEAD_DIM=c.head_dim, BLOCK=self.block)
