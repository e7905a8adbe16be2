"""Which device runs the model: a real GPU's WebGPU, else the CPU kernels, unless forced."""
import asyncio

import pytest

from webgpu_llm.backend_choice import choose_device, describe
from webgpu_llm.gpu import GPUUnavailable


class Device:
    def __init__(self, name, is_fallback=False, is_cpu=False, threads=None, dialect="tint"):
        self.name, self.is_fallback, self.is_cpu, self.threads = name, is_fallback, is_cpu, threads
        self.dialect = dialect
        self.destroyed = False

    def destroy(self):
        self.destroyed = True


def opener(webgpu):
    """An open_device stand-in: `webgpu` is the device WebGPU gives, or the error it raises."""
    opened = []

    async def open_device(backend, **options):
        opened.append((backend, options))
        if backend == "wasm":
            return Device("WebAssembly SIMD128 on the CPU (2 threads)", is_cpu=True, threads=2, dialect="wasm")
        if isinstance(webgpu, Exception):
            raise webgpu
        return webgpu
    return open_device, opened


def choose(choice, webgpu):
    open_device, opened = opener(webgpu)
    device, reason = asyncio.run(choose_device(choice, open_device, kernel_base="k/", threads=2))
    return device, reason, opened


def test_a_real_gpu_runs_webgpu():
    gpu = Device("NVIDIA H200")
    device, reason, opened = choose("auto", gpu)
    assert device is gpu and "GPU" in reason and opened == [("webgpu", {"kernel_base": "k/"})]
    assert describe(device)["summary"] == "running on the GPU (NVIDIA H200)"


@pytest.mark.parametrize("adapter", [Device("Google SwiftShader", is_fallback=True, is_cpu=True),
                                     Device("llvmpipe (LLVM 15.0.6, 256 bits)", is_cpu=True)])
def test_a_cpu_emulated_adapter_gives_way_to_the_wasm_kernels(adapter):
    device, reason, opened = choose("auto", adapter)
    assert device.dialect == "wasm" and adapter.destroyed and adapter.name in reason
    assert opened[-1] == ("wasm", {"kernel_base": "k/", "threads": 2})
    assert describe(device) == {"backend": "wasm", "name": device.name, "threads": 2,
                                "summary": "running on CPU (2 threads)"}


def test_no_webgpu_runs_on_the_cpu_and_says_why():
    device, reason, _ = choose("auto", GPUUnavailable("navigator.gpu is missing."))
    assert device.dialect == "wasm" and reason.startswith("navigator.gpu is missing. ") and "CPU" in reason


def test_a_forced_choice_is_kept():
    swiftshader = Device("Google SwiftShader", is_fallback=True, is_cpu=True)
    device, _, _ = choose("webgpu", swiftshader)
    assert device is swiftshader and not swiftshader.destroyed
    device, _, opened = choose("wasm", Device("NVIDIA H200"))
    assert device.dialect == "wasm" and [b for b, _ in opened] == ["wasm"]
    with pytest.raises(GPUUnavailable):
        choose("webgpu", GPUUnavailable("no adapter"))
    with pytest.raises(ValueError, match="backend must be one of"):
        choose("fast", None)


def test_the_model_opens_while_the_device_does_and_a_failure_frees_the_other():
    """choose_device_alongside: the model's reads run during the device's opening (both awaited
    at once) and start first, since an opener may block the thread (Deno's requestAdapter); a
    failed read destroys the opened device, a failed device cancels the reads."""
    from webgpu_llm.backend_choice import choose_device_alongside
    events = []

    async def reads(fail=False):
        events.append("reads start")
        await asyncio.sleep(0.01)
        if fail:
            raise OSError("shard 2 unreadable")
        events.append("reads done")
        return "source"

    def slow_opener(fail=False):
        async def open_device(backend, **options):
            events.append(f"open {backend}")
            await asyncio.sleep(0.005)
            if fail:
                raise GPUUnavailable("no kernels")
            events.append(f"opened {backend}")
            return device
        return open_device

    device = Device("wasm", is_cpu=True, threads=2, dialect="wasm")
    source, got, _ = asyncio.run(choose_device_alongside(reads(), "wasm", slow_opener()))
    assert (source, got) == ("source", device) and events == ["reads start", "open wasm", "opened wasm", "reads done"]
    with pytest.raises(OSError):
        asyncio.run(choose_device_alongside(reads(fail=True), "wasm", slow_opener()))
    assert device.destroyed
    events.clear()

    async def failing_device():
        work = reads()
        with pytest.raises(GPUUnavailable):
            await choose_device_alongside(work, "wasm", slow_opener(fail=True))
        await asyncio.sleep(0.02)  # the cancelled reads never finish
    asyncio.run(failing_device())
    assert "reads done" not in events
