"""Reader for GGUF model files (spec: ggml docs/gguf.md), pure stdlib.

The reader parses the header, the metadata and the tensor table, and reports
where each tensor's bytes lie in the file; it never copies tensor data. In the
browser the file is a JS ArrayBuffer, so everything is read through a *source*:
any object with an int attribute ``size`` and a method
``read(offset, size) -> bytes``. Each read may cross the JS/Python boundary,
so the header is read in large windows (see ``_Cursor``) rather than per field.

Typical use::

    gguf = read_gguf(FileSource(path))
    info = gguf.tensors["token_embd.weight"]   # .offset / .nbytes in the file

The model's hyper-parameters from the metadata: model_config.py.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

# Byte sources and the ggml type table live in their own modules; their names stay importable from here.
from .byte_sources import BytesSource, FileSource, Source  # noqa: F401
from .ggml_types import (GGML_TYPES, GGML_TYPES_BY_NAME, SUPPORTED_TYPE_NAMES, GGMLType,  # noqa: F401
                         is_whole_blocks, tensor_nbytes)

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
MAX_DIMS = 4  # GGML_MAX_DIMS
MAX_ARRAY_NESTING = 8
WINDOW_BYTES = 1 << 20
INT64_MAX = (1 << 63) - 1


class GGUFError(ValueError):
    """The file is not a GGUF file this reader can trust (the message says why)."""


@dataclass(frozen=True, slots=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]  # ggml order: ne0 (the contiguous dimension) first
    ggml_type: int
    type_name: str
    offset: int  # absolute byte offset in the file
    nbytes: int
    n_elements: int

    @property
    def supported(self) -> bool:
        return GGML_TYPES[self.ggml_type].supported


def check_supported(tensor: TensorInfo) -> None:
    """Raise GGUFError if this engine cannot run tensors of ``tensor``'s type."""
    if not tensor.supported:
        supported = ", ".join(sorted(SUPPORTED_TYPE_NAMES))
        raise GGUFError(
            f"tensor {tensor.name!r} has ggml type {tensor.type_name} "
            f"(id {tensor.ggml_type}), which is not supported (supported: {supported})")


# ------------------------------------------------------------ buffered reads

class _Cursor:
    """Sequential reader over a source that fetches big windows at a time."""

    def __init__(self, source: Source, window: int = WINDOW_BYTES):
        size = source.size
        if not isinstance(size, int) or size < 0:
            raise GGUFError(f"source size {size!r} is not a byte count")
        self.source, self.size, self.window = source, size, window
        self.pos, self.buf, self.buf_start = 0, b"", 0  # buf holds file bytes from buf_start

    def remaining(self) -> int:
        return self.size - self.pos

    def fill(self, n: int, what: str) -> int:
        """Make sure bytes [pos, pos+n) are buffered; return pos's index in buf."""
        if n > self.size - self.pos:
            raise GGUFError(f"file truncated: {what} needs {n} bytes at offset {self.pos}, "
                            f"but the file is {self.size} bytes long")
        local = self.pos - self.buf_start
        if local < 0 or local + n > len(self.buf):
            want = min(max(n, self.window), self.size - self.pos)
            data = self.source.read(self.pos, want)
            if len(data) < n:
                raise GGUFError(f"source returned {len(data)} bytes at offset {self.pos}, "
                                f"expected {want} (reading {what})")
            self.buf, self.buf_start, local = bytes(data), self.pos, 0
        return local

    def unpack(self, fmt: struct.Struct, what: str):
        local = self.fill(fmt.size, what)
        self.pos += fmt.size
        return fmt.unpack_from(self.buf, local)

    def u32(self, what: str) -> int:
        return self.unpack(_U32, what)[0]

    def u64(self, what: str) -> int:
        return self.unpack(_U64, what)[0]

    def string(self, what: str) -> str:
        return self.strings(1, what, one=True)[0]

    def strings(self, count: int, what: str, one: bool = False) -> list[str]:
        """Read ``count`` strings; the hot loop of header parsing (~100k token strings)."""
        out = []
        append, unpack_u64 = out.append, _U64.unpack_from
        buf, local = self.buf, self.pos - self.buf_start
        for index in range(count):
            if local < 0 or local + 8 > len(buf):
                local = self._refill(local, 8, what)
                buf = self.buf
            (n,) = unpack_u64(buf, local)
            if local + 8 + n > len(buf):
                local = self._refill(local, 8 + n, what)
                buf = self.buf
            start = local + 8
            local = start + n
            try:
                append(buf[start:local].decode("utf-8"))
            except UnicodeDecodeError:
                raise GGUFError(f"{what}{'' if one else f'[{index}]'} is not valid UTF-8") from None
        self.pos = self.buf_start + local
        return out

    def _refill(self, local: int, need: int, what: str) -> int:
        self.pos = self.buf_start + local
        return self.fill(need, what)


