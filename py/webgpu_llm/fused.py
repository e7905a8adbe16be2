"""The real-GPU kernel set's decode step: four dispatches a layer instead of thirteen.

A real GPU runs a small model's decode step as a chain of tiny dispatches, each too small to fill
it, with a barrier between each pair, and inside each a chain of memory latencies: fewer, wider
kernels in which every invocation fetches its weight blocks first thing are what make it fast.
Per layer:

    qkv_attention   k/v workgroups: rmsnorm + k/v rows of one fused weight buffer + rope + K/V
                    cache write; N_HEADS x SPLITS attention workgroups, each rmsnorm + its head's
                    q rows + rope, then split-K attention over a chunk of the keys already cached
    out_proj        merges the splits and the new key's own term while loading its input,
                    x += W_o attn
    ffn             rmsnorm + gate/up rows + swiglu -> h
    ffn_down        x += W_down h

No workgroup waits for another within a dispatch: the attention splits compute q themselves
(64 rows of W_q for a 64-wide head: five blocks an invocation, fetched together before the norm)
and leave the new key, which the k/v workgroups are still computing, to out_proj.
Matrix rows are otherwise spread one 32-value block per invocation (K / 32 invocations a row),
so a workgroup takes 256 / (K / 32) rows and a matrix gets many workgroups (coop_dot.wgsl). Every
workgroup of qkv_attention and ffn normalises x itself. Everything lives in one activation buffer
(`act`), at the offsets of `Layout`: a fused kernel needs at most 8 storage bindings, the spec's
minimum. Prefill keeps the one-op-per-kernel path (batched matrix products), over the same weights.
"""
from dataclasses import dataclass

from .ops import Op, ceil_div
from .weights import FUSED_GROUPS, can_fuse, grid, rows_per_part, tensor_rows

WG = 256              # invocations per workgroup of the matrix kernels (coop.wgsl)
MAX_CHUNK = 512       # qkv_attention.wgsl: keys per split at most
MIN_CHUNK = 64        # qkv_attention.wgsl: keys per split at least (fewer splits compute q early on)
MIN_SPLITS = 16
MAX_HEAD_DIM = 256    # qkv_attention.wgsl: a q row at least one invocation
MAX_VECTOR = 2048     # coop.wgsl: xs holds at most 2048 floats


def rows_per_workgroup(k, multiple=1):
    """Rows of a K-column matrix one workgroup takes (coop_dot.wgsl: one block per invocation),
    rounded down to a multiple (4: rope pairs never straddle two workgroups, rows go as vec4s)."""
    rows = WG // (k // 32)
    return rows - rows % multiple


def splits_for(max_context):
    """Key chunks of qkv_attention (a multiple of 4: out_proj merges four at a time)."""
    return ceil_div(max(MIN_SPLITS, ceil_div(max_context, MAX_CHUNK)), 4) * 4


FUSED_TYPES = {"F32", "F16", "Q4_0", "Q4_1", "Q8_0"}  # 32-value blocks that coop_dot's block_dot8 reads


def _plain_llama(config, tensors, max_part_bytes):
    """llama's plain attention (no q/k/v biases; rope on (2i, 2i+1) pairs, unscaled) and each fused
    group (q/k/v, gate/up/down) in one format of FUSED_TYPES and one buffer part. tensors: name ->
    the file's TensorInfo (decided before the upload, which puts fused groups in place)."""
    if config.qkv_bias or any(name.endswith(".bias") for name in tensors):
        return False
    # Rope variants other engines' models bring (read with defaults: older configs lack them).
    if getattr(config, "rope_neox", False) or getattr(config, "rope_freqs", False) \
            or getattr(config, "rope_scale", 1.0) != 1.0:
        return False
    if any(t.type_name not in FUSED_TYPES for name, t in tensors.items() if name.startswith("blk.")):
        return False
    for i in range(config.n_layers):
        w = lambda part: tensors[f"blk.{i}.{part}.weight"]  # noqa: E731
        out = w("attn_output")
        if not (all(can_fuse([w(part) for part in group], max_part_bytes) for group in FUSED_GROUPS.values())
                and rows_per_part(out, max_part_bytes) >= tensor_rows(out)):
            return False
    return True


