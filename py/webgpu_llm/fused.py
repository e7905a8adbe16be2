"""The real-GPU kernel set's decode step: four dispatches a layer instead of thirteen.

A real GPU runs a small model's decode step as a chain of tiny dispatches, each too small to fill
it, with a barrier between each pair: fewer, wider kernels are what make it fast. Per layer:

    qkv             rmsnorm + q/k/v rows of one fused weight buffer + rope + K/V cache write
    attention_split split-K attention: N_HEADS x SPLITS workgroups, each a chunk of the keys
    out_proj        merges the splits while loading its input, x += W_o attn
    ffn             rmsnorm + gate/up rows + swiglu + its slice's share of W_down, as partial sums

The down projection's partial sums (one vector per ffn workgroup) are added to the residual
stream by the next consumer of x: the next layer's qkv (which also stores the sum) or
final_norm. Two residual buffers alternate by layer so that qkv never overwrites the x its
sibling workgroups are still reading. Everything lives in one activation buffer (`act`), at the
offsets of `Layout`: a fused kernel needs at most 8 storage bindings, the spec's minimum.
Prefill keeps the one-op-per-kernel path (batched matrix products), over the same weights.
"""
from dataclasses import dataclass

from .ops import Op, ceil_div
from .weights import can_fuse, fuse_rows

ROWS_WG = 32          # rows per workgroup of qkv and out_proj (coop_dot.wgsl: LANES per row)
LANES = 16
MAX_CHUNK = 512       # attention_split.wgsl: keys per split at most
MIN_SPLITS = 16
MAX_VECTOR = 2048     # coop.wgsl: xs holds at most 2048 floats


def ffn_slice(ffn):
    """Inner units per ffn workgroup: 64 where they divide the inner size, else 32."""
    return 64 if ffn % 64 == 0 else 32


def splits_for(max_context):
    return max(MIN_SPLITS, ceil_div(max_context, MAX_CHUNK))


FUSED_TYPES = {"F32", "F16", "Q4_0", "Q4_1", "Q8_0"}  # 32-value blocks that coop_dot's block_dot8 reads


def fusable(config, weights):
    """Whether this model fits the fused kernels (else the GPU runs one op per kernel): llama's
    plain attention (no q/k/v biases; rope on (2i, 2i+1) pairs, unscaled), vectors of at most
    2,048, each fused group in one format of FUSED_TYPES and one buffer part."""
    if config.hidden > MAX_VECTOR or config.n_heads * config.head_dim > MAX_VECTOR or config.qkv_bias:
        return False
    # Rope variants other engines' models bring (read with defaults: older configs lack them).
    if getattr(config, "rope_neox", False) or getattr(config, "rope_freqs", False) \
            or getattr(config, "rope_scale", 1.0) != 1.0:
        return False
    if any(t.type_name not in FUSED_TYPES for name, t in weights.items() if name.startswith("blk.")):
        return False
    for i in range(config.n_layers):
        w = lambda part: weights[f"blk.{i}.{part}.weight"]  # noqa: E731
        if not (can_fuse([w("attn_q"), w("attn_k"), w("attn_v")]) and
                can_fuse([w("ffn_gate"), w("ffn_up"), w("ffn_down")]) and len(w("attn_output").parts) == 1):
            return False
    return True


