"""One small GPU interface with three backends; nothing above this package knows which one runs:
WebGPU in the browser (browser.py), WebGPU natively (native.py, wgpu-py), and WebAssembly SIMD
kernels on the CPU (wasm_cpu.py: wasmtime natively, a Web Worker pool in the browser).

    device = await open_device()
    buf = device.create_buffer(nbytes)                  # storage, copy src/dst
    device.write(buf, b"...")                           # small Python bytes (params, ids)
    device.upload(buf, source, offset, size)            # big tensor bytes, never through Python in the browser
    kernel = await device.kernel("add")                 # wasm-kernels/add.wgsl, entry point `main`
    group = device.bind(kernel, [a, b, out, params])    # @binding(i) = i-th buffer, created once
    rec = device.record(); rec.dispatch(kernel, group, nx); device.submit(rec)
    data = await device.read(buf, 0, nbytes)            # bytes
"""
import sys


def in_browser():
    return sys.platform == "emscripten"


BACKENDS = ("webgpu", "wasm")


async def open_device(backend="webgpu", **options):
    """The device of `backend` in the runtime we are in (see the backends for options):
    "webgpu" the best GPU adapter, "wasm" the CPU kernels."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    if backend == "wasm":
        from .wasm_cpu import WasmCpuDevice
        return await WasmCpuDevice.open(**options)
    if in_browser():
        from .browser import BrowserDevice
        return await BrowserDevice.open(**options)
    from .native import NativeDevice
    return await NativeDevice.open(**options)


def cpu_backed(name, is_fallback):
    """WebGPU run by the CPU: SwiftShader (browsers' fallback adapter) or Mesa's lavapipe. Such
    adapters pay per load and per barrier, so the model builds another kernel set for them."""
    name = name.lower()
    return bool(is_fallback) or "llvmpipe" in name or "swiftshader" in name


class GPUUnavailable(RuntimeError):
    """No WebGPU adapter or device could be had; the message says why and what to do."""