def fusable(config, tensors, max_part_bytes):
    """Whether this model fits the fused kernels (else the GPU runs one op per kernel): llama's
    plain attention (no q/k/v biases; rope on (2i, 2i+1) pairs, unscaled), vectors (the ffn's
    too) of at most 2,048, each fused group in one format of FUSED_TYPES and one buffer part."""
    if max(config.hidden, config.n_heads * config.head_dim, config.ffn) > MAX_VECTOR:
        return False
    if config.head_dim > MAX_HEAD_DIM or config.head_dim % 4 or config.n_heads % config.n_kv_heads:
        return False
    return _plain_llama(config, tensors, max_part_bytes)


CPU_MAX_HEAD_DIM = 64   # qkv_attention_cpu.wgsl: a head in 16 private vec4s
CPU_MAX_ROWS = 512      # qkv_attention_cpu.wgsl: (group + 2) * head_dim rows in workgroup memory
CPU_BINDINGS = 9        # qkv_attention_cpu.wgsl's storage buffers


def cpu_fusable(config, tensors, max_part_bytes, device):
    """Whether the CPU-adapter set on WebGPU decodes with its fused kernels (CpuFusedDecode)."""
    group = config.n_heads // config.n_kv_heads
    limits = getattr(device, "limits", None) or {}
    return (limits.get("maxStorageBuffersPerShaderStage", 8) >= CPU_BINDINGS and config.hidden % 32 == 0
            and config.hidden <= MAX_VECTOR
            and config.head_dim <= CPU_MAX_HEAD_DIM and config.head_dim % 4 == 0 and group <= 16
            and (group + 2) * config.head_dim <= CPU_MAX_ROWS and _plain_llama(config, tensors, max_part_bytes))


@dataclass
class Layout:
    """Offsets (in floats) of the decode activations in `act`."""
    x: int            # the residual stream
    q: int
    ap_m: int         # attention splits: max score, exp-sum, weighted values
    ap_l: int
    ap_acc: int
    h: int            # the ffn's silu(gate) * up
    size: int

    @classmethod
    def of(cls, config, splits):
        q_dim = config.n_heads * config.head_dim
        slots = ceil_div(config.n_heads * splits, 4) * 4
        at = [0]
        for size in (config.hidden, q_dim, slots, slots, slots * config.head_dim, config.ffn):
            at.append(at[-1] + ceil_div(size, 4) * 4)
        return cls(*at)


class FusedDecode:
    """Builds the fused decode dispatches of each layer over the Model's buffers (fusing its weights)."""

    def __init__(self, builder, model):
        self.b, self.m = builder, model
        c = model.config
        self.splits = splits_for(model.max_context)
        self.layout = Layout.of(c, self.splits)
        # Uploaded in place (weights.Uploader.fuse): each layer's q/k/v rows, and its ffn's.
        self.fused = [(model.fused_rows[f"blk.{i}.qkv"], model.fused_rows[f"blk.{i}.ffn"]) for i in range(c.n_layers)]

    async def _dispatch(self, name, buffers, groups, **constants):
        kernel = await self.b.kernel(name, **constants)
        return (kernel, self.m.device.bind(kernel, buffers), lambda n: groups)

    async def qkv_attention(self, i, norm):
        c, m, lay = self.m.config, self.m, self.layout
        fused = self.fused[i][0]
        rows = rows_per_workgroup(c.hidden, multiple=4)
        kv_wgs = ceil_div(2 * c.n_kv_heads * c.head_dim, rows)
        return await self._dispatch(
            "qkv_attention", [m.step, fused.quants, fused.scales, m.act, norm, m.k_cache[i], m.v_cache[i], m.turns],
            (kv_wgs + c.n_heads * self.splits,), FMT=fused.fmt, K=c.hidden, EPS=c.rms_eps, X=lay.x, Q_AT=lay.q,
            N_HEADS=c.n_heads, N_KV_HEADS=c.n_kv_heads, HEAD_DIM=c.head_dim, K_BLK0=fused.blocks[1],
            V_BLK0=fused.blocks[2], KV_WGS=kv_wgs, ROWS_KV=rows, SPLITS=self.splits, MIN_CHUNK=MIN_CHUNK,
            AP_M=lay.ap_m, AP_L=lay.ap_l, AP_ACC=lay.ap_acc, KV_F16=m.kv.f16)

    async def out(self, i):
        c, m, lay = self.m.config, self.m, self.layout
        part = m.weights[f"blk.{i}.attn_output.weight"]
        k = c.n_heads * c.head_dim
        rows = rows_per_workgroup(k)
        return await self._dispatch(
            "out_proj", [part.parts[0].quants, part.parts[0].scales, m.act, m.step, m.k_cache[i], m.v_cache[i]],
            (ceil_div(c.hidden, rows),), FMT=part.fmt, K=k, N=c.hidden, HEAD_DIM=c.head_dim,
            N_KV_HEADS=c.n_kv_heads, Q_AT=lay.q, SPLITS=self.splits, AP_M=lay.ap_m, AP_L=lay.ap_l,
            AP_ACC=lay.ap_acc, X=lay.x, ROWS_WG=rows, KV_F16=m.kv.f16)

    async def ffn(self, i, norm):
        """The two dispatches of the feed-forward block: ffn (h) and ffn_down (x += W_down h)."""
        c, m, lay = self.m.config, self.m, self.layout
        fused = self.fused[i][1]
        units = rows_per_workgroup(c.hidden) // 2
        rows = rows_per_workgroup(c.ffn)
        return [await self._dispatch(
                    "ffn", [fused.quants, fused.scales, m.act, norm], (ceil_div(c.ffn, units),), FMT=fused.fmt,
                    K=c.hidden, FFN=c.ffn, EPS=c.rms_eps, X=lay.x, H_AT=lay.h, UNITS=units,
                    UP_BLK0=fused.blocks[1]),
                await self._dispatch(
                    "ffn_down", [fused.quants, fused.scales, m.act], (ceil_div(c.hidden, rows),), FMT=fused.fmt,
                    K=c.hidden, FFN=c.ffn, X=lay.x, H_AT=lay.h, DOWN_BLK0=fused.blocks[2], ROWS_WG=rows)]

    async def final_norm(self, norm, out):
        c = self.m.config
        return Op([await self._dispatch("final_norm", [self.m.act, norm, out], (1,), K=c.hidden,
                                        EPS=c.rms_eps, X=self.layout.x)])


