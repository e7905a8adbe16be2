"""Model weights in the browser's Cache API: download once, verify, resume, open offline.

The build splits each GGUF into shards of at most 64 MB (the Cache API refuses very large
entries) next to a manifest.json (see tools/pwa.py)::

    {"model_id": ..., "file_name": ..., "size": N, "sha256": ...,
     "shards": [{"file": "shard-000.bin", "offset": 0, "size": ..., "sha256": ...}, ...]}

Shards are stored in their own cache, MODELS_CACHE, which app updates leave alone. Shard bytes
never enter Python: they go from fetch() into a JS Uint8Array, are hashed with
crypto.subtle.digest and stored, and open_model() copies them into one JS ArrayBuffer that the
GPU upload path reads (webgpu_llm.gpu.browser: `upload(buffer, source, offset, size)`).

    manifest = await fetch_manifest(url)   # network first, cached copy offline
    await model_cached(url)                # all shards stored? (cheap, no hashing)
    await download_model(url, progress)    # progress(bytes_done, bytes_total); resumes
    source = await open_model(url)         # verifies every shard, re-fetches bad ones
    source.array_buffer                    # the whole GGUF (JS ArrayBuffer)
    source.read(0, 4)                      # b"GGUF" (Python bytes; for header parsing only)
    await delete_model(model_id); await storage_estimate()

Works in the page and in a worker (Pyodide; uses `js` and `pyodide.ffi`). Relative URLs resolve
against `location`; a worker (PyScript's may run from a blob: URL) should pass absolute URLs.
Cache keys are the shards' absolute URLs.
"""
import inspect
import json

import js
from pyodide.ffi import JsException, to_js

MODELS_CACHE = "models-v1"
SHA_HEADER = "X-Content-Sha256"
MODEL_HEADER = "X-Model-Id"
PROGRESS_STEP = 1 << 20  # report progress at most once per MiB (and at each shard's end)
MANIFEST_FORMAT = 1


class WeightsError(Exception):
    """Base class; the message is meant for the user."""


class StorageError(WeightsError):
    """The browser cannot store the model: no Cache API here, quota exceeded, storage failure."""


class DownloadError(WeightsError):
    """A manifest or shard could not be fetched (offline, HTTP error, interrupted)."""


class IntegrityError(DownloadError):
    """A downloaded shard does not match its sha256 (or size) in the manifest."""


class ModelSource:
    """The whole model file as one JS ArrayBuffer; `read` gives small ranges as Python bytes."""

    def __init__(self, array_buffer, manifest, repaired=()):
        self.array_buffer = array_buffer
        self.size = int(array_buffer.byteLength)
        self.manifest = manifest
        self.model_id = manifest["model_id"]
        self.repaired = list(repaired)  # indices of shards re-fetched because bad or missing

    def read(self, offset, size):
        if offset < 0 or size < 0:
            raise ValueError("negative offset or size")
        end = min(offset + size, self.size)
        if offset >= end:
            return b""
        return js.Uint8Array.new(self.array_buffer, offset, end - offset).to_bytes()


# -- helpers ------------------------------------------------------------------------------------

def _js(value):
    return to_js(value, dict_converter=js.Object.fromEntries)


def _absolute(url, base=None):
    try:
        return str(js.URL.new(url, base or js.location.href).href)
    except JsException:  # e.g. a relative URL in a worker started from a blob: URL
        raise ValueError(f"cannot resolve {url!r} here: pass an absolute URL") from None


def _error_name(error):
    name = getattr(error, "name", None)
    if isinstance(name, str) and name:
        return name
    text = str(error)
    return text.split(":", 1)[0] if ":" in text else ""


def _mb(n):
    return f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


async def _call(progress, done, total):
    if progress is not None:
        result = progress(done, total)
        if inspect.isawaitable(result):
            await result


async def _open_cache():
    caches = getattr(js, "caches", None)
    if not caches:
        raise StorageError("This browser window offers no offline storage (private browsing, or a "
                           "page not served over HTTPS?), so the model cannot be downloaded.")
    try:
        return await caches.open(MODELS_CACHE)
    except JsException as error:
        raise StorageError(f"Offline storage is unavailable in this browser window ({error}).") from None


def _check_manifest(manifest, url):
    try:
        ok = (manifest.get("format", MANIFEST_FORMAT) == MANIFEST_FORMAT and
              isinstance(manifest["model_id"], str) and manifest["model_id"] and
              sum(s["size"] for s in manifest["shards"]) == manifest["size"] and
              all(isinstance(s["sha256"], str) and len(s["sha256"]) == 64 for s in manifest["shards"]))
    except (AttributeError, KeyError, TypeError):
        ok = False
    if not ok:
        raise DownloadError(f"The model manifest at {url} is not valid.")
    return manifest


async def _network_manifest(url):
    try:
        response = await js.fetch(url, _js({"cache": "no-store"}))
    except JsException:
        raise DownloadError("Could not download the model manifest (are you offline?).") from None
    if not response.ok:
        raise DownloadError(f"Could not download the model manifest (HTTP {response.status}).")
    text = await response.text()
    try:
        return _check_manifest(json.loads(text), url), text
    except ValueError:
        raise DownloadError(f"The model manifest at {url} is not valid.") from None


