"""Models the person brings (#14): a GGUF file they pick or drop, or a URL, copied into the
browser's model storage so weights_cache opens it like a shipped model. Browser only.

    head = await inspect_source(source)     # source: a JS File or an absolute URL (str);
                                            # head.info: model_info.ModelInfo, or ImportProblem
    manifest = await import_model(source, head.size, model_id, manifest_url, extra, progress)

Python only orchestrates: the header bytes come to Python to be parsed (model_info.read_header);
the weights are streamed by site/model-import.mjs (a PyScript js_module) from the File or the
response into the Cache API in shards of SHARD_SIZE, each hashed with crypto.subtle. The cache
entries and the manifest have the shape download_model() writes (shard_store.py, weights_cache
.py), so open_model() verifies every shard on each load and an interrupted copy resumes after
the last whole shard stored (a URL by a Range request where the server supports it). Where a
model is stored and what it is called is the app's business (todo_app.assistant.catalog).
"""
import json

from .gguf import GGUFError
from .model_info import inspect_model, read_header

MODULE_NAME = "model_import"        # site/model-import.mjs as PyScript's js_modules names it
SHARD_SIZE = 64 * 1024 * 1024       # like the build's shards: the Cache API refuses huge entries
MANIFEST_FORMAT = 1                 # weights_cache.MANIFEST_FORMAT


class ImportProblem(Exception):
    """The file or URL cannot be used; the message says why, for the person."""


class Head:
    """What inspect_source learnt: the file's size, its name and its ModelInfo."""

    def __init__(self, size, file_name, info):
        self.size, self.file_name, self.info = size, file_name, info


def source_name(source):
    """The file name of a File, or the last path segment of a URL."""
    if isinstance(source, str):
        return source.split("?")[0].split("#")[0].rstrip("/").rsplit("/", 1)[-1] or source
    return str(source.name)


def _module():
    from pyscript import js_modules
    return getattr(js_modules, MODULE_NAME)


def _reason(error):
    """The sentence of a JS error thrown by model-import.mjs (without "Error: " and the like)."""
    text = str(getattr(error, "message", "") or error)
    name, sep, rest = text.partition(": ")
    return rest if sep and name.endswith("Error") and " " not in name else text


async def _read_head(module, source, n, name):
    from pyodide.ffi import JsException
    try:
        return await module.readHead(source, n)
    except JsException as error:
        raise ImportProblem(f"{name}: {_reason(error)}.") from None


async def inspect_source(source):
    """Read the header (only its bytes reach Python) and check the model can run here.
    Raises ImportProblem naming what is wrong: not reachable, not a GGUF, truncated, an
    unsupported architecture / tensor type / tokenizer."""
    module, name = _module(), source_name(source)
    size = int((await _read_head(module, source, 16, name)).size)

    async def read_prefix(n):
        return (await _read_head(module, source, n, name)).bytes.to_bytes()

    try:
        gguf = await read_header(read_prefix, size)
        info = inspect_model(gguf, size)
    except GGUFError as error:
        raise ImportProblem(f"{name} cannot be used: {error}.") from None
    return Head(size, name, info)


async def import_model(source, size, model_id, manifest_url, extra, progress=None,
                       shard_size=SHARD_SIZE):
    """Copy the model into the Cache API in hashed shards next to manifest_url, then store the
    manifest ({format, model_id, size, shard_size, shards} + `extra`). progress(done, total) in
    bytes. Returns the manifest. A copy that does not fit is removed again (QuotaError); an
    interrupted one keeps its shards and resumes when started again."""
    from pyodide.ffi import JsException, create_proxy, to_js
    from js import Object

    from . import weights_cache as W
    from .shard_store import MODEL_HEADER, SHA_HEADER
    url = W.absolute(manifest_url)
    folder = url.rsplit("/", 1)[0] + "/"
    on_progress = create_proxy(lambda done, total: progress and progress(int(done), int(total)))
    options = {"source": source, "size": size, "modelId": model_id, "folderUrl": folder,
               "shardSize": shard_size, "cacheName": W.MODELS_CACHE, "shaHeader": SHA_HEADER,
               "modelHeader": MODEL_HEADER, "onProgress": on_progress}
    try:
        shards = (await _module().importModel(to_js(options, dict_converter=Object.fromEntries))).to_py()
    except JsException as error:
        if getattr(error, "name", "") == "QuotaExceededError":
            await W.delete_model(model_id)
            raise W.QuotaError(W.quota_message(size, removed=True)) from None
        raise ImportProblem(f"{source_name(source)}: {_reason(error)}.") from None
    finally:
        on_progress.destroy()
    manifest = {**extra, "format": MANIFEST_FORMAT, "model_id": model_id, "size": size,
                "shard_size": shard_size, "shards": shards}
    cache = await W.open_cache()
    await W.store(cache, url, json.dumps(manifest), "application/json", model_id)
    return manifest
