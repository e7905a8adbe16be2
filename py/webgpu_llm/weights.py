"""Model weights on the GPU, quantized as in the file.

Every GGUF tensor gets its own GPU buffers (split by rows when bigger than one binding may be).
Float tensors go from the file to the GPU untouched. Quantized ones go up as file bytes and a kernel
(wasm-kernels/repack.wgsl) splits each block's scale from its quants, so the matrix kernels read
quants with aligned 16-byte loads; no Python ever loops over tensor data. dequant.wgsl documents
the GPU formats.
"""
from dataclasses import dataclass

from .gguf import GGML_TYPES_BY_NAME, GGUFError, check_supported
from .gpu.shaders import load_kernel

# ggml type -> (GPU format code of dequant.wgsl, GPU quant bytes per 32-element block)
GPU_FORMATS = {"F32": (0, 128), "F16": (1, 64), "Q4_0": (2, 16), "Q4_1": (2, 16), "Q8_0": (8, 32),
               "Q5_0": (6, 16), "Q5_1": (6, 16), "Q4_K": (12, 18), "Q5_K": (13, 22), "Q6_K": (14, 26)}
# The quantized types repack.wgsl splits, with its SRC for each (the ggml type id). Q4_K and Q5_K
# go up as file bytes (their super-blocks are whole vec4s and dequant.wgsl reads them in place).
REPACKED = {"Q4_0": 2, "Q4_1": 3, "Q8_0": 8, "Q5_0": 6, "Q5_1": 7, "Q6_K": 14}
# Bytes of the scales buffer per 256 elements, for the repacked types (default: a word a block).
SCALE_BYTES_PER_256 = {"Q5_0": 64, "Q5_1": 64, "Q6_K": 4}
UPLOAD_BATCH_BYTES = 64 << 20  # file bytes whose repacks load_weights submits together