@dataclass
class Layout:
    """Offsets (in floats) of the decode activations in `act`."""
    x: tuple          # the two residual buffers
    q: int
    ap_m: int         # attention splits: max score, exp-sum, weighted values
    ap_l: int
    ap_acc: int
    parts: int        # the ffn's partial down projections
    size: int

    @classmethod
    def of(cls, config, splits):
        h, q_dim = config.hidden, config.n_heads * config.head_dim
        slots = ceil_div(config.n_heads * splits, 4) * 4
        at = [0, h, 2 * h]
        for size in (q_dim, slots, slots, slots * config.head_dim, config.ffn // ffn_slice(config.ffn) * h):
            at.append(at[-1] + size)
        return cls((at[0], at[1]), at[2], at[3], at[4], at[5], at[6], at[7])


class FusedDecode:
    """Builds the fused decode dispatches of each layer over the Model's buffers (fusing its weights)."""

    def __init__(self, builder, model):
        self.b, self.m = builder, model
        c = model.config
        self.splits = splits_for(model.max_context)
        self.layout = Layout.of(c, self.splits)
        self.parts = c.ffn // ffn_slice(c.ffn)
        w = lambda i, part: model.weights[f"blk.{i}.{part}.weight"]  # noqa: E731
        # Before any Op binds them: the per-tensor buffers are freed, the tensors point at slices.
        self.fused = [(fuse_rows(model.device, [w(i, "attn_q"), w(i, "attn_k"), w(i, "attn_v")], f"blk.{i}.qkv"),
                       fuse_rows(model.device, [w(i, "ffn_gate"), w(i, "ffn_up"), w(i, "ffn_down")], f"blk.{i}.ffn"))
                      for i in range(c.n_layers)]

    def x_of(self, i):
        """The residual buffer of layer i (layer -1: the embedding's, which is layer 0's)."""
        return self.layout.x[max(i, 0) % 2]

    async def _dispatch(self, name, buffers, groups, **constants):
        kernel = await self.b.kernel(name, **constants)
        return (kernel, self.m.device.bind(kernel, buffers), lambda n: groups)

    async def qkv(self, i, norm):
        c, m, lay = self.m.config, self.m, self.layout
        fused = self.fused[i][0]
        n_q, n_kv = c.n_heads * c.head_dim, c.n_kv_heads * c.head_dim
        return await self._dispatch(
            "qkv", [m.step, fused.quants, fused.scales, m.act, norm, m.k_cache[i], m.v_cache[i], m.turns],
            (ceil_div(n_q + 2 * n_kv, ROWS_WG),), FMT=fused.fmt, K=c.hidden, EPS=c.rms_eps,
            X_IN=self.x_of(i - 1), X_OUT=self.x_of(i), PARTS=self.parts if i else 0, PARTS_AT=lay.parts,
            Q_AT=lay.q, N_Q=n_q, N_KV=n_kv, HEAD_DIM=c.head_dim, K_BLK0=fused.blocks[1],
            V_BLK0=fused.blocks[2], ROWS_WG=ROWS_WG, LANES=LANES)

    async def attention(self, i):
        c, m, lay = self.m.config, self.m, self.layout
        return await self._dispatch(
            "attention_split", [m.step, m.act, m.k_cache[i], m.v_cache[i]], (c.n_heads, self.splits),
            N_HEADS=c.n_heads, N_KV_HEADS=c.n_kv_heads, HEAD_DIM=c.head_dim, SPLITS=self.splits,
            Q_AT=lay.q, AP_M=lay.ap_m, AP_L=lay.ap_l, AP_ACC=lay.ap_acc)

    async def out(self, i):
        c, m, lay = self.m.config, self.m, self.layout
        part = m.weights[f"blk.{i}.attn_output.weight"]
        return await self._dispatch(
            "out_proj", [part.parts[0].quants, part.parts[0].scales, m.act], (ceil_div(c.hidden, ROWS_WG),),
            FMT=part.fmt, K=c.n_heads * c.head_dim, N=c.hidden, HEAD_DIM=c.head_dim, SPLITS=self.splits,
            AP_M=lay.ap_m, AP_L=lay.ap_l, AP_ACC=lay.ap_acc, X=self.x_of(i), ROWS_WG=ROWS_WG, LANES=LANES)

    async def ffn(self, i, norm):
        c, m = self.m.config, self.m
        fused = self.fused[i][1]
        return await self._dispatch(
            "ffn", [fused.quants, fused.scales, m.act, norm], (self.parts,), FMT=fused.fmt, K=c.hidden,
            FFN=c.ffn, EPS=c.rms_eps, X_IN=self.x_of(i), PARTS_AT=self.layout.parts,
            SLICE=ffn_slice(c.ffn), UP_BLK0=fused.blocks[1], DOWN_BLK0=fused.blocks[2], LANES=LANES)

    async def final_norm(self, norm, out):
        c = self.m.config
        return Op([await self._dispatch(
            "final_norm", [self.m.act, norm, out], (1,), K=c.hidden, EPS=c.rms_eps,
            X_IN=self.x_of(c.n_layers - 1), PARTS=self.parts, PARTS_AT=self.layout.parts)])
