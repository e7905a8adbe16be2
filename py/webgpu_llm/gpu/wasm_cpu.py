"""The CPU backend: the device interface over WebAssembly SIMD kernels (wasm-kernels/*.c).

Buffers are regions of the kernels' one linear memory (wasm_memory.Allocator); a kernel is a wasm
op chosen by the WGSL kernel's name (wasm_ops.KERNELS) with the same bindings and constants. A
recorder collects op commands into a program and `submit` runs it with one call into wasm, so a
captured decode step (sequence.py) costs one call per token. Commands run in order, each after
the previous one finished: no barriers are needed from above.

The runtime under it is wasmtime natively (wasm_native.py) or the browser's worker pool
(wasm_browser.py); both offer heap_base, size, grow, write, read, upload, zero, run.
"""
import struct

from . import GPUUnavailable, in_browser
from .sequence import Sequence
from .wasm_memory import Allocator
from .wasm_ops import CPU_FORMATS, CPU_REPACKS, KERNELS, LINEAR, Hazards, barrier_command, command, copy_command, spans
from .wasm_threads import DecodeThreads


class WasmBuffer:
    __slots__ = ("addr", "size", "label", "_device")

    def __init__(self, device, addr, size, label):
        self.addr, self.size, self.label, self._device = addr, size, label, device

    def destroy(self):
        """Give the memory back (as GPUBuffer.destroy): the buffer must not be used after."""
        if self._device is not None:
            self._device.allocator.free(self.addr)
            self._device = None


class WasmKernel:
    def __init__(self, name, constants):
        if name not in KERNELS:
            raise GPUUnavailable(f"kernel {name} has no CPU op (add it to gpu/wasm_ops.py)")
        fmt, src = (constants or {}).get("FMT"), (constants or {}).get("SRC")
        if fmt is not None and fmt not in CPU_FORMATS:
            raise GPUUnavailable(f"the CPU kernels do not read weight format {fmt} (dequant.wgsl FMT) yet")
        if name == "repack" and src not in CPU_REPACKS:
            raise GPUUnavailable(f"the CPU kernels do not repack ggml type {src} yet")
        self.name = name
        self.op, self.encode, self.writes = KERNELS[name]
        self.constants = dict(constants or {})


class WasmRecorder:
    """Commands in order: word lists for what was recorded here, Sequences for replays, with
    barriers only where an op depends on one before it (wasm_ops.Hazards)."""

    def __init__(self):
        self.parts = []
        self.words = []
        self.dispatches = 0
        self.hazards = Hazards()

    def _order(self, reads, writes, product_x=None):
        if self.hazards.needs_barrier(reads, writes, product_x):
            self.words += barrier_command()
            self.hazards.clear()
        self.hazards.add(reads, writes, product_x)

    def dispatch(self, kernel, group, x, y=1, z=1):
        writes = spans(group, kernel.writes)
        reads = spans(group, [i for i in range(len(group)) if i not in kernel.writes])
        self._order(reads, writes, group[3] if kernel.op == LINEAR else None)
        self.words += command(kernel.op, kernel.encode(kernel.constants, group, (x, y, z)))
        self.dispatches += 1

    def copy(self, src, src_offset, dst, dst_offset, size):
        source, target = src.addr + src_offset, dst.addr + dst_offset
        self._order([(source, source + size)], [(target, target + size)])
        self.words += copy_command(source, target, size)

    def replay(self, sequence):
        """A program ends with all threads done, so what follows a replay starts afresh."""
        self._flush()
        self.parts.append(sequence)
        self.dispatches += sequence.dispatches
        self.hazards.clear()

    def _flush(self):
        if self.words:
            self.parts.append(self.words)
            self.words = []
        self.hazards.clear()

    def finish(self):
        self._flush()
        return self.parts


