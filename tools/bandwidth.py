"""Achieved memory bandwidth on the current device (a bench tool, not shipped in the wheel; the
bench pages load it as the top-level module `bandwidth`): a plain copy kernel as the yardstick, and the
model's quantized matrix x vector kernels (matvec.wgsl, what a decode step spends its time in).

    result = await measure(device)                 # synthetic SmolLM2-shaped Q4 matrices
    result = await measure(model.device, model)    # the loaded model's own weights and bind groups
    result["copy"]["gbps"], result["matvec"]["decode"]["gbps"], result["efficiency"]["decode"]

Works on both backends (only the GPU interface: record/dispatch/submit/read). A timing is the wall
clock of one submit of `repeats` back-to-back passes over a batch plus a 4-byte read to wait for
it, minus the cost of an empty submit + read, divided by `repeats`; the best of `trials`. Bytes
counted are those a kernel must move: the copy reads and writes its buffer (2x its size); a
matvec reads its weights (the GPU buffers they live in) and x, and writes y (reads it too when
it accumulates). The matvec dispatches are the engine's own (model.Builder.linear), so this
measures whatever matvec.wgsl and weight layout the engine currently uses.
Efficiency = a matvec batch's GB/s / the copy's GB/s on the same device in the same run (the
best copy timing of several spread between the matvec timings, so a passing load on a shared
machine doesn't make the yardstick look slow).

Each matvec batch runs one kind of matrix over every layer (distinct buffers, as in a decode
step, so caches don't flatter it); "decode" is all of a token's matrices plus the output head.
"""
import math
import struct
import time

from webgpu_llm.gpu.shaders import load_kernel
from webgpu_llm.weights import grid

COPY_BYTES = 64 << 20       # large enough to leave CPU caches on software adapters
COPY_ITEMS = 4              # vec4s per invocation (copy.wgsl ITEMS)
MIN_SECONDS = 0.25          # aim each timed submit at least this long
TRIALS = 3
MAX_DISPATCHES = 20_000     # per timed submit

# Each GGUF matrix of a layer, in forward order; which of them accumulate.
MATRIX_KINDS = ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")
ACCUMULATING = {"attn_output", "ffn_down"}
# (K, N) of SmolLM2-135M's matrices: the synthetic default.
SMOLLM2_SHAPES = {"attn_q": (576, 576), "attn_k": (576, 192), "attn_v": (576, 192),
                  "attn_output": (576, 576), "ffn_gate": (576, 1536), "ffn_up": (576, 1536),
                  "ffn_down": (1536, 576)}


class Batch:
    """Dispatches timed together and the bytes they move."""

    def __init__(self, name, dispatches=None, nbytes=0):
        self.name = name
        self.dispatches = dispatches or []  # (kernel, bind group, (x, y))
        self.nbytes = nbytes

    def add(self, kernel, group, workgroups, nbytes):
        self.dispatches.append((kernel, group, tuple(workgroups)))
        self.nbytes += nbytes


# -- timing ---------------------------------------------------------------------------------------

