"""Browser backend: the page's (or worker's) WebGPU, driven through pyodide.ffi.

Large data never passes through Python: uploads hand JS ArrayBuffers straight to writeBuffer.
JS null arrives as `jsnull` (falsy), so presence checks are truthiness checks.
"""
import asyncio

from js import GPUBufferUsage, GPUMapMode, Object, Uint8Array, fetch, navigator
from pyodide.code import run_js
from pyodide.ffi import to_js

from . import GPUUnavailable, cpu_backed
from .limits import WANTED_FEATURES, WANTED_LIMITS
from .replay_source import object_source
from .sequence import Sequence, capture

_helpers = None


def _js():
    """replay, bindGroup, storageBuffer (replay_source.py): the JS module PyScript imported, else
    compiled here. Looked up at first use, not at import: importing this module then holds no JS
    object that a Pyodide memory snapshot cannot serialize (site/pyodide-boot.mjs; a run_js
    result is one, JS globals such as `navigator` are not)."""
    global _helpers
    if _helpers is None:
        try:
            from pyscript.js_modules import webgpu_replay
            _helpers = webgpu_replay
        except (ImportError, AttributeError):  # not under PyScript (plain Pyodide, Deno): no policy forbids run_js there
            _helpers = run_js(object_source())
    return _helpers


_STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC
_STAGING = GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST


def js(value):
    """Python dicts/lists -> JS objects/arrays (descriptors)."""
    return to_js(value, dict_converter=Object.fromEntries)


class Timestamps:
    def __init__(self, query_set, buffer):
        self.query_set, self.buffer = query_set, buffer


class BrowserKernel:
    def __init__(self, name, pipeline):
        self.name = name
        self.pipeline = pipeline
        self.layout = pipeline.getBindGroupLayout(0)


class BrowserRecorder:
    """All dispatches of one step go into one compute pass of one command encoder."""

    def __init__(self, device):
        self.encoder = device.createCommandEncoder()
        self.pass_ = None
        self.dispatches = 0

    def dispatch(self, kernel, group, x, y=1, z=1, timestamps=None):
        """timestamps=(query set, i): alone in a pass whose start and end go to queries i, i+1."""
        if timestamps is not None:
            self._end_pass()
            query_set, i = timestamps
            self.pass_ = self.encoder.beginComputePass(js({"timestampWrites": {
                "querySet": query_set, "beginningOfPassWriteIndex": i, "endOfPassWriteIndex": i + 1}}))
        elif self.pass_ is None:
            self.pass_ = self.encoder.beginComputePass()
        self.pass_.setPipeline(kernel.pipeline)
        self.pass_.setBindGroup(0, group)
        self.pass_.dispatchWorkgroups(x, y, z)
        self.dispatches += 1
        if timestamps is not None:
            self._end_pass()

    def resolve(self, timestamps, count):
        """Timestamps 0 .. count-1 (ns) into timestamps.buffer, to read as u64."""
        self._end_pass()
        self.encoder.resolveQuerySet(timestamps.query_set, 0, count, timestamps.buffer, 0)

    def copy(self, src, src_offset, dst, dst_offset, size):
        self._end_pass()
        self.encoder.copyBufferToBuffer(src, src_offset, dst, dst_offset, size)

    def replay(self, sequence):
        """Encode a captured Sequence with one call into JS (see sequence.py)."""
        self._end_pass()
        _js().replay(self.encoder, sequence.prepared)
        self.dispatches += sequence.dispatches

    def _end_pass(self):
        if self.pass_ is not None:
            self.pass_.end()
            self.pass_ = None

    def finish(self):
        self._end_pass()
        return self.encoder.finish()