async def _cached_manifest(cache, url):
    response = await cache.match(url)
    if not response:
        return None, None
    text = await response.text()
    try:
        return _check_manifest(json.loads(text), url), text
    except (ValueError, DownloadError):
        return None, None


async def _store(cache, url, body, content_type, model_id, sha256=None):
    headers = {"Content-Type": content_type, MODEL_HEADER: model_id}
    if sha256:
        headers[SHA_HEADER] = sha256
    try:
        await cache.put(url, js.Response.new(body, _js({"headers": headers})))
    except JsException as error:
        if _error_name(error) == "QuotaExceededError" or "quota" in str(error).lower():
            raise StorageError("Not enough storage space for the model. Free some space (for example "
                               "delete other downloaded models) and try again.") from None
        raise StorageError(f"Could not save the model in this browser's storage ({error}).") from None


async def _sha256_hex(data):
    digest = await js.crypto.subtle.digest("SHA-256", data)
    return js.Uint8Array.new(digest).to_bytes().hex()


def _shard_url(manifest_url, shard):
    return _absolute(shard["file"], manifest_url)


async def _is_cached(cache, url, shard):
    """Cheap check (no hashing): an entry exists and was stored for this shard's sha256."""
    response = await cache.match(url)
    return bool(response) and response.headers.get(SHA_HEADER) == shard["sha256"]


async def _verified_cached_shard(cache, url, shard):
    """The cached shard as a Uint8Array if its bytes match the manifest, else None."""
    response = await cache.match(url)
    if not response:
        return None
    try:
        data = js.Uint8Array.new(await response.arrayBuffer())
    except JsException:  # the entry's body could not be read back
        return None
    if data.length != shard["size"] or await _sha256_hex(data) != shard["sha256"]:
        return None
    return data


async def _fetch_shard(url, shard, on_bytes):
    """Download one shard into a JS Uint8Array and verify it; on_bytes(n) after each chunk."""
    name, size = shard["file"], shard["size"]
    try:
        response = await js.fetch(url, _js({"cache": "no-store"}))
    except JsException:
        raise DownloadError(f"Could not download {name} (network error; are you offline?).") from None
    if not response.ok:
        raise DownloadError(f"Could not download {name} (HTTP {response.status}).")
    data = js.Uint8Array.new(size)
    offset = 0
    try:
        if response.body:
            reader = response.body.getReader()
            while True:
                chunk = await reader.read()
                if chunk.done:
                    break
                value = chunk.value
                n = int(value.length)
                if offset + n > size:
                    raise IntegrityError(f"{name} is larger than the manifest says.")
                data.set(value, offset)
                offset += n
                await on_bytes(n)
        else:
            whole = js.Uint8Array.new(await response.arrayBuffer())
            if whole.length > size:
                raise IntegrityError(f"{name} is larger than the manifest says.")
            data.set(whole, 0)
            offset = int(whole.length)
            await on_bytes(offset)
    except JsException:
        raise DownloadError(f"The download of {name} was interrupted.") from None
    if offset != size:
        raise IntegrityError(f"{name} is incomplete ({offset} of {size} bytes).")
    if await _sha256_hex(data) != shard["sha256"]:
        raise IntegrityError(f"{name} is damaged (its checksum does not match).")
    return data


async def _fetch_and_store(cache, manifest_url, shard, model_id, on_bytes):
    """Fetch a shard (one retry if it arrives damaged), store it, return its bytes (JS)."""
    url = _shard_url(manifest_url, shard)
    try:
        data = await _fetch_shard(url, shard, on_bytes)
    except IntegrityError:
        data = await _fetch_shard(url, shard, on_bytes)
    await _store(cache, url, data, "application/octet-stream", model_id, shard["sha256"])
    return data


async def _prune(cache, model_id, keep):
    """Drop this model's entries that its current manifest no longer names (an older version)."""
    for request in await cache.keys():
        if str(request.url) not in keep:
            response = await cache.match(request)
            if response and response.headers.get(MODEL_HEADER) == model_id:
                await cache.delete(request)


class _Progress:
    def __init__(self, callback, done, total):
        self.callback, self.done, self.total = callback, done, total
        self.reported = -1

    async def add(self, n):
        self.done += n
        if self.done - self.reported >= PROGRESS_STEP or self.done >= self.total:
            await self.report()

    async def report(self):
        self.reported = self.done
        await _call(self.callback, min(self.done, self.total), self.total)


# -- public API ---------------------------------------------------------------------------------

async def storage_estimate():
    """{"usage": bytes, "quota": bytes, "persisted": bool or None} (zeros if unknown)."""
    storage = getattr(js.navigator, "storage", None)
    if not storage:
        return {"usage": 0, "quota": 0, "persisted": None}
    try:
        estimate = await storage.estimate()
        persisted = bool(await storage.persisted()) if getattr(storage, "persisted", None) else None
    except JsException:
        return {"usage": 0, "quota": 0, "persisted": None}
    return {"usage": int(estimate.usage or 0), "quota": int(estimate.quota or 0), "persisted": persisted}


