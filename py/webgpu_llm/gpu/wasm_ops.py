"""Which wasm op runs each kernel, and its argument words: the one table of the CPU backend.

A kernel is named as its WGSL file and bound the same way (buffer i = @binding(i)), with the same
override constants, so Model builds its ops without knowing the backend. Each entry turns
(constants, bindings, workgroup counts) into the words wasm-kernels/cpu_main.c reads: op id,
argument count, arguments. Bindings arrive as (address, size) pairs. Workgroup counts only matter
where the WGSL kernel takes its extent from them (rmsnorm: one row per workgroup); the ops split
their rows between threads themselves. Op ids follow OPS[] in cpu_main.c.
"""
import struct

EMBED, LINEAR, REPACK, RMSNORM, ROPE, SWIGLU, ADD, COPY, GATHER_LOGITS, TOPK, ATTENTION = range(1, 12)


def f32_bits(value):
    return struct.unpack("<I", struct.pack("<f", value))[0]


def _linear(one_token):
    def args(c, b, wg):
        return [b[0][0], b[1][0], b[2][0], b[3][0], b[4][0], c["FMT"], c["K"], c["N"], c["N_OUT"],
                c.get("ROW0", 0), int(c.get("ACCUMULATE", False)), int(c.get("OUT_AT_POS", False)),
                int(one_token)]
    return args


def _attention(c, b, wg):  # attention.wgsl's scores scratch (binding 5) is not needed here
    return [b[0][0], b[1][0], b[2][0], b[3][0], b[4][0], c["N_HEADS"], c["N_KV_HEADS"], c["HEAD_DIM"]]


# kernel name -> (op id, argument words from (constants, bindings, workgroups))
KERNELS = {
    "embed": (EMBED, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], b[3][0], b[4][0], c["FMT"], c["H"], c["N"],
                                       c.get("ROW0", 0)]),
    "matvec": (LINEAR, _linear(one_token=True)),
    "matmul": (LINEAR, _linear(one_token=False)),
    "repack": (REPACK, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], b[2][1], c["SRC"]]),
    "rmsnorm": (RMSNORM, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], c["H"], f32_bits(c["EPS"]), wg[0]]),
    "rope": (ROPE, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], c["N_HEADS"], c["HEAD_DIM"],
                                     int(c.get("AT_POS", False))]),
    "attention": (ATTENTION, _attention),
    "attention_cpu": (ATTENTION, _attention),
    "swiglu": (SWIGLU, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], c["FFN"]]),
    "add": (ADD, lambda c, b, wg: [b[0][0], b[1][0], b[0][1]]),
    "copy": (COPY, lambda c, b, wg: [b[0][0], b[1][0], b[1][1]]),
    "gather_logits": (GATHER_LOGITS, lambda c, b, wg: [b[0][0], b[1][0], b[2][0], c["CAP"]]),
    "topk": (TOPK, lambda c, b, wg: [b[0][0], b[1][0], c["N"], c["K"], c.get("SLICE", 512),
                                     int(c.get("PAIRS", False))]),
}


def command(op, args):
    """One program command: [op, n_args, args...]."""
    return [op, len(args), *args]


def copy_command(src, dst, size):
    return command(COPY, [src, dst, size])
