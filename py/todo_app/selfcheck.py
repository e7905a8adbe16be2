"""GPU self-check: run one kernel from wasm-kernels/ and verify its numbers (diagnostics + tests)."""
import struct

from webgpu_llm.gpu import open_device


async def gpu_selfcheck(n=1000):
    """x += y on the GPU for n floats; returns a dict describing the device and the result."""
    device = await open_device()
    x = [float(i) for i in range(n)]
    y = [0.5 * i + 1.0 for i in range(n)]
    xb, yb = device.create_buffer(4 * n), device.create_buffer(4 * n)
    device.write(xb, struct.pack(f"<{n}f", *x))
    device.write(yb, struct.pack(f"<{n}f", *y))
    kernel = await device.kernel("add")
    group = device.bind(kernel, [xb, yb])
    recorder = device.record()
    recorder.dispatch(kernel, group, (n + 63) // 64)
    device.submit(recorder)
    got = struct.unpack(f"<{n}f", await device.read(xb, 0, 4 * n))
    wrong = sum(1 for a, b, c in zip(x, y, got) if a + b != c)
    return {
        "adapter": device.name,
        "f16": device.has_f16,
        "max_binding_size": device.max_binding_size,
        "cpu_backed": bool(device.is_cpu),  # the app would run the CPU kernels (the picker's limits)
        "n": n,
        "sample": list(got[:4]) + [got[-1]],
        "ok": wrong == 0,
    }