_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


# ------------------------------------------------------------- metadata values

# GGUF value type id -> struct code for the scalar types (UINT8 ... FLOAT64).
_SCALAR_CODES = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "B",
                 10: "Q", 11: "q", 12: "d"}
_BOOL, _STRING, _ARRAY = 7, 8, 9
_SCALAR_STRUCTS = {tid: struct.Struct("<" + code) for tid, code in _SCALAR_CODES.items()}
# Smallest encoding of one value of each type: rejects impossible counts early.
_MIN_VALUE_BYTES = {**{tid: f.size for tid, f in _SCALAR_STRUCTS.items()}, _STRING: 8, _ARRAY: 12}


def _check_value_type(value_type: int, what: str) -> None:
    if value_type not in _MIN_VALUE_BYTES:
        raise GGUFError(f"{what} has unknown value type {value_type}")


def _read_value(cur: _Cursor, value_type: int, what: str) -> Any:
    _check_value_type(value_type, what)
    if value_type == _STRING:
        return cur.string(what)
    if value_type == _ARRAY:
        return _read_array(cur, what, 0)
    (value,) = cur.unpack(_SCALAR_STRUCTS[value_type], what)
    return _as_bools([value], what)[0] if value_type == _BOOL else value


def _as_bools(values, what: str) -> list[bool]:
    if any(v not in (0, 1) for v in values):
        raise GGUFError(f"{what} has a bool that is neither 0 nor 1")
    return [bool(v) for v in values]


def _read_array(cur: _Cursor, what: str, depth: int) -> list:
    if depth >= MAX_ARRAY_NESTING:
        raise GGUFError(f"{what} nests arrays deeper than {MAX_ARRAY_NESTING}")
    item_type = cur.u32(f"element type of {what}")
    _check_value_type(item_type, f"element of {what}")
    count = cur.u64(f"length of {what}")
    if count * _MIN_VALUE_BYTES[item_type] > cur.remaining():
        raise GGUFError(f"{what} claims {count} elements, more than the remaining "
                        f"{cur.remaining()} bytes of the file can hold")
    if item_type == _STRING:
        return cur.strings(count, what)
    if item_type == _ARRAY:
        return [_read_array(cur, f"{what}[{i}]", depth + 1) for i in range(count)]
    size = _MIN_VALUE_BYTES[item_type]
    local = cur.fill(count * size, what)
    values = struct.unpack_from(f"<{count}{_SCALAR_CODES[item_type]}", cur.buf, local)
    cur.pos += count * size
    return _as_bools(values, what) if item_type == _BOOL else list(values)


# ----------------------------------------------------------------- the file

@dataclass(frozen=True)
class GGUFFile:
    version: int
    metadata: dict[str, Any]
    tensors: dict[str, TensorInfo]  # in file order
    alignment: int
    data_offset: int  # absolute offset of the tensor data section
    source: Any

    def tensor_bytes(self, name: str) -> bytes:
        """Copy of one tensor's raw bytes (for native code and tests; the browser
        should slice its ArrayBuffer with ``offset``/``nbytes`` instead)."""
        info = self.tensors[name]
        return self.source.read(info.offset, info.nbytes)


def read_gguf(source: Source) -> GGUFFile:
    """Parse header, metadata and tensor table of a GGUF file.

    Raises GGUFError for anything malformed: bad magic, unsupported version,
    truncation, counts or lengths the file cannot hold, tensors outside it.
    """
    cur = _Cursor(source)
    version, n_tensors, n_kv = _read_header(cur)
    metadata = _read_metadata(cur, n_kv)
    alignment = _alignment(metadata)
    raw_tensors = _read_tensor_table(cur, n_tensors)
    data_offset = (cur.pos + alignment - 1) // alignment * alignment
    tensors = {row[0]: _tensor_info(*row, alignment, data_offset, cur.size) for row in raw_tensors}
    return GGUFFile(version, metadata, tensors, alignment, data_offset, source)


