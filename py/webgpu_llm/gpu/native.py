"""Native backend: wgpu-py (Vulkan/Metal/D3D12; Mesa lavapipe in the tests)."""
import wgpu

from . import GPUUnavailable, cpu_backed
from .limits import WANTED_FEATURES, WANTED_LIMITS, kebab
from .sequence import COPY, Sequence, capture
from .shaders import local_kernel_dir

_STORAGE = wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_DST | wgpu.BufferUsage.COPY_SRC


class Timestamps:
    def __init__(self, query_set, buffer):
        self.query_set, self.buffer = query_set, buffer


class NativeKernel:
    def __init__(self, name, pipeline):
        self.name = name
        self.pipeline = pipeline
        self.layout = pipeline.get_bind_group_layout(0)


class NativeRecorder:
    """All dispatches of one step go into one compute pass of one command encoder."""

    def __init__(self, device):
        self.encoder = device.create_command_encoder()
        self.pass_ = None
        self.dispatches = 0

    def dispatch(self, kernel, group, x, y=1, z=1, timestamps=None):
        """timestamps=(query set, i): alone in a pass whose start and end go to queries i, i+1."""
        if timestamps is not None:
            self._end_pass()
            query_set, i = timestamps
            self.pass_ = self.encoder.begin_compute_pass(timestamp_writes={
                "query_set": query_set, "beginning_of_pass_write_index": i, "end_of_pass_write_index": i + 1})
        elif self.pass_ is None:
            self.pass_ = self.encoder.begin_compute_pass()
        self.pass_.set_pipeline(kernel.pipeline)
        self.pass_.set_bind_group(0, group)
        self.pass_.dispatch_workgroups(x, y, z)
        self.dispatches += 1
        if timestamps is not None:
            self._end_pass()

    def resolve(self, timestamps, count):
        """Timestamps 0 .. count-1 (ns) into timestamps.buffer, to read as u64."""
        self._end_pass()
        self.encoder.resolve_query_set(timestamps.query_set, 0, count, timestamps.buffer, 0)

    def copy(self, src, src_offset, dst, dst_offset, size):
        self._end_pass()
        self.encoder.copy_buffer_to_buffer(src, src_offset, dst, dst_offset, size)

    def replay(self, sequence):
        """Encode a captured Sequence (see sequence.py)."""
        for kind, a, b, c, d, e in sequence.prepared:
            if kind == COPY:
                self._end_pass()
                self.encoder.copy_buffer_to_buffer(a, b, c, d, e)
            else:
                if self.pass_ is None:
                    self.pass_ = self.encoder.begin_compute_pass()
                self.pass_.set_pipeline(a)
                self.pass_.set_bind_group(0, b)
                self.pass_.dispatch_workgroups(c, d, e)
        self.dispatches += sequence.dispatches

    def _end_pass(self):
        if self.pass_ is not None:
            self.pass_.end()
            self.pass_ = None

    def finish(self):
        self._end_pass()
        return self.encoder.finish()


class NativeDevice:

    def __init__(self, adapter, device):
        self.adapter = adapter
        self.device = device
        info = adapter.info
        self.name = f"{info.get('device', '?')} ({info.get('backend_type', '?')})"
        self.is_fallback = False  # wgpu offers no fallback flag; lavapipe is recognised by name
        self.is_cpu = cpu_backed(self.name, self.is_fallback)
        self.features = set(device.features)
        self.has_f16 = "shader-f16" in self.features
        self.limits = {k: device.limits[kebab(k)] for k in WANTED_LIMITS}
        self.max_binding_size = self.limits["maxStorageBufferBindingSize"]
        self.max_buffer_size = self.limits["maxBufferSize"]
        self.submits = 0

    @classmethod
    async def open(cls, power_preference="high-performance", features=WANTED_FEATURES):
        adapter = await wgpu.gpu.request_adapter_async(power_preference=power_preference)
        if adapter is None:
            raise GPUUnavailable("wgpu found no GPU adapter (install Mesa's lavapipe: mesa-vulkan-drivers)")
        offered = set(adapter.features)
        wanted = [f for f in features if f in offered]
        limits = {kebab(k): adapter.limits[kebab(k)] for k in WANTED_LIMITS}
        device = await adapter.request_device_async(required_features=wanted, required_limits=limits)
        return cls(adapter, device)

    # -- memory ------------------------------------------------------------------------------
    def create_buffer(self, size, label=""):
        return self.device.create_buffer(size=max(4, (size + 3) & ~3), usage=_STORAGE, label=label)

    def write(self, buffer, data, offset=0):
        self.device.queue.write_buffer(buffer, offset, data)

    def upload(self, buffer, source, src_offset, size, dst_offset=0):
        """Copy `size` bytes of `source` (an object with read(offset, size)) into `buffer`."""
        data = source.read(src_offset, size)
        if len(data) % 4:
            data = bytes(data) + bytes(4 - len(data) % 4)
        self.device.queue.write_buffer(buffer, dst_offset, data)

    async def read(self, buffer, offset, size):
        return bytes(self.device.queue.read_buffer(buffer, offset, size))

    def read_start(self, buffer, offset, size):
        """A read to await later (the browser backend starts it at once; wgpu-py's read waits for
        the whole queue, so here it runs when awaited and the caller must not overwrite `buffer`
        in between)."""
        return self.read(buffer, offset, size)

    # -- kernels -----------------------------------------------------------------------------
    async def kernel_source(self, name):
        return (local_kernel_dir() / f"{name}.wgsl").read_text()

    async def kernel(self, name, source=None, constants=None):
        source = source if source is not None else await self.kernel_source(name)
        module = self.device.create_shader_module(code=source, label=name)
        stage = {"module": module, "entry_point": "main"}
        if constants:
            stage["constants"] = dict(constants)
        pipeline = self.device.create_compute_pipeline(layout="auto", compute=stage, label=name)
        return NativeKernel(name, pipeline)

    def bind(self, kernel, buffers):
        """Bind group for `kernel`: entry i is buffers[i], a buffer or (buffer, offset, size)."""
        entries = []
        for i, b in enumerate(buffers):
            buf, offset, size = b if isinstance(b, tuple) else (b, 0, b.size)
            entries.append({"binding": i, "resource": {"buffer": buf, "offset": offset, "size": size}})
        return self.device.create_bind_group(layout=kernel.layout, entries=entries)

    def timestamps(self, count):
        """`count` timestamp queries and a buffer to resolve them into (None: no timestamp-query)."""
        if "timestamp-query" not in self.features:
            return None
        usage = wgpu.BufferUsage.QUERY_RESOLVE | wgpu.BufferUsage.COPY_SRC
        buffer = self.device.create_buffer(size=8 * count, usage=usage)
        return Timestamps(self.device.create_query_set(type="timestamp", count=count), buffer)

    # -- execution ---------------------------------------------------------------------------
    def record(self):
        return NativeRecorder(self.device)

    def capture(self, record):
        """A Sequence of what `record(recorder)` records, to replay with recorder.replay()."""
        steps, dispatches = capture(record)
        return Sequence(steps, dispatches, steps)

    def submit(self, recorder):
        self.device.queue.submit([recorder.finish()])
        self.submits += 1

    def destroy(self):
        self.device.destroy()
