"""Byte sources for the GGUF reader: any object with an int attribute ``size`` and a method
``read(offset, size) -> bytes``. In the browser the model is a JS ArrayBuffer behind such a source;
natively a file is memory-mapped (``FileSource``) and tests use bytes (``BytesSource``)."""

from __future__ import annotations

from typing import Protocol


class Source(Protocol):
    size: int

    def read(self, offset: int, size: int) -> bytes: ...


class BytesSource:
    """A source over bytes, bytearray, memoryview or mmap held in memory."""

    def __init__(self, data):
        self._view = memoryview(data).cast("B")
        self.size = len(self._view)

    def read(self, offset: int, size: int) -> bytes:
        return self._view[offset:offset + size].tobytes()

    def view(self, offset: int, size: int) -> memoryview:
        """Zero-copy view of a byte range (e.g. a tensor's data)."""
        return self._view[offset:offset + size]


class FileSource(BytesSource):
    """A source over a file on disk, memory-mapped read-only (native Python)."""

    def __init__(self, path):
        import mmap  # only native Python needs it; the browser uses BytesSource or its own source

        self._file = open(path, "rb")
        try:
            file_size = self._file.seek(0, 2)
            # mmap refuses empty files; an empty file is still a (truncated) source.
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if file_size else None
        except BaseException:
            self._file.close()
            raise
        super().__init__(self._map if self._map is not None else b"")

    def close(self) -> None:
        self._view.release()
        if self._map is not None:
            self._map.close()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