def _read_header(cur: _Cursor) -> tuple[int, int, int]:
    local = cur.fill(4, "magic") if cur.size >= 4 else None
    if local is None or cur.buf[local:local + 4] != GGUF_MAGIC:
        raise GGUFError("not a GGUF file (bad magic: the file must start with b'GGUF')")
    cur.pos = 4
    version = cur.u32("version")
    if version not in SUPPORTED_VERSIONS:
        if version & 0xFFFF == 0 and (version >> 24) in SUPPORTED_VERSIONS:
            raise GGUFError("big-endian GGUF files are not supported")
        if version == 1:
            raise GGUFError("GGUF version 1 (32-bit counts) is not supported")
        raise GGUFError(f"unknown GGUF version {version} (supported: 2, 3)")
    n_tensors = cur.u64("tensor count")
    n_kv = cur.u64("metadata count")
    # Each entry takes some minimum number of bytes, so a count beyond what
    # the file could hold is corrupt; checking now avoids long loops and huge lists.
    if n_kv * 13 > cur.remaining():
        raise GGUFError(f"metadata count {n_kv} is larger than the file could hold")
    if n_tensors * 24 > cur.remaining():
        raise GGUFError(f"tensor count {n_tensors} is larger than the file could hold")
    return version, n_tensors, n_kv


def _read_metadata(cur: _Cursor, n_kv: int) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for index in range(n_kv):
        key = cur.string(f"metadata key #{index}")
        if key in metadata:
            raise GGUFError(f"duplicate metadata key {key!r}")
        value_type = cur.u32(f"type of metadata {key!r}")
        metadata[key] = _read_value(cur, value_type, f"metadata {key!r}")
    return metadata


def _alignment(metadata: dict[str, Any]) -> int:
    alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
    if (not isinstance(alignment, int) or isinstance(alignment, bool) or alignment <= 0
            or alignment & (alignment - 1)):
        raise GGUFError(f"general.alignment {alignment!r} is not a positive power of two")
    return alignment


def _read_tensor_table(cur: _Cursor, n_tensors: int) -> list[tuple[str, tuple, int, int]]:
    rows, seen = [], set()
    for index in range(n_tensors):
        name = cur.string(f"name of tensor #{index}")
        if name in seen:
            raise GGUFError(f"duplicate tensor name {name!r}")
        seen.add(name)
        n_dims = cur.u32(f"dimension count of tensor {name!r}")
        if n_dims > MAX_DIMS:
            raise GGUFError(f"tensor {name!r} has {n_dims} dimensions (at most {MAX_DIMS})")
        shape = cur.unpack(struct.Struct(f"<{n_dims}Q"), f"shape of tensor {name!r}")
        type_id = cur.u32(f"type of tensor {name!r}")
        rel_offset = cur.u64(f"offset of tensor {name!r}")
        rows.append((name, tuple(shape), type_id, rel_offset))
    return rows


def _tensor_info(name, shape, type_id, rel_offset, alignment, data_offset, file_size) -> TensorInfo:
    ggml_type = GGML_TYPES.get(type_id)
    if ggml_type is None:
        raise GGUFError(f"tensor {name!r} has unknown ggml type id {type_id}")
    n_elements = 1
    for dim in shape:
        n_elements *= dim
    if n_elements > INT64_MAX:
        raise GGUFError(f"tensor {name!r} shape {shape} has too many elements")
    if shape and not is_whole_blocks(ggml_type, shape[0]):
        raise GGUFError(f"tensor {name!r}: first dimension {shape[0]} is not a multiple of "
                        f"the {ggml_type.name} block size {ggml_type.block_size}")
    nbytes = tensor_nbytes(ggml_type, n_elements)
    if rel_offset % alignment:
        raise GGUFError(f"tensor {name!r} offset {rel_offset} is not a multiple of "
                        f"the alignment {alignment}")
    offset = data_offset + rel_offset
    if offset + nbytes > file_size:
        raise GGUFError(f"tensor {name!r} data [{offset}, {offset + nbytes}) lies outside "
                        f"the file ({file_size} bytes)")
    return TensorInfo(name, shape, type_id, ggml_type.name, offset, nbytes, n_elements)
