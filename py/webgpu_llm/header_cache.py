"""The parsed GGUF header, remembered beside the weights: a warm load reads JSON, not GGUF strings.

SmolLM2's header holds its tokenizer: 49,152 tokens and 48,900 merges, 1.8 MB of length-prefixed
strings that read_gguf walks one at a time in Python (0.07-0.1 s in CPython here, slower in
Pyodide, slower still right after a Pyodide snapshot is restored). json.loads reads the same
values in C, about 4x faster. A source that can keep the result (the browser's weights cache:
`ModelSource.header_cache`, tied to the model's sha256 and deleted with it) gets it stored after
the first parse; sources without one (files, natively) are parsed every time.

    gguf = await read_gguf_remembered(source)

`header_cache` is any object with `async get() -> str | None` and `async put(text)`.
"""
import json

from .gguf import GGUFFile, TensorInfo, read_gguf

FORMAT = 1  # of the JSON below; a stored header of another format is parsed again


def to_json(gguf):
    """The parse of a GGUF file as JSON text (its metadata and tensor table, not its bytes)."""
    tensors = [[t.name, list(t.shape), t.ggml_type, t.type_name, t.offset, t.nbytes, t.n_elements]
               for t in gguf.tensors.values()]
    return json.dumps({"format": FORMAT, "size": gguf.source.size, "version": gguf.version,
                       "metadata": gguf.metadata, "tensors": tensors, "alignment": gguf.alignment,
                       "data_offset": gguf.data_offset}, separators=(",", ":"))


def from_json(text, source):
    """The GGUFFile to_json described, over `source`; ValueError if the text is not such a
    description of a file of source's size."""
    try:
        header = json.loads(text)
        if header["format"] != FORMAT or header["size"] != source.size:
            raise ValueError("a header of another format or file")
        tensors = {row[0]: TensorInfo(row[0], tuple(row[1]), *row[2:]) for row in header["tensors"]}
        return GGUFFile(header["version"], header["metadata"], tensors, header["alignment"],
                        header["data_offset"], source)
    except (KeyError, TypeError, IndexError) as error:
        raise ValueError(f"not a stored GGUF header ({type(error).__name__})") from None


async def read_gguf_remembered(source):
    """read_gguf(source), from the source's header cache when it holds this file's header; a
    fresh parse is stored there. The cache failing (storage full, unreadable entry) only costs
    the parse: it never fails a load."""
    cache = getattr(source, "header_cache", None)
    if cache is None:
        return read_gguf(source)
    try:
        text = await cache.get()
        if text:
            return from_json(text, source)
    except Exception:  # noqa: BLE001 (any storage or format trouble: parse the file instead)
        pass
    gguf = read_gguf(source)
    try:
        await cache.put(to_json(gguf))
    except Exception:  # noqa: BLE001
        pass
    return gguf