async def request_persistence():
    """Ask the browser not to evict our storage under pressure; returns whether it agreed."""
    storage = getattr(js.navigator, "storage", None)
    if not storage or not getattr(storage, "persist", None):
        return False
    try:
        return bool(await storage.persist())
    except JsException:
        return False


async def fetch_manifest(manifest_url):
    """The model's manifest (dict): the cached copy once the model is downloaded (a model id names
    fixed bytes, and offline the network would only log errors), else from the network.
    Raises DownloadError when neither is available."""
    url = _absolute(manifest_url)
    try:
        manifest, _ = await _cached_manifest(await _open_cache(), url)
    except StorageError:
        manifest = None
    if manifest is not None:
        return manifest
    return (await _network_manifest(url))[0]


async def download_model(manifest_url, progress=None):
    """Download every shard not yet cached (verified by sha256), then the manifest.

    progress(bytes_done, bytes_total) may be a plain or an async function; shards already cached
    count as done. Interrupted downloads resume: only missing shards are fetched again.
    Returns {"model_id", "size", "shards", "fetched": [shard indices], "persisted"}.
    Raises DownloadError (network, damaged data) or StorageError (no storage, quota exceeded)."""
    url = _absolute(manifest_url)
    cache = await _open_cache()
    try:
        manifest, text = await _network_manifest(url)
    except DownloadError:
        manifest, text = await _cached_manifest(cache, url)
        if manifest is None:
            raise
    model_id, total = manifest["model_id"], manifest["size"]
    missing, done = [], 0
    for index, shard in enumerate(manifest["shards"]):
        if await _is_cached(cache, _shard_url(url, shard), shard):
            done += shard["size"]
        else:
            missing.append(index)
    persisted = await request_persistence()
    needed = sum(manifest["shards"][i]["size"] for i in missing)
    estimate = await storage_estimate()
    if needed and estimate["quota"] and estimate["quota"] - estimate["usage"] < needed:
        free = max(0, estimate["quota"] - estimate["usage"])
        raise StorageError(f"Not enough storage space for the model: it needs {_mb(needed)}, but only "
                           f"{_mb(free)} are free. Free some space and try again.")
    meter = _Progress(progress, done, total)
    await meter.report()
    for index in missing:
        await _fetch_and_store(cache, url, manifest["shards"][index], model_id, meter.add)
    await _store(cache, url, text, "application/json", model_id)
    await _prune(cache, model_id, {url} | {_shard_url(url, s) for s in manifest["shards"]})
    if meter.reported != total:
        await meter.report()
    return {"model_id": model_id, "size": total, "shards": len(manifest["shards"]),
            "fetched": missing, "persisted": persisted}


async def open_model(manifest_url, progress=None):
    """The cached model as a ModelSource (one JS ArrayBuffer of the whole GGUF).

    Every shard's sha256 is checked; a missing or damaged shard is fetched again (only that one;
    this needs the network) and `source.repaired` lists them. Uses the cached manifest first, so
    it works offline once download_model() has completed."""
    url = _absolute(manifest_url)
    cache = await _open_cache()
    manifest, text = await _cached_manifest(cache, url)
    if manifest is None:
        manifest, text = await _network_manifest(url)
    model_id, total = manifest["model_id"], manifest["size"]
    try:
        buffer = js.ArrayBuffer.new(total)
    except JsException:
        raise StorageError(f"Not enough memory to load the model ({_mb(total)}).") from None
    view = js.Uint8Array.new(buffer)
    repaired = []
    meter = _Progress(progress, 0, total)
    for index, shard in enumerate(manifest["shards"]):
        data = await _verified_cached_shard(cache, _shard_url(url, shard), shard)
        if data is None:
            try:
                data = await _fetch_and_store(cache, url, shard, model_id, _ignore)
            except DownloadError as error:
                raise DownloadError(f"Part {index + 1} of {len(manifest['shards'])} of the model is "
                                    f"missing or damaged and could not be downloaded again: {error}") from None
            repaired.append(index)
        view.set(data, shard["offset"])
        await meter.add(shard["size"])
    await _store(cache, url, text, "application/json", model_id)
    return ModelSource(buffer, manifest, repaired)


async def _ignore(n):
    return None


async def model_cached(manifest_url):
    """True if the manifest and every shard are cached (cheap: presence and recorded sha256;
    open_model() verifies the bytes)."""
    url = _absolute(manifest_url)
    try:
        cache = await _open_cache()
    except StorageError:
        return False
    manifest, _ = await _cached_manifest(cache, url)
    if manifest is None:
        return False
    for shard in manifest["shards"]:
        if not await _is_cached(cache, _shard_url(url, shard), shard):
            return False
    return True


async def delete_model(model_id):
    """Remove a model's shards and manifest from the cache; returns how many entries went."""
    cache = await _open_cache()
    removed = 0
    for request in await cache.keys():
        response = await cache.match(request)
        if response and response.headers.get(MODEL_HEADER) == model_id:
            if await cache.delete(request):
                removed += 1
    return removed
