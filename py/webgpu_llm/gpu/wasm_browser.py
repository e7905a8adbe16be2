"""The CPU kernels in the browser: the runtime surface wasm_cpu.py needs, over the worker pool of
site/wasm-cpu.mjs (a JS module PyScript imports for the page and its workers, like gpu-replay.mjs).

Python only passes addresses and small byte strings; the pool copies model bytes JS to JS and runs
a whole program per call (its workers wait on the shared memory, not on messages).
"""
from pyodide.ffi import to_js

MODULE_NAME = "wasm_cpu"
MODULE_FILE = "wasm-cpu.mjs"
WORKER_FILE = "wasm-cpu-worker.mjs"


def _module():
    try:
        from pyscript import js_modules
        return getattr(js_modules, MODULE_NAME)
    except (ImportError, AttributeError):
        from js import Error
        raise Error.new(f"{MODULE_FILE} is not loaded (pyscript.json js_modules)") from None


class BrowserWasmRuntime:
    def __init__(self, pool):
        self.pool = pool
        self.threads = int(pool.threads)
        self.heap_base = int(pool.heapBase)
        self.relaxed = "relaxed" in str(pool.kernels)

    @classmethod
    async def open(cls, kernel_base="./kernels/", threads=None):
        """threads: None = the core count (at most 8); 1 without cross-origin isolation."""
        return cls(await _module().openPool(kernel_base, threads or 0))

    @property
    def size(self):
        return int(self.pool.size())

    def grow(self, nbytes):
        return int(self.pool.grow(nbytes))

    def write(self, addr, data):
        self.pool.write(addr, to_js(memoryview(bytes(data))))

    def read(self, addr, size):
        return self.pool.read(addr, size).to_bytes()

    def upload(self, addr, source, offset, size):
        """From the model's JS ArrayBuffer (weights_cache) straight into wasm memory."""
        self.pool.upload(addr, source.array_buffer, offset, size)

    def zero(self, addr, size):
        self.pool.zero(addr, size)

    def run(self, program, words):
        return int(self.pool.run(program, words))

    def set_threads(self, n):
        self.pool.setThreads(n)

    def close(self):
        self.pool.close()
