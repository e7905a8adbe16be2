"""The CPU kernels natively: the single-threaded kernels.wasm under wasmtime (tests, CLI).

The browser runs the same module (or its threaded twin) in a Web Worker pool instead; both offer
wasm_cpu.py the same small runtime surface: heap_base, size, grow, write, read, upload, zero, run.
(wasmtime's Python binding cannot import a SharedMemory, so the threaded build is browser-only.)
"""
import ctypes
from pathlib import Path

import wasmtime

PAGE = 65536


def default_kernels_path(name="kernels-relaxed.wasm"):
    """build/wasm/NAME of the source checkout (tools/wasm_build.py makes it). wasmtime compiles
    relaxed SIMD, whose Q4 products are the plain build's in fewer instructions."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "wasm-kernels").is_dir():
            return parent / "build" / "wasm" / name
    raise FileNotFoundError("wasm-kernels/ not found above " + str(here))


class WasmtimeRuntime:
    threads = 1

    def __init__(self, path=None):
        path = Path(path or default_kernels_path())
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: build it with `python3 build.py wasm`")
        engine = wasmtime.Engine()
        self.store = wasmtime.Store(engine)
        module = wasmtime.Module.from_file(engine, str(path))
        wanted = next(i.type for i in module.imports if i.name == "memory")
        self.memory = wasmtime.Memory(self.store, wasmtime.MemoryType(wasmtime.Limits(wanted.limits.min, None)))
        exports = wasmtime.Instance(self.store, module, [self.memory]).exports(self.store)
        self._run, self._zero = exports["run"], exports["zero"]
        self.heap_base = exports["__heap_base"].value(self.store)
        self.relaxed = "relaxed" in path.name

    @property
    def size(self):
        return self.memory.data_len(self.store)

    def grow(self, nbytes):
        """Grow by at least nbytes (whole pages); the new size."""
        self.memory.grow(self.store, -(-nbytes // PAGE))
        return self.size

    def _base(self):  # the host address may change when the memory grows: ask each time
        return ctypes.addressof(self.memory.data_ptr(self.store).contents)

    def write(self, addr, data):
        data = bytes(data)
        if addr + len(data) > self.size:
            raise IndexError(f"write of {len(data)} bytes at {addr} is outside the memory")
        ctypes.memmove(self._base() + addr, data, len(data))

    def read(self, addr, size):
        if addr + size > self.size:
            raise IndexError(f"read of {size} bytes at {addr} is outside the memory")
        return ctypes.string_at(self._base() + addr, size)

    def upload(self, addr, source, offset, size):
        self.write(addr, source.read(offset, size))

    def zero(self, addr, size):
        self._zero(self.store, addr, size)

    def run(self, program, words):
        return self._run(self.store, program, words)

    def set_threads(self, n):
        """One thread here (wasmtime's Python binding cannot share memory between instances)."""
