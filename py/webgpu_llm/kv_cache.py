"""The KV cache's format, owned here: f32 rows on WebGPU, int8 rows on the CPU kernels.

An f32 cache of 2,048 positions is as big as SmolLM2-135M's Q4_1 weights (94 vs 98 MB); in wasm
memory, which never shrinks, that doubled the model's footprint. So the CPU kernels (a device
with `int8_kv_cache`) keep each row as int8 with an f32 scale per block of a head's values
(wasm-kernels/cpu_kv.c; llama.cpp's q8_0 KV cache has 32-value blocks): 1.0625 bytes a value
instead of 4 for SmolLM2's 64-value heads. There the K and V
projections write the step's f32 rows into small staging buffers, rope turns K in place, and
`kv_store` quantizes the rows into the cache at the step's positions; `attention_q8` reads them.
On WebGPU the projections write f32 cache rows directly, as before (no WGSL twin of these ops).

    kv = KvCache(config, max_context, batch, int8_block(device, config), make_buffer)
    k_out, v_out, at_pos = kv.targets(layer)        # where the K/V projections write
    store = await kv.store(builder, layer, step)    # Op: staging rows -> cache (empty for f32)
    attention = await kv.attention(builder, layer, ...)
"""
from .ops import Op

# Values per scale, largest first. Measured on SmolLM2 (head_dim 64), teacher-forced over 3 x 32
# tokens against the float reference: 64 and 32 both agree on 92 of 96 top-1s (flips only at
# margins <= 0.15; the f32 cache: 94, one flip at 0.32), and the logits stay as close to HF's;
# 64 takes 1.3 MB less for 2,048 positions.
BLOCKS = (64, 32)


def int8_block(device, config):
    """Values per scale of an int8 cache on this device for this model, or None: f32 rows.
    cpu_kv.c needs a block that divides HEAD_DIM and is a multiple of 8."""
    if not getattr(device, "int8_kv_cache", False):
        return None
    for block in (*BLOCKS, config.head_dim):
        if config.head_dim % block == 0 and block % 8 == 0:
            return block
    return None


def layer_bytes(config, max_context, block):
    """Bytes of one layer's K (or V) cache: f32 rows, or int8 rows plus an f32 scale a block."""
    values = max_context * config.n_kv_heads * config.head_dim
    return 4 * values if block is None else values + 4 * (values // block)


class KvCache:
    def __init__(self, config, max_context, batch, block, buffer):
        """buffer(size, label) makes a zeroed buffer the model frees with its others."""
        self.config, self.block = config, block
        kv_dim = config.n_kv_heads * config.head_dim
        if block is None:
            self.k = [buffer(4 * max_context * kv_dim, f"k cache {i}") for i in range(config.n_layers)]
            self.v = [buffer(4 * max_context * kv_dim, f"v cache {i}") for i in range(config.n_layers)]
            self.k_new = self.v_new = None
            return

        def int8_rows(label):
            return (buffer(max_context * kv_dim, label + " (int8)"),
                    buffer(4 * max_context * kv_dim // block, label + " scales"))
        self.k = [int8_rows(f"k cache {i}") for i in range(config.n_layers)]
        self.v = [int8_rows(f"v cache {i}") for i in range(config.n_layers)]
        self.k_new = buffer(4 * batch * kv_dim, "k rows of the step (f32)")
        self.v_new = buffer(4 * batch * kv_dim, "v rows of the step (f32)")

    def targets(self, layer):
        """(K buffer, V buffer, at_pos): where layer's K and V projections (and K's rope) write;
        at_pos: at the step's positions of the cache rather than from row 0."""
        if self.block is None:
            return self.k[layer], self.v[layer], True
        return self.k_new, self.v_new, False

    async def store(self, b, layer, step):
        """The Op moving the step's staged K and V rows into layer's int8 cache (V first: it
        needs no barrier after rope). Empty for f32 rows, which the projections wrote in place."""
        if self.block is None:
            return Op([])
        kv_dim = self.config.n_kv_heads * self.config.head_dim
        ops = [await b.simple("kv_store", [step, rows, *cache], lambda n: (n,), KV_DIM=kv_dim, BLOCK=self.block)
               for rows, cache in ((self.v_new, self.v[layer]), (self.k_new, self.k[layer]))]
        return Op.chain(*ops)

    async def attention(self, b, layer, max_context, step, q, out, scores):
        """Causal attention of the step's queries over layer's cache."""
        c = self.config
        if self.block is None:
            return await b.attention(c, max_context, step, q, self.k[layer], self.v[layer], out, scores)
        return await b.simple("attention_q8", [step, q, *self.k[layer], *self.v[layer], out], lambda n: (n,),
                              N_HEADS=c.n_heads, N_KV_HEADS=c.n_kv_heads, HEAD_DIM=c.head_dim, BLOCK=self.block)
