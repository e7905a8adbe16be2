"""GPU tests: real WGSL kernels on the native backend (wgpu-py; Mesa lavapipe on CI machines).

Coroutines run on one event loop for the whole session (`gpu.run`), so the device outlives tests.
"""
import asyncio
import os
import sys
from pathlib import Path

# The numpy reference's matrix-vector products are small: BLAS threads only fight lavapipe's
# for the 2 cores. (Takes effect only if numpy is not imported yet.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT / "py", ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


class Gpu:
    """The device plus small helpers to move numpy arrays in and out."""

    def __init__(self, backend="webgpu", **options):
        self.loop = asyncio.new_event_loop()
        from webgpu_llm.gpu import open_device
        self.device = self.run(open_device(backend, **options))

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def kernel(self, name, **constants):
        from webgpu_llm.gpu.shaders import load_kernel
        return self.run(load_kernel(self.device, name, constants))

    def array(self, values, dtype=np.float32, pad=0):
        data = np.ascontiguousarray(values, dtype=dtype).tobytes() + bytes(pad)
        buf = self.device.create_buffer(max(16, -(-len(data) // 16) * 16))
        if data:
            self.device.write(buf, data)
        return buf

    def zeros(self, count, dtype=np.float32):
        return self.array(np.zeros(max(count, 1), dtype))

    def step(self, pos0, n_tokens):
        return self.array([pos0, n_tokens], np.uint32)

    def dispatch(self, kernel, buffers, x, y=1, z=1):
        device = self.device
        rec = device.record()
        rec.dispatch(kernel, device.bind(kernel, buffers), x, y, z)
        device.submit(rec)

    def read(self, buf, count, dtype=np.float32):
        size = count * np.dtype(dtype).itemsize
        return np.frombuffer(self.run(self.device.read(buf, 0, size)), dtype).copy()


@pytest.fixture(scope="session")
def gpu():
    return Gpu()


def wasm_cpu(variant=None):
    """The wasm CPU backend (wasm-kernels/*.c under wasmtime), kernels built first if needed;
    variant: a build/wasm file name (default: what the backend picks, relaxed SIMD here)."""
    from tools.wasm_build import build
    built = build()
    return Gpu("wasm", wasm_path=built[variant] if variant else None)


@pytest.fixture(scope="session")
def cpu():
    return wasm_cpu()


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    from tools.tiny_model import write_tiny_model
    path = tmp_path_factory.mktemp("tiny") / "tiny.gguf"
    write_tiny_model(path, seed=0)
    return path