class WasmCpuDevice:
    dialect = "wasm"
    is_cpu = True        # Model builds the CPU kernel set; no WebGPU adapter is involved
    is_fallback = False
    has_f16 = False
    int8_kv_cache = True  # the KV cache's rows are int8 here (kv_cache.py, cpu_kv.c)

    def __init__(self, runtime):
        self.runtime = runtime
        self.threads = runtime.threads
        simd = "relaxed SIMD" if getattr(runtime, "relaxed", False) else "SIMD128"
        self.name = f"WebAssembly {simd} on the CPU ({self.threads} thread{'s' * (self.threads > 1)})"
        self.features = set()
        self.max_binding_size = 1 << 30
        self.limits = {"maxStorageBufferBindingSize": self.max_binding_size, "maxBufferSize": self.max_binding_size}
        self.allocator = Allocator(runtime.heap_base, runtime.size, runtime.grow)
        self.decode_threads = DecodeThreads(runtime)  # replays: the whole team or one thread
        self.submits = 0

    @classmethod
    async def open(cls, runtime=None, wasm_path=None, kernel_base="./kernels/", threads=None):
        """On a given runtime; by default, in the browser the worker pool of `threads` threads
        (None: the core count) loading kernels from kernel_base, natively the single-threaded
        kernels (wasm_path, default build/wasm/kernels.wasm) under wasmtime."""
        if runtime is None and in_browser():
            from .wasm_browser import BrowserWasmRuntime
            runtime = await BrowserWasmRuntime.open(kernel_base, threads)
        elif runtime is None:
            from .wasm_native import WasmtimeRuntime
            runtime = WasmtimeRuntime(wasm_path)
        return cls(runtime)

    # -- memory ------------------------------------------------------------------------------
    def create_buffer(self, size, label=""):
        """Zero-filled, as WebGPU buffers are."""
        size = max(4, (size + 3) & ~3)
        addr, dirty = self.allocator.alloc(size)
        if dirty:
            self.runtime.zero(addr, size)
        return WasmBuffer(self, addr, size, label)

    def write(self, buffer, data, offset=0):
        self._check(buffer, offset, len(data))
        self.runtime.write(buffer.addr + offset, data)

    def upload(self, buffer, source, src_offset, size, dst_offset=0):
        """`size` bytes of `source` into `buffer`; the runtime copies without Python objects where
        it can (the browser: JS ArrayBuffer -> wasm memory)."""
        self._check(buffer, dst_offset, size)
        self.runtime.upload(buffer.addr + dst_offset, source, src_offset, size)

    async def read(self, buffer, offset, size):
        self._check(buffer, offset, size)
        return self.runtime.read(buffer.addr + offset, size)

    def read_start(self, buffer, offset, size):
        """A read to await later (the interface's; here the work is done when submit returns)."""
        return self.read(buffer, offset, size)

    @staticmethod
    def _check(buffer, offset, size):
        if offset < 0 or offset + size > buffer.size:
            raise ValueError(f"{size} bytes at {offset} do not fit buffer {buffer.label!r} of {buffer.size}")

    # -- kernels -----------------------------------------------------------------------------
    async def kernel_source(self, name):
        return ""  # ops are compiled in; there is no per-kernel source to fetch

    async def kernel(self, name, source=None, constants=None):
        return WasmKernel(name, constants)

    def bind(self, kernel, buffers):
        """(address, size) of each binding: a buffer or (buffer, offset, size)."""
        group = []
        for b in buffers:
            buf, offset, size = b if isinstance(b, tuple) else (b, 0, b.size)
            group.append((buf.addr + offset, size))
        return group

    # -- execution ---------------------------------------------------------------------------
    def record(self):
        return WasmRecorder()

    def capture(self, record):
        """The program of what `record(recorder)` records, kept in wasm memory for replays."""
        recorder = WasmRecorder()
        record(recorder)
        words = recorder.words
        program = self.create_buffer(4 * len(words), label="captured program")
        self.runtime.write(program.addr, struct.pack(f"<{len(words)}I", *words))
        return Sequence(words, recorder.dispatches, (program, len(words)))

    def submit(self, recorder):
        for part in recorder.finish():
            if isinstance(part, Sequence):
                program, words = part.prepared
                self.decode_threads.replay(lambda: self._run(program.addr, words))
            else:
                self.decode_threads.whole_team()
                program = self.create_buffer(4 * len(part), label="program")
                try:
                    self.runtime.write(program.addr, struct.pack(f"<{len(part)}I", *part))
                    self._run(program.addr, len(part))
                finally:
                    program.destroy()
        self.submits += 1

    def _run(self, addr, words):
        bad = self.runtime.run(addr, words)
        if bad:
            raise RuntimeError(f"the CPU kernels refused program word {bad - 1} (unknown op or argument count)")

    def destroy(self):
        """Stop the runtime (the browser's worker threads); the device is unusable after."""
        close = getattr(self.runtime, "close", None)
        if close is not None:
            close()
        self.runtime = None