class Timer:
    def __init__(self, device, min_seconds=MIN_SECONDS, trials=TRIALS):
        self.device = device
        self.min_seconds = min_seconds
        self.trials = trials
        self.probe = device.create_buffer(16, label="bandwidth probe")
        self.overhead = 0.0

    async def _submit(self, batch, repeats):
        device = self.device
        rec = device.record()
        for _ in range(repeats):
            for kernel, group, workgroups in batch.dispatches:
                rec.dispatch(kernel, group, *workgroups)
        start = time.perf_counter()
        device.submit(rec)
        await device.read(self.probe, 0, 4)
        return time.perf_counter() - start

    async def calibrate(self):
        """The cost of an empty submit plus the read that waits for it."""
        await self.device.read(self.probe, 0, 4)
        self.overhead = min([await self._submit(Batch("empty"), 1) for _ in range(5)])
        return self.overhead

    async def time(self, batch, repeats=None, trials=None):
        """Seconds and GB/s of one pass over `batch` (best of `trials` timed submits). With
        `repeats` given, the batch is taken as warm: no warm-up, no calibration run."""
        await self.device.read(self.probe, 0, 4)  # idle before we start the clock
        if repeats is None:
            await self._submit(batch, 1)  # warm-up: first-touch page faults, lazy pipeline work
            once = max(await self._submit(batch, 1) - self.overhead, 1e-6)
            limit = max(1, MAX_DISPATCHES // max(1, len(batch.dispatches)))
            repeats = max(1, min(limit, math.ceil(self.min_seconds / once)))
        best = min([await self._submit(batch, repeats) for _ in range(trials or self.trials)])
        seconds = max(best - self.overhead, 1e-9) / repeats
        return {"bytes": batch.nbytes, "seconds": seconds, "gbps": batch.nbytes / seconds / 1e9,
                "repeats": repeats, "dispatches": len(batch.dispatches)}


# -- the copy yardstick ---------------------------------------------------------------------------

def _pattern(nbytes):
    """Non-zero bytes (untouched zero pages could be served from one cached page)."""
    block = bytes(range(1, 256)) + b"\x80"
    return (block * (nbytes // len(block) + 1))[:nbytes]


async def copy_batch(device, nbytes=COPY_BYTES, items=COPY_ITEMS):
    """(Batch, src, dst): copy.wgsl over `nbytes` (rounded down to 16, capped at the binding limit)."""
    nbytes = max(16, min(nbytes, device.max_binding_size) // 16 * 16)
    src = device.create_buffer(nbytes, label="copy src")
    dst = device.create_buffer(nbytes, label="copy dst")
    device.write(src, _pattern(nbytes))
    kernel = await load_kernel(device, "copy", {"ITEMS": items})
    invocations = -(-(nbytes // 16) // items)
    batch = Batch("copy")
    batch.add(kernel, device.bind(kernel, [src, dst]), grid(-(-invocations // 64)), 2 * nbytes)
    return batch, src, dst


async def verify_copy(device, src, dst, nbytes, sample=4096):
    """True if dst == src at the start, middle and end (the whole buffer when small)."""
    spans = [(0, nbytes)] if nbytes <= 3 * sample else \
        [(0, sample), (nbytes // 2 // 16 * 16, sample), (nbytes - sample, sample)]
    for offset, size in spans:
        if await device.read(dst, offset, size) != await device.read(src, offset, size):
            return False
    return True


# -- matrix x vector batches ----------------------------------------------------------------------

def _buffer_bytes(part):
    """Bytes of the GPU buffers (or slices of one: (buffer, offset, size)) a weight part lives in."""
    return sum(int(b[2] if isinstance(b, tuple) else b.size) for b in (part.quants, part.scales))


def vector_bytes(k, rows, accumulate=False):
    """x is read (K floats); y is written (and read too when accumulating)."""
    return 4 * k + 4 * rows * (2 if accumulate else 1)


def _add_linear(batches, op, tensor, accumulate):
    """Add a linear Op's decode dispatches (one per weight part) to every batch in `batches`."""
    if len(op.decode) != len(tensor.parts):
        raise ValueError(f"{tensor.name}: {len(op.decode)} dispatches for {len(tensor.parts)} parts")
    for (kernel, group, workgroups), part in zip(op.decode, tensor.parts):
        nbytes = _buffer_bytes(part) + vector_bytes(tensor.cols, part.rows, accumulate)
        for batch in batches:
            batch.add(kernel, group, workgroups(1), nbytes)


async def model_batches(model):
    """Per kind of matrix, matvec.wgsl over the loaded model's own weights in all layers (into
    scratch vectors: the KV cache is not touched); plus the output head and "decode" (all of a
    token's matrices). The real-GPU set decodes the layers with fused kernels (fused.py) instead:
    `build.py bench --profile` times those."""
    from webgpu_llm.ops import Builder
    config, weights, device = model.config, model.weights, model.device
    builder = Builder(device, model.step, model.cpu_kernels)
    vectors = {}

    def vector(role, size):
        if (role, size) not in vectors:
            vectors[role, size] = device.create_buffer(4 * size, label=f"{role} {size}")
        return vectors[role, size]

    batches = {kind: Batch(kind) for kind in MATRIX_KINDS}
    decode = Batch("decode")
    for i in range(config.n_layers):
        for kind in MATRIX_KINDS:
            tensor = weights[f"blk.{i}.{kind}.weight"]
            op = await builder.linear(tensor, vector("x", tensor.cols), vector("y", tensor.rows),
                                      accumulate=kind in ACCUMULATING)
            _add_linear([batches[kind], decode], op, tensor, kind in ACCUMULATING)
    head = Batch("output")
    output = weights["token_embd.weight" if config.tied_embeddings else "output.weight"]
    _add_linear([head, decode], model.logits, output, False)
    batches["output"] = head
    batches["decode"] = decode
    return batches


def _q4_1_blocks(count):
    """ggml Q4_1 blocks as a GGUF file stores them: f16 scale, f16 min, 16 bytes of nibbles."""
    block = struct.pack("<ee", 0.01, -0.05) + bytes((17 * i + 3) & 0xFF for i in range(16))
    return block * count


async def synthetic_batches(device, shapes=None, layers=30):
    """Like model_batches, on made-up Q4_1 matrices of the given {kind: (K, N)} shapes, uploaded
    and bound by the engine's own code (weights.Uploader, model.Builder.linear). Native only:
    the browser backend uploads from a JS ArrayBuffer (use a loaded model there)."""
    from webgpu_llm.gguf import BytesSource, TensorInfo
    from webgpu_llm.ops import Builder
    from webgpu_llm.weights import Uploader
    shapes = shapes or SMOLLM2_SHAPES
    step = device.create_buffer(16, label="step")
    device.write(step, struct.pack("<II", 0, 1))
    builder, uploader = Builder(device, step), Uploader(device)
    largest = max(k * n for k, n in shapes.values())
    source = BytesSource(_q4_1_blocks(largest // 32))
    vectors = {}

    def vector(role, size):  # x and y must be distinct buffers
        if (role, size) not in vectors:
            vectors[role, size] = device.create_buffer(4 * size, label=f"{role} {size}")
            device.write(vectors[role, size], struct.pack("<f", 0.5) * size)
        return vectors[role, size]

    batches = {kind: Batch(kind) for kind in shapes}
    decode = Batch("decode")
    for layer in range(layers):
        for kind, (k, n) in shapes.items():
            info = TensorInfo(f"blk.{layer}.{kind}.weight", (k, n), 3, "Q4_1", 0, n * k // 32 * 20, n * k)
            tensor = await uploader.tensor(info, source)
            op = await builder.linear(tensor, vector("x", k), vector("y", n), accumulate=kind in ACCUMULATING)
            _add_linear([batches[kind], decode], op, tensor, kind in ACCUMULATING)
    batches["decode"] = decode
    return batches


# -- the measurement ------------------------------------------------------------------------------

def adapter_name(device):
    name = getattr(device, "name", "?")
    return name + (" (fallback adapter)" if getattr(device, "is_fallback", False) else "")


async def measure(device, model=None, copy_bytes=COPY_BYTES, min_seconds=MIN_SECONDS,
                  trials=TRIALS, layers=30, shapes=None, kinds=None):
    """Copy and matvec bandwidth on `device`. With `model` (a loaded webgpu_llm.model.Model on
    this device) its real weights are used; its KV cache stays consistent (the K/V matvecs write
    into the free slot after the cached tokens). kinds: the matvec batch names to time (default
    all: per kind, "output" with a model, and "decode"). Without a model: `layers` copies of
    synthetic Q4 matrices of `shapes` ({kind: (K, N)}, default SmolLM2-135M's)."""
    timer = Timer(device, min_seconds, trials)
    overhead = await timer.calibrate()
    copier, src, dst = await copy_batch(device, copy_bytes)
    copy = await timer.time(copier)
    copy["samples"] = 1
    if model is not None:
        if model.pos >= model.max_context:
            model.reset(model.max_context - 1)
        device.write(model.step, struct.pack("<II", model.pos, 1))
        batches = await model_batches(model)
    else:
        batches = await synthetic_batches(device, shapes=shapes, layers=layers)
    matvec = {}
    for name, b in batches.items():
        if kinds is None or name in kinds:
            matvec[name] = await timer.time(b)
            # The copy again between batches: other load on the machine comes and goes, and the
            # yardstick is the best the adapter did during the whole measurement.
            again = await timer.time(copier, repeats=copy["repeats"], trials=1)
            if again["gbps"] > copy["gbps"]:
                copy.update(again)
            copy["samples"] += 1
    copy["verified"] = await verify_copy(device, src, dst, copier.nbytes // 2)
    src.destroy()
    dst.destroy()
    return {"adapter": adapter_name(device), "source": "model" if model is not None else "synthetic",
            "overhead_s": overhead, "copy": copy, "matvec": matvec,
            "efficiency": {name: r["gbps"] / copy["gbps"] for name, r in matvec.items()}}
