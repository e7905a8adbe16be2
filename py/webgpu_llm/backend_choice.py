"""Which device runs the model: WebGPU on a real GPU, otherwise the CPU kernels (wasm).

A WebGPU adapter that is itself run by the CPU (the browser's fallback adapter, SwiftShader, or
Mesa's lavapipe) emulates a GPU on the CPU and is several times slower than the wasm kernels
doing the same work directly; no `navigator.gpu` or no adapter leaves only the CPU anyway.
"""
import asyncio

from .gpu import GPUUnavailable, open_device

CHOICES = ("auto", "webgpu", "wasm")


def is_wasm(device):
    """The CPU kernels' device (a WebGPU device on a CPU-emulated adapter says is_cpu too)."""
    return getattr(device, "dialect", "") == "wasm"


def describe(device):
    """What the status line and Diagnostics say about a device."""
    if is_wasm(device):
        threads = getattr(device, "threads", 1)
        return {"backend": "wasm", "name": device.name, "threads": threads,
                "summary": f"running on CPU ({threads} thread{'s' * (threads != 1)})"}
    return {"backend": "webgpu", "name": device.name, "threads": None,
            "summary": f"running on the GPU ({device.name})"}


async def choose_device(choice="auto", opener=open_device, **options):
    """(device, the reason for it, in a sentence). choice: "auto", or "webgpu" / "wasm" to force
    one (a forced WebGPU that is missing raises GPUUnavailable). options go to the backend that
    opens (kernel_base for both, threads for wasm)."""
    if choice not in CHOICES:
        raise ValueError(f"backend must be one of {CHOICES}, not {choice!r}")
    wasm_options = {k: v for k, v in options.items() if k in ("kernel_base", "threads")}
    if choice == "wasm":
        return await opener("wasm", **wasm_options), "The CPU was chosen in Diagnostics."
    try:
        device = await opener("webgpu", **{k: v for k, v in options.items() if k != "threads"})
    except GPUUnavailable as error:
        if choice == "webgpu":
            raise
        return await opener("wasm", **wasm_options), f"{error} The model runs on the CPU instead."
    if choice == "webgpu":
        return device, "WebGPU was chosen in Diagnostics."
    if device.is_cpu:  # a CPU-emulated adapter (gpu.shaders.cpu_backed)
        name = device.name
        device.destroy()
        return (await opener("wasm", **wasm_options),
                f"WebGPU offers only a CPU-emulated adapter ({name}); the CPU kernels are faster.")
    return device, f"WebGPU runs on a GPU ({device.name})."


async def choose_device_alongside(work, choice="auto", opener=open_device, **options):
    """(what `work` returns, device, reason): choose_device while the coroutine `work` runs, e.g.
    the model's Cache API reads and sha256 checks, which then overlap the kernels' compilation
    and the start of their threads (a warm load waited for one, then the other). Whichever
    fails first wins: the other is cancelled, or the device it opened is destroyed."""
    task = asyncio.ensure_future(_settled(work))
    # Let `work` start its reads first: where opening the device blocks the thread (Deno's
    # requestAdapter and requestDevice do), the reads then run meanwhile instead of after it.
    await asyncio.sleep(0)
    try:
        device, reason = await choose_device(choice, opener, **options)
    except BaseException:
        task.cancel()
        raise
    ok, value = await task
    if not ok:
        device.destroy()
        raise value
    return value, device, reason


async def _settled(work):
    """(True, result) or (False, the exception): the task never ends failed, so no event loop
    reports its error as unhandled before the caller, still opening the device, raises it."""
    try:
        return True, await work
    except BaseException as error:
        return False, error
