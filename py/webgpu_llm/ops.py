"""Prebuilt dispatches: what the forward pass records, and the Builder that makes them at load.

An Op is one step of the network as (kernel, bind group, workgroups(n)) dispatches, one list to
decode a token and one to prefill a batch; a step may be several kernels on one adapter class and
one fused kernel on another, and the forward pass reads the same either way.
"""
import asyncio
import copy

from .gpu.shaders import load_kernel
from .weights import grid

MATVEC_ROWS = 4       # rows per invocation (matvec.wgsl ROWS) on GPUs
MATVEC_ROWS_CPU = 16  # on CPU-backed adapters: each x load serves 16 rows (measured best there)
MATMUL_ROWS, MATMUL_TOKENS = 4, 8  # tile per invocation (matmul.wgsl ROWS, TOKENS) on GPUs
MATMUL_ROWS_CPU = 8   # on CPU-backed adapters: fewer loads of x per weight
MATMUL_KSPLIT = 8     # real GPUs: invocations sharing a matmul tile (matmul.wgsl KSPLIT), CPUs 1
ATTENTION_CPU_MAX_DIM = 64   # attention_cpu.wgsl's limit (used on CPU-backed adapters)
ATTENTION_CPU_WORKGROUP = 4  # its invocations (token, head) per workgroup