class BrowserDevice:

    def __init__(self, adapter, device, kernel_base):
        self.adapter = adapter
        self.device = device
        self.queue = device.queue
        self.kernel_base = kernel_base
        info = adapter.info
        self.name = f"{info.vendor or '?'} {info.architecture or info.description or ''}".strip()
        self.is_fallback = bool(getattr(info, "isFallbackAdapter", False))
        self.is_cpu = cpu_backed(self.name, self.is_fallback)
        self.features = {f for f in WANTED_FEATURES if device.features.has(f)}
        self.has_f16 = "shader-f16" in self.features
        self.limits = {k: int(getattr(device.limits, k)) for k in WANTED_LIMITS}
        self.max_binding_size = self.limits["maxStorageBufferBindingSize"]
        self.max_buffer_size = self.limits["maxBufferSize"]
        self.submits = 0
        self._staging = {}
        self._sources = {}   # kernel name -> its source being fetched (one fetch per file a load)
        self._modules = {}   # WGSL text -> shader module (the variants of a kernel share one)
        self.lost = None  # set to the reason when the device is lost

    @classmethod
    async def open(cls, power_preference="high-performance", kernel_base="./kernels/"):
        gpu = getattr(navigator, "gpu", None)
        if not gpu:
            raise GPUUnavailable("This browser does not expose WebGPU (navigator.gpu is missing).")
        adapter = await gpu.requestAdapter(js({"powerPreference": power_preference}))
        if not adapter:
            raise GPUUnavailable("WebGPU is present but no GPU adapter was offered.")
        features = [f for f in WANTED_FEATURES if adapter.features.has(f)]
        limits = {k: getattr(adapter.limits, k) for k in WANTED_LIMITS}
        device = await adapter.requestDevice(js({"requiredFeatures": features, "requiredLimits": limits}))
        self = cls(adapter, device, kernel_base)
        device.lost.then(self._on_lost)
        return self

    def _on_lost(self, info):
        self.lost = str(info.message or info.reason or "device lost")

    # -- memory ------------------------------------------------------------------------------
    def create_buffer(self, size, label=""):
        return _js().storageBuffer(self.device, max(4, (size + 3) & ~3), _STORAGE, label)

    def write(self, buffer, data, offset=0):
        self.queue.writeBuffer(buffer, offset, to_js(memoryview(bytes(data))))

    def upload(self, buffer, source, src_offset, size, dst_offset=0):
        """Copy `size` bytes of `source.array_buffer` (a JS ArrayBuffer) into `buffer`, in JS."""
        padded = (size + 3) & ~3
        if src_offset + padded <= source.array_buffer.byteLength:
            self.queue.writeBuffer(buffer, dst_offset, source.array_buffer, src_offset, padded)
        else:  # the last tensor of a file may end unaligned: pad a small copy
            tail = Uint8Array.new(padded)
            tail.set(Uint8Array.new(source.array_buffer, src_offset, size))
            self.queue.writeBuffer(buffer, dst_offset, tail.buffer, 0, padded)

    async def read(self, buffer, offset, size):
        return await self.read_start(buffer, offset, size)

    def read_start(self, buffer, offset, size):
        """Start reading `size` bytes (the copy is queued behind the work submitted so far); await
        the returned coroutine for them. Several may be pending: each has its own staging buffer."""
        padded = (size + 3) & ~3
        pool = self._staging.setdefault(padded, [])
        staging = pool.pop() if pool else self.device.createBuffer(js({"size": padded, "usage": _STAGING}))
        encoder = self.device.createCommandEncoder()
        encoder.copyBufferToBuffer(buffer, offset, staging, 0, padded)
        self.queue.submit(to_js([encoder.finish()]))
        mapped = staging.mapAsync(GPUMapMode.READ)

        async def finish():
            await mapped
            data = Uint8Array.new(staging.getMappedRange()).to_bytes()
            staging.unmap()
            pool.append(staging)
            return data[:size]
        return finish()

    # -- kernels -----------------------------------------------------------------------------
    async def kernel_source(self, name):
        """kernels/NAME.wgsl, fetched once: a model load compiles ~40 pipelines from ~20 files and
        their libraries, and every variant shares the fetch."""
        if name not in self._sources:
            self._sources[name] = asyncio.ensure_future(self._fetch_source(name))
        try:
            return await self._sources[name]
        except Exception:
            self._sources.pop(name, None)  # a failed fetch is tried again next time
            raise

    async def _fetch_source(self, name):
        response = await fetch(f"{self.kernel_base}{name}.wgsl")
        if not response.ok:
            raise FileNotFoundError(f"kernel {name}: HTTP {response.status}")
        return await response.text()

    async def kernel(self, name, source=None, constants=None):
        source = source if source is not None else await self.kernel_source(name)
        module = self._modules.get(source)
        if module is None:
            module = self._modules[source] = self.device.createShaderModule(js({"code": source, "label": name}))
        stage = {"module": module, "entryPoint": "main"}
        if constants:
            stage["constants"] = dict(constants)
        pipeline = await self.device.createComputePipelineAsync(
            js({"layout": "auto", "compute": stage, "label": name}))
        return BrowserKernel(name, pipeline)

    def bind(self, kernel, buffers):
        """Bind group for `kernel`: entry i is buffers[i], a buffer or (buffer, offset, size)."""
        flat = []
        for b in buffers:
            flat.extend(b if isinstance(b, tuple) else (b, 0, b.size))
        return _js().bindGroup(self.device, kernel.layout, *flat)

    def timestamps(self, count):
        """`count` timestamp queries and a buffer to resolve them into (None: no timestamp-query)."""
        if "timestamp-query" not in self.features:
            return None
        query_set = self.device.createQuerySet(js({"type": "timestamp", "count": count}))
        usage = GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC
        return Timestamps(query_set, self.device.createBuffer(js({"size": 8 * count, "usage": usage})))

    # -- execution ---------------------------------------------------------------------------
    def record(self):
        return BrowserRecorder(self.device)

    def capture(self, record):
        """A Sequence of what `record(recorder)` records, to replay with recorder.replay()."""
        steps, dispatches = capture(record)
        return Sequence(steps, dispatches, to_js([list(step) for step in steps]))

    def submit(self, recorder):
        self.queue.submit(to_js([recorder.finish()]))
        self.submits += 1

    def destroy(self):
        self.device.destroy()