class CpuFusedDecode:
    """The CPU-adapter set's decode step on WebGPU (lavapipe, SwiftShader): four dispatches a layer
    (was thirteen), none with more than one barrier between its phases:

        qkv_attention_cpu  a workgroup per KV head: rmsnorm + its q heads' and its k/v rows of one
                           fused weight buffer (8 rows an invocation) + rope + the K/V cache write
                           + attention (the keys split between the invocations of a head)
        matvec             x += W_o attn
        ffn_cpu            rmsnorm + 8 gate and the same 8 up rows an invocation + swiglu -> h
        matvec             x += W_down h

    Every invocation normalises x itself (K loads against 8 * K weights or more): cheaper on a
    CPU than a dispatch. Prefill keeps one op per kernel, over the same (fused) weights."""

    WORKGROUP = 8    # ffn_cpu's invocations per workgroup (matvec's on CPU adapters)

    def __init__(self, builder, model):
        self.b, self.m = builder, model
        c = model.config
        # Uploaded in place (weights.Uploader.fuse): each layer's q/k/v rows, and its ffn's.
        self.fused = [(model.fused_rows[f"blk.{i}.qkv"], model.fused_rows[f"blk.{i}.ffn"]) for i in range(c.n_layers)]

    async def qkv_attention(self, i, norm):
        c, m = self.m.config, self.m
        fused = self.fused[i][0]
        group = c.n_heads // c.n_kv_heads
        kernel = await self.b.kernel(
            "qkv_attention_cpu", FMT=fused.fmt, K=c.hidden, EPS=c.rms_eps, N_HEADS=c.n_heads,
            N_KV_HEADS=c.n_kv_heads, HEAD_DIM=c.head_dim, K_BLK0=fused.blocks[1], V_BLK0=fused.blocks[2],
            WORKGROUP=8 if group <= 8 else 16)
        buffers = [m.step, fused.quants, fused.scales, m.x, norm, m.k_cache[i], m.v_cache[i], m.turns, m.attn]
        return kernel, m.device.bind(kernel, buffers), lambda n: (c.n_kv_heads,)

    async def ffn(self, i, norm):
        """h = silu(gate) * up of rmsnorm(x) (into the gate buffer, which W_down's matvec reads)."""
        c, m = self.m.config, self.m
        fused = self.fused[i][1]
        kernel = await self.b.kernel("ffn_cpu", FMT=fused.fmt, K=c.hidden, FFN=c.ffn, UP_BLK0=fused.blocks[1],
                                     EPS=c.rms_eps, WORKGROUP=self.WORKGROUP)
        groups = grid(ceil_div(c.ffn, 8 * self.WORKGROUP))
        return kernel, m.device.bind(kernel, [fused.quants, fused.scales, m.x, norm, m.gate]), lambda n: groups