def grid(workgroups, limit=65535):
    """(x, y) workgroup counts covering `workgroups` while x stays under the per-dimension limit;
    kernels rebuild the linear index as x + y * num_workgroups.x."""
    if workgroups <= limit:
        return max(1, workgroups), 1
    return limit, -(-workgroups // limit)


@dataclass
class Part:
    """Rows row0 .. row0+rows-1 of a tensor, in their own buffers (scales: a dummy for floats)."""
    quants: object
    scales: object
    row0: int
    rows: int


@dataclass
class GpuTensor:
    name: str
    shape: tuple       # ggml order: shape[0] = elements per row (contiguous)
    type_name: str     # ggml type in the file
    fmt: int           # GPU format code (dequant.wgsl)
    parts: list

    @property
    def cols(self):
        return self.shape[0]

    @property
    def rows(self):
        return tensor_rows(self)


def expected_shapes(config):
    """Tensor name -> ggml shape, for every tensor a llama model needs."""
    h, kv = config.hidden, config.n_kv_heads * config.head_dim
    q = config.n_heads * config.head_dim
    shapes = {"token_embd.weight": (h, config.vocab), "output_norm.weight": (h,)}
    if not config.tied_embeddings:
        shapes["output.weight"] = (h, config.vocab)
    per_layer = {"attn_norm": (h,), "ffn_norm": (h,), "attn_q": (h, q), "attn_k": (h, kv),
                 "attn_v": (h, kv), "attn_output": (q, h), "ffn_gate": (h, config.ffn),
                 "ffn_up": (h, config.ffn), "ffn_down": (config.ffn, h)}
    for i in range(config.n_layers):
        for part, shape in per_layer.items():
            shapes[f"blk.{i}.{part}.weight"] = shape
        if config.qkv_bias:  # qwen2: biases of the q, k, v projections
            for part, n in (("attn_q", q), ("attn_k", kv), ("attn_v", kv)):
                shapes[f"blk.{i}.{part}.bias"] = (n,)
    if config.rope_freqs:  # Llama 3.1+: one frequency divisor per rotated pair
        shapes["rope_freqs.weight"] = (config.rope_dim // 2,)
    return shapes


SUPPORTED_ARCHS = ("llama", "qwen2")
# 1-D tensors kernels read as plain floats (norm weights, biases, rope factors)
FLOAT_VECTOR_TYPES = ("F32",)


def check_model(gguf, config, source_size):
    """Raise GGUFError naming the first reason this file can't run here."""
    if config.arch not in SUPPORTED_ARCHS:
        raise GGUFError(f"unsupported architecture {config.arch!r}: this engine runs "
                        + " and ".join(repr(a) for a in SUPPORTED_ARCHS) + " models")
    if config.rope_dim != config.head_dim or config.head_dim % 4 or config.head_dim > 256:
        raise GGUFError(f"unsupported head layout: head_dim {config.head_dim}, rope_dim {config.rope_dim}")
    if config.n_heads % config.n_kv_heads:
        raise GGUFError(f"{config.n_heads} heads can't be grouped over {config.n_kv_heads} KV heads")
    for name, shape in expected_shapes(config).items():
        info = gguf.tensors.get(name)
        if info is None:
            raise GGUFError(f"tensor {name!r} is missing from the model file")
        check_supported(info)
        if tuple(info.shape) != shape:
            raise GGUFError(f"tensor {name!r} has shape {tuple(info.shape)}, expected {shape}")
        if len(shape) == 1 and info.type_name not in FLOAT_VECTOR_TYPES:
            raise GGUFError(f"tensor {name!r} is {info.type_name}; vectors must be F32")
        if len(shape) > 1 and shape[0] % 32:
            raise GGUFError(f"tensor {name!r}: rows of {shape[0]} are not whole 32-element blocks")
        if info.offset + info.nbytes > source_size:
            raise GGUFError(f"model file truncated: tensor {name!r} needs bytes up to "
                            f"{info.offset + info.nbytes}, the file has {source_size}")


def rows_per_part(info, max_part_bytes):
    """Rows of the tensor each of its GPU buffers holds: no buffer (file bytes or repacked
    quants) bigger than one binding may be."""
    _, quant_bytes = GPU_FORMATS[info.type_name]
    rows = tensor_rows(info)
    return max(1, max_part_bytes // max(info.nbytes // rows, info.shape[0] // 32 * quant_bytes))


def tensor_rows(info):
    """Rows of a tensor (a TensorInfo or GpuTensor): every dimension but the contiguous first."""
    rows = 1
    for dim in info.shape[1:]:
        rows *= dim
    return rows


class Uploader:
    """Puts tensors on the GPU, splitting any bigger than `max_part_bytes` into row ranges, or
    into their slice of a fused buffer pair (fuse()). Repacks are recorded together and submitted
    once `batch_bytes` of file bytes wait (0: after each tensor); call flush() before using the
    last tensors. A submit per tensor cost ~0.1 ms each in Deno (270 for SmolLM2), and the file
    bytes waiting stay bounded."""

    def __init__(self, device, max_part_bytes=None, batch_bytes=0):
        self.device = device
        self.max_part_bytes = max_part_bytes or device.max_binding_size
        # (at most one buffer's worth: the batch's file bytes share one, see _file_bytes)
        self.batch_bytes = min(batch_bytes, getattr(device, "max_buffer_size", device.max_binding_size))
        self.repack = {}  # SRC -> kernel
        self.no_scales = device.create_buffer(16, label="no scales (float weights)")
        self._slots = {}  # tensor name -> (FusedRows, its first block) for fused tensors
        self._rec, self._raw, self._waiting = None, [], 0  # repacks recorded, their file bytes
        self._batch = None  # (buffer, bytes used): the file bytes of the repacks recorded

    def flush(self):
        """Submit the recorded repacks and free their file bytes (WebGPU frees them once run)."""
        if self._rec is not None:
            self.device.submit(self._rec)
        for raw in self._raw:
            raw.destroy()
        self._rec, self._raw, self._waiting, self._batch = None, [], 0, None

    def _file_bytes(self, size, label):
        """Room for `size` file bytes to repack: (buffer, offset to upload at, what to bind).
        Batched, a slice of one buffer of batch_bytes (256-aligned, as bindings must be): one
        buffer per 64 MB instead of one per tensor (each ~30 us to make in Deno, ~200 tensors)."""
        padded = (size + 3) & ~3
        if padded > self.batch_bytes:
            raw = self.device.create_buffer(size, label=label + " (file bytes)")
            self._raw.append(raw)
            return raw, 0, raw
        if self._batch is None or self._batch[1] + padded > self.batch_bytes:
            self.flush()
            self._batch = (self.device.create_buffer(self.batch_bytes, label="file bytes to repack"), 0)
            self._raw.append(self._batch[0])
        buffer, at = self._batch
        self._batch = (buffer, ceil_div(at + padded, 256) * 256)
        return buffer, at, (buffer, at, padded)

    def fuse(self, infos, label):
        """One buffer pair for these tensors' rows, in order (a fused kernel binds one matrix; see
        can_fuse): tensor() then puts each straight into its slice. Segments start at multiples of
        SEGMENT_BLOCKS blocks, so every slice is 256-byte aligned for binding."""
        fmt, quant_bytes = GPU_FORMATS[infos[0].type_name]
        starts, total = [], 0
        for info in infos:
            starts.append(total)
            total += ceil_div(info.n_elements // 32, SEGMENT_BLOCKS) * SEGMENT_BLOCKS
        quants = self.device.create_buffer(total * quant_bytes, label=label + " quants")
        floats = infos[0].type_name not in REPACKED  # no scales: every part shares a dummy
        scales = self.no_scales if floats else self.device.create_buffer(total * 4, label=label + " scales")
        rows = FusedRows(fmt, quants, scales, starts)
        for info, start in zip(infos, starts):
            self._slots[info.name] = (rows, start)
        return rows

    async def tensor(self, info, source):
        fmt, _ = GPU_FORMATS[info.type_name]
        if info.name in self._slots:
            parts = [await self._fused_part(info, source, *self._slots[info.name])]
        else:
            parts = [await self._part(info, source, row0, n) for row0, n in self._row_ranges(info)]
        if self._waiting >= self.batch_bytes:
            self.flush()
        return GpuTensor(info.name, tuple(info.shape), info.type_name, fmt, parts)

    def _row_ranges(self, info):
        rows, per_part = tensor_rows(info), rows_per_part(info, self.max_part_bytes)
        return [(row0, min(per_part, rows - row0)) for row0 in range(0, rows, per_part)]

    async def _part(self, info, source, row0, n):
        _, quant_bytes = GPU_FORMATS[info.type_name]
        file_row = info.nbytes // tensor_rows(info)
        offset, size = info.offset + row0 * file_row, n * file_row
        blocks = n * info.shape[0] // 32
        if info.type_name in REPACKED:
            quants = self.device.create_buffer(blocks * quant_bytes, label=info.name + " quants")
            scales = self.device.create_buffer(blocks * SCALE_BYTES_PER_256.get(info.type_name, 32) // 8,
                                               label=info.name + " scales")
            await self._repack(source, offset, size, quants, scales, info)
        else:
            quants, scales = self.device.create_buffer(size, label=info.name), self.no_scales
            self.device.upload(quants, source, offset, size)
        return Part(quants, scales, row0, n)

    async def _fused_part(self, info, source, rows, start):
        """The whole tensor into its slice of `rows` (FusedRows): no copy of its own first."""
        _, quant_bytes = GPU_FORMATS[info.type_name]
        blocks = info.n_elements // 32
        quants = (rows.quants, start * quant_bytes, blocks * quant_bytes)
        if info.type_name in REPACKED:
            scales = (rows.scales, start * 4, blocks * 4)
            await self._repack(source, info.offset, info.nbytes, quants, scales, info)
        else:
            scales = rows.scales
            self.device.upload(rows.quants, source, info.offset, info.nbytes, dst_offset=start * quant_bytes)
        return Part(quants, scales, 0, tensor_rows(info))

    async def _repack(self, source, offset, size, quants, scales, info):
        """File bytes up, then repack.wgsl splits them into quants and scales (buffers or slices)."""
        device = self.device
        # The file bytes last: on the CPU backend (one linear memory, first fit) the freed scratch
        # is then the top of the heap again, not a hole between this tensor and the next.
        buffer, at, raw = self._file_bytes(size, info.name)
        device.upload(buffer, source, offset, size, dst_offset=at)
        src = REPACKED[info.type_name]
        if src not in self.repack:
            self.repack[src] = await load_kernel(device, "repack", {"SRC": src})
        kernel = self.repack[src]
        if self._rec is None:
            self._rec = device.record()
        file_blocks = size // GGML_TYPES_BY_NAME[info.type_name].block_bytes  # one invocation each
        self._rec.dispatch(kernel, device.bind(kernel, [raw, quants, scales]), *grid(ceil_div(file_blocks, 64)))
        self._waiting += size


def ceil_div(a, b):
    return -(-a // b)


@dataclass
class FusedRows:
    """Several matrices' rows in one pair of buffers (a fused kernel binds one matrix): tensor i's
    first block is blocks[i]. Each tensor's part is a slice of these buffers."""
    fmt: int
    quants: object
    scales: object
    blocks: list


SEGMENT_BLOCKS = 64  # segments start at multiples of 64 blocks: 256-byte aligned slices to bind


FUSABLE_TYPES = ("F32", "F16", "Q4_0", "Q4_1", "Q8_0")   # a scale word a block: Uploader.fuse's layout
# Each layer's matrices that fused kernels read as one (fused.py): its q/k/v and its ffn's.
FUSED_GROUPS = {"qkv": ("attn_q", "attn_k", "attn_v"), "ffn": ("ffn_gate", "ffn_up", "ffn_down")}


def can_fuse(infos, max_part_bytes):
    """One format (of FUSABLE_TYPES) and each tensor in one buffer part (what Uploader.fuse needs)."""
    return (len({t.type_name for t in infos}) == 1 and infos[0].type_name in FUSABLE_TYPES
            and all(rows_per_part(t, max_part_bytes) >= tensor_rows(t) for t in infos))


async def load_weights(device, gguf, config, source, max_part_bytes=None, fuse=False):
    """Upload every tensor the model needs: (name -> GpuTensor, the FusedRows of each layer's
    FUSED_GROUPS when `fuse`, keyed "blk.{i}.qkv" / "blk.{i}.ffn"). check_model first."""
    # Real GPUs only: CPU backends would hold the waiting file bytes in their (wasm) memory.
    uploader = Uploader(device, max_part_bytes, batch_bytes=0 if device.is_cpu else UPLOAD_BATCH_BYTES)
    fused = {}
    for i in range(config.n_layers if fuse else 0):
        for label, parts in FUSED_GROUPS.items():
            infos = [gguf.tensors[f"blk.{i}.{part}.weight"] for part in parts]
            fused[f"blk.{i}.{label}"] = uploader.fuse(infos, f"blk.{i}.{label}")
    weights = {name: await uploader.tensor(gguf.tensors[name], source) for name in expected_shapes(config)}
    uploader.flush()
    return weights, fused
