"""Which wasm op runs each kernel, and its argument words: the one table of the CPU backend.

A kernel is named as its WGSL file and bound the same way (buffer i = @binding(i)), with the same
override constants, so Model builds its ops without knowing the backend. Each entry turns
(constants, bindings, workgroup counts) into the words wasm-kernels/cpu_main.c reads: op id,
argument count, arguments. Bindings arrive as (address, size) pairs. Workgroup counts only matter
where the WGSL kernel takes its extent from them (rmsnorm: one row per workgroup); the ops split
their rows between threads themselves. Op ids follow OPS[] in cpu_main.c. Each entry also names
the bindings the op writes (read_write in the WGSL): `Hazards` puts a BARRIER between two ops only
where the later one depends on the earlier (threads need not meet after every op).
"""
import struct
from collections import namedtuple

EMBED, LINEAR, REPACK, RMSNORM, ROPE, SWIGLU, ADD, COPY, GATHER_LOGITS, TOPK, ATTENTION, BARRIER, BIAS = range(1, 14)

Kernel = namedtuple("Kernel", "op encode writes")
# weight formats (dequant.wgsl FMT) cpu_linear.c reads: F32, F16, Q4, Q8, and cpu_quants.c's Q5,
# Q4_K, Q5_K, Q6_K
CPU_FORMATS = (0, 1, 2, 8, 6, 12, 13, 14)
CPU_REPACKS = (2, 3, 8, 6, 7, 14)  # ggml types op_repack splits (repack.wgsl SRC): Q4_0, Q4_1, Q8_0, Q5_0, Q5_1, Q6_K


def f32_bits(value):
    return struct.unpack("<I", struct.pack("<f", value))[0]


def _linear(one_token):
    def args(c, b, wg):
        return [b[0][0], b[1][0], b[2][0], b[3][0], b[4][0], c["FMT"], c["K"], c["N"], c["N_OUT"],
                c.get("ROW0", 0), int(c.get("ACCUMULATE", False)), int(c.get("OUT_AT_POS", False)),
                int(one_token), b[3][1], b[4][1]]
    return args


def _attention(c, b, wg):  # attention.wgsl's scores scratch (binding 5) is not needed here
    return [b[0][0], b[1][0], b[2][0], b[3][0], b[4][0], c["N_HEADS"], c["N_KV_HEADS"], c["HEAD_DIM"]]


# kernel name -> Kernel(op id, argument words from (constants, bindings, workgroups), written bindings)
KERNELS = {
    "embed": Kernel(EMBED, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], b[3][0], b[4][0], c["FMT"], c["H"],
                                             c["N"], c.get("ROW0", 0)], (4,)),
    "matvec": Kernel(LINEAR, _linear(one_token=True), (4,)),
    "matmul": Kernel(LINEAR, _linear(one_token=False), (4,)),
    "repack": Kernel(REPACK, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], b[2][1], c["SRC"]], (1, 2)),
    "rmsnorm": Kernel(RMSNORM, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], c["H"], f32_bits(c["EPS"]), wg[0]],
                      (2,)),
    "rope": Kernel(ROPE, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], c["N_HEADS"], c["HEAD_DIM"],
                                           int(c.get("AT_POS", False)), int(c.get("NEOX", False))], (1,)),
    "bias": Kernel(BIAS, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], c["N"], int(c.get("AT_POS", False))], (1,)),
    "attention": Kernel(ATTENTION, _attention, (4,)),
    "attention_cpu": Kernel(ATTENTION, _attention, (4,)),
    "swiglu": Kernel(SWIGLU, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], c["FFN"]], (1,)),
    "add": Kernel(ADD, lambda c, b, wg: [b[0][0], b[1][0], b[0][1]], (0,)),
    "copy": Kernel(COPY, lambda c, b, wg: [b[0][0], b[1][0], b[1][1]], (1,)),
    "gather_logits": Kernel(GATHER_LOGITS, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], c["CAP"]], (2,)),
    "topk": Kernel(TOPK, lambda c, b, wg: [b[0][0], b[1][0], c["N"], c["K"], c.get("SLICE", 512),
                                           int(c.get("PAIRS", False))], (1,)),
}


class Hazards:
    """Memory touched since the last barrier: whether the next op must wait for the ones before.
    Products share the quantized-activation scratch: one with another x than the previous
    product's (since the barrier) waits too, while q, k, v (or gate, up) share one quantization."""

    def __init__(self):
        self.clear()

    def clear(self):
        self.read, self.written, self.product_x = [], [], None

    def needs_barrier(self, reads, writes, product_x=None):
        def overlaps(spans, others):
            return any(a < d and c < b for a, b in spans for c, d in others)
        return (overlaps(reads + writes, self.written) or overlaps(writes, self.read)
                or (product_x is not None and self.product_x not in (None, product_x)))

    def add(self, reads, writes, product_x=None):
        self.read += reads
        self.written += writes
        self.product_x = product_x if product_x is not None else self.product_x


def spans(group, indices):
    """(start, end) address ranges of the bindings `indices` of a bind group."""
    return [(group[i][0], group[i][0] + group[i][1]) for i in indices]


def command(op, args):
    """One program command: [op, n_args, args...]."""
    return [op, len(args), *args]


def copy_command(src, dst, size):
    return command(COPY, [src, dst, size])


def barrier_command():
    return command(BARRIER, [])