def ceil_div(a, b):
    return -(-a // b)


def heads_per_workgroup(n_heads, n_kv_heads, head_dim):
    """Query heads one attention workgroup serves (they share a KV head, so K/V loads are shared):
    the largest divisor of the group size within attention.wgsl's limits."""
    group = n_heads // n_kv_heads
    return max(h for h in range(1, min(group, 4) + 1) if group % h == 0 and h * head_dim <= 256)


KERNEL_SETS = ("cpu", "gpu")


def uses_cpu_kernels(device, kernel_set=None):
    """Whether to build the CPU-adapter kernel set: kernel_set "cpu"/"gpu" forces one (tests run
    the GPU set on lavapipe that way), None picks by the adapter (device.is_cpu)."""
    if kernel_set is None:
        return device.is_cpu
    if kernel_set not in KERNEL_SETS:
        raise ValueError(f"kernel_set must be one of {KERNEL_SETS} or None, not {kernel_set!r}")
    return kernel_set == "cpu"


class Op:
    """One step of the forward pass, as prebuilt (kernel, bind group, workgroups(n)) dispatches:
    `decode` for one token, `prefill` for a batch (they differ for matrix products and where the
    real-GPU set fuses kernels for decoding)."""

    def __init__(self, decode=None, prefill=None):
        self.decode = decode or []
        self.prefill = prefill if prefill is not None else self.decode

    @classmethod
    def chain(cls, *ops):
        """The ops one after the other, as one Op."""
        return cls([d for op in ops for d in op.decode], [p for op in ops for p in op.prefill])

    def record(self, rec, n_tokens, decode=True):
        for kernel, group, workgroups in (self.decode if decode else self.prefill):
            rec.dispatch(kernel, group, *workgroups(n_tokens))


class LastRow:
    """Copies the last token's row of the residual stream to a one-row buffer, then runs `op` on
    it (the output norm of the batched path). `decode`: the Op that replaces both when decoding."""

    def __init__(self, x, last, row_bytes, op, decode=None):
        self.x, self.last, self.row_bytes, self.op, self.decode = x, last, row_bytes, op, decode

    def record(self, rec, n_tokens, decode=True):
        if decode and self.decode is not None:
            self.decode.record(rec, 1)
            return
        rec.copy(self.x, (n_tokens - 1) * self.row_bytes, self.last, 0, self.row_bytes)
        self.op.record(rec, 1)


class Builder:
    """Makes Ops: compiles each (kernel, constants) once and binds buffers."""

    def __init__(self, device, step, cpu=None):
        """cpu: build the CPU-adapter kernel set (default: if the adapter is one)."""
        cpu = device.is_cpu if cpu is None else cpu
        self.device = device
        self.step = step
        self.kernels = {}
        # CPU-backed adapters pay per load and per barrier: there one invocation per row group,
        # and small workgroups so that even 192-row matrices spread over the CPU cores.
        self.threads_per_row, self.matvec_workgroup = (1, 8) if cpu else (8, 64)
        self.matvec_rows = MATVEC_ROWS_CPU if cpu else MATVEC_ROWS
        self.matmul_rows = MATMUL_ROWS_CPU if cpu else MATMUL_ROWS
        self.matmul_ksplit = 1 if cpu else MATMUL_KSPLIT
        self.cpu = cpu
        self.decode_linears = True  # False: linear() builds no matvec (fused kernels decode instead)

    def prefill_linears(self):
        """This builder (sharing its compiled kernels) with linear() making prefill dispatches only:
        for the layers the real-GPU set decodes with fused kernels (fewer pipelines, bind groups)."""
        other = copy.copy(self)
        other.decode_linears = False
        return other

    async def kernel(self, name, **constants):
        """The compiled kernel, once per (name, constants): callers running concurrently share one
        compilation, so the browser compiles different pipelines in parallel
        (createComputePipelineAsync) while the model builds its layers."""
        key = (name, tuple(sorted(constants.items())))
        if key not in self.kernels:
            self.kernels[key] = asyncio.ensure_future(load_kernel(self.device, name, constants))
        return await self.kernels[key]

    async def simple(self, name, buffers, workgroups, **constants):
        """An Op of one kernel, the same for decode and prefill."""
        kernel = await self.kernel(name, **constants)
        return Op([(kernel, self.device.bind(kernel, buffers), workgroups)])

    async def linear(self, weight, x, y, accumulate=False, at_pos=False):
        """y = x W^T (or y += ...; rows pos0.. of y when at_pos): matvec to decode, matmul to
        prefill, one dispatch per buffer the weight is split into."""
        op = Op([], [])
        for part in weight.parts:
            constants = dict(FMT=weight.fmt, K=weight.cols, N=part.rows, N_OUT=weight.rows,
                             ROW0=part.row0, ACCUMULATE=accumulate, OUT_AT_POS=at_pos)
            buffers = [self.step, part.quants, part.scales, x, y]
            if self.decode_linears:
                vec = await self.kernel("matvec", THREADS_PER_ROW=self.threads_per_row,
                                        WORKGROUP=self.matvec_workgroup, ROWS=self.matvec_rows, **constants)
                groups = ceil_div(part.rows, self.matvec_rows * self.matvec_workgroup // self.threads_per_row)
                op.decode.append((vec, self.device.bind(vec, buffers), lambda n, g=groups: grid(g)))
            mat = await self.kernel("matmul", ROWS=self.matmul_rows, KSPLIT=self.matmul_ksplit, **constants)
            tile_rows = self.matmul_rows * 64 // self.matmul_ksplit  # rows per workgroup
            op.prefill.append((mat, self.device.bind(mat, buffers), lambda n, rows=part.rows, r=tile_rows: (
                ceil_div(rows, r), ceil_div(n, MATMUL_TOKENS))))
        return op

    async def attention(self, c, max_context, step, q, k_cache, v_cache, out, scores, kv_f16=False):
        """Causal attention of n tokens over the cache: one invocation per (token, head) without
        barriers on CPU adapters (attention_cpu.wgsl), else workgroups (attention.wgsl, which
        also reads f16 rows: kv_f16)."""
        if self.cpu and c.head_dim <= ATTENTION_CPU_MAX_DIM:
            return await self.simple(
                "attention_cpu", [step, q, k_cache, v_cache, out],
                lambda n: grid(ceil_div(n * c.n_heads, ATTENTION_CPU_WORKGROUP)), N_HEADS=c.n_heads,
                N_KV_HEADS=c.n_kv_heads, HEAD_DIM=c.head_dim, WORKGROUP=ATTENTION_CPU_WORKGROUP)
        heads = heads_per_workgroup(c.n_heads, c.n_kv_heads, c.head_dim)
        return await self.simple(
            "attention", [step, q, k_cache, v_cache, out, scores], lambda n: (c.n_heads // heads, n),
            N_HEADS=c.n_heads, N_KV_HEADS=c.n_kv_heads, HEAD_DIM=c.head_dim, MAX_CTX=max_context, HEADS=heads,
            KV_F16=kv_f16)
