"""Model weights in the browser's Cache API: download once, verify, resume, open offline.

The build splits each GGUF into shards of at most 64 MB (the Cache API refuses very large
entries) next to a manifest.json (see tools/pwa.py)::

    {"model_id": ..., "file_name": ..., "size": N, "sha256": ...,
     "shards": [{"file": "shard-000.bin", "offset": 0, "size": ..., "sha256": ...}, ...]}

Shards are stored in their own cache, MODELS_CACHE, which app updates leave alone. Shard bytes
never enter Python: they go from fetch() into a JS Uint8Array, are hashed with
crypto.subtle.digest and stored, and open_model() copies them into one JS ArrayBuffer that the
GPU upload path reads (webgpu_llm.gpu.browser: `upload(buffer, source, offset, size)`).

    manifest = await fetch_manifest(url)   # cached copy once downloaded, else the network
    await model_cached(url)                # all shards stored? (cheap, no hashing)
    await download_model(url, progress)    # progress(bytes_done, bytes_total); resumes
    source = await open_model(url)         # verifies every shard, re-fetches bad ones
    source.array_buffer                    # the whole GGUF (JS ArrayBuffer)
    source.read(0, 4)                      # b"GGUF" (Python bytes; for header parsing only)
    source.header_cache                    # the parsed header, kept beside the shards (header_cache.py)
    await delete_model(model_id); await storage_estimate()

Works in the page and in a worker (Pyodide; uses `js` and `pyodide.ffi`). Relative URLs resolve
against `location`; a worker (PyScript's may run from a blob: URL) should pass absolute URLs.
Cache keys are the shards' absolute URLs.
"""
import asyncio
import hashlib
import inspect
import json

import js
from pyodide.ffi import JsException

# Errors, MODELS_CACHE and sha256_hex are re-exported: they are part of this module's API.
from .shard_store import (MODELS_CACHE, SHA_HEADER, DownloadError, IntegrityError,  # noqa: F401
                          QuotaError, StorageError, WeightsError, absolute, entries_of,
                          fetch_and_store, is_cached, js_object, mb, open_cache, prune,
                          quota_message, sha256_hex, shard_url, store, verified_cached_shard)

PROGRESS_STEP = 1 << 20  # report progress at most once per MiB (and at each shard's end)
MANIFEST_FORMAT = 1
HEADER_ENTRY = "gguf-header.json"  # beside the manifest: no such file is served, only cached


class HeaderCache:
    """The model's parsed GGUF header (header_cache.py's JSON) in the models cache: tagged with
    the model's id, so delete_model removes it, and with a digest of its shards' sha256s (the
    bytes it was parsed from; imported models' manifests have no whole-file sha256), so another
    version of the model under the same id never reads this one's header."""

    def __init__(self, cache, manifest_url, manifest):
        self.cache, self.url = cache, absolute(HEADER_ENTRY, manifest_url)
        self.model_id = manifest["model_id"]
        shas = ",".join(shard["sha256"] for shard in manifest["shards"])
        self.digest = hashlib.sha256(shas.encode()).hexdigest()
        self._early = None  # prefetch()'s read, for the next get()

    def prefetch(self):
        """Start reading the stored header now, alongside the shards: the load's get() then finds
        it read (1.5 MB for SmolLM2). Any trouble reads as None (the load parses instead)."""
        async def read():
            try:
                return await self._read()
            except Exception:  # noqa: BLE001
                return None
        self._early = asyncio.ensure_future(read())
        return self

    async def get(self):
        """The stored header's JSON, or None; the first call after prefetch() takes its read."""
        early, self._early = self._early, None
        return await early if early is not None else await self._read()

    async def _read(self):
        response = await self.cache.match(self.url)
        if not response or response.headers.get(SHA_HEADER) != self.digest:
            return None
        return str(await response.text())

    async def put(self, text):
        await store(self.cache, self.url, text, "application/json", self.model_id, self.digest)


class ModelSource:
    """The whole model file as one JS ArrayBuffer; `read` gives small ranges as Python bytes."""

    def __init__(self, array_buffer, manifest, repaired=(), header_cache=None):
        self.array_buffer = array_buffer
        self.size = int(array_buffer.byteLength)
        self.manifest = manifest
        self.model_id = manifest["model_id"]
        self.repaired = list(repaired)  # indices of shards re-fetched because bad or missing
        self.header_cache = header_cache  # a HeaderCache, or None: parsed on every load

    def read(self, offset, size):
        if offset < 0 or size < 0:
            raise ValueError("negative offset or size")
        end = min(offset + size, self.size)
        if offset >= end:
            return b""
        return js.Uint8Array.new(self.array_buffer, offset, end - offset).to_bytes()


# -- helpers ------------------------------------------------------------------------------------

async def _call(progress, done, total):
    if progress is not None:
        result = progress(done, total)
        if inspect.isawaitable(result):
            await result


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
        response = await js.fetch(url, js_object({"cache": "no-store"}))
    except JsException:
        raise DownloadError("Could not download the model manifest (are you offline?).") from None
    if not response.ok:
        raise DownloadError(f"Could not download the model manifest (HTTP {response.status}).")
    text = await response.text()
    try:
        return _check_manifest(json.loads(text), url), text
    except ValueError:
        raise DownloadError(f"The model manifest at {url} is not valid.") from None


async def _manifest_cached_first(cache, url):
    """(manifest, text): the cached copy if there is a valid one (cache may be None), else the network's."""
    manifest, text = await _cached_manifest(cache, url) if cache is not None else (None, None)
    if manifest is None:
        manifest, text = await _network_manifest(url)
    return manifest, text


async def _cached_manifest(cache, url):
    response = await cache.match(url)
    if not response:
        return None, None
    text = await response.text()
    try:
        return _check_manifest(json.loads(text), url), text
    except (ValueError, DownloadError):
        return None, None


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
    url = absolute(manifest_url)
    try:
        cache = await open_cache()
    except StorageError:
        cache = None
    return (await _manifest_cached_first(cache, url))[0]


async def download_model(manifest_url, progress=None):
    """Download every shard not yet cached (verified by sha256), then the manifest.

    progress(bytes_done, bytes_total) may be a plain or an async function; shards already cached
    count as done. Interrupted downloads resume: only missing shards are fetched again.
    Returns {"model_id", "size", "shards", "fetched": [shard indices], "persisted"}.
    Raises DownloadError (network, damaged data) or StorageError (no storage; QuotaError when the
    model does not fit: its shards stored so far are removed again, the message says how much
    space it needs and how to free some)."""
    url = absolute(manifest_url)
    cache = await open_cache()
    try:
        manifest, text = await _network_manifest(url)
    except DownloadError:
        manifest, text = await _cached_manifest(cache, url)
        if manifest is None:
            raise
    model_id, total = manifest["model_id"], manifest["size"]
    missing, done = [], 0
    for index, shard in enumerate(manifest["shards"]):
        if await is_cached(cache, shard_url(url, shard), shard):
            done += shard["size"]
        else:
            missing.append(index)
    persisted = await request_persistence()
    needed = sum(manifest["shards"][i]["size"] for i in missing)
    estimate = await storage_estimate()
    if needed and estimate["quota"] and estimate["quota"] - estimate["usage"] < needed:
        raise QuotaError(quota_message(needed, max(0, estimate["quota"] - estimate["usage"])))
    meter = _Progress(progress, done, total)
    await meter.report()
    try:
        for index in missing:
            await fetch_and_store(cache, url, manifest["shards"][index], model_id, meter.add)
        await store(cache, url, text, "application/json", model_id)
    except QuotaError:
        # A model that does not fit is of no use in parts, and its parts take the space the
        # list and other sites need: remove them (an interrupted download, by contrast, keeps
        # its shards and resumes).
        await delete_model(model_id)
        raise QuotaError(quota_message(needed, removed=True)) from None
    await prune(cache, model_id, {url} | {shard_url(url, s) for s in manifest["shards"]})
    if meter.reported != total:
        await meter.report()
    return {"model_id": model_id, "size": total, "shards": len(manifest["shards"]),
            "fetched": missing, "persisted": persisted}


async def open_model(manifest_url, progress=None):
    """The cached model as a ModelSource (one JS ArrayBuffer of the whole GGUF).

    Every shard's sha256 is checked; a missing or damaged shard is fetched again (only that one;
    this needs the network) and `source.repaired` lists them. Uses the cached manifest first, so
    it works offline once download_model() has completed."""
    url = absolute(manifest_url)
    cache = await open_cache()
    manifest, text = await _manifest_cached_first(cache, url)
    model_id, total = manifest["model_id"], manifest["size"]
    try:
        buffer = js.ArrayBuffer.new(total)
    except JsException:
        raise StorageError(f"Not enough memory to load the model ({mb(total)}).") from None
    view = js.Uint8Array.new(buffer)
    repaired = []
    meter = _Progress(progress, 0, total)

    async def from_cache(shard):  # all shards at once: their reads and sha256s overlap
        data = await verified_cached_shard(cache, shard_url(url, shard), shard)
        if data is not None:
            view.set(data, shard["offset"])
            await meter.add(shard["size"])
        return data is not None

    header = HeaderCache(cache, url, manifest).prefetch()
    found = await asyncio.gather(*(from_cache(shard) for shard in manifest["shards"]))
    for index, shard in enumerate(manifest["shards"]):
        if found[index]:
            continue
        try:
            data = await fetch_and_store(cache, url, shard, model_id, _ignore)
        except DownloadError as error:
            raise DownloadError(f"Part {index + 1} of {len(manifest['shards'])} of the model is "
                                f"missing or damaged and could not be downloaded again: {error}") from None
        repaired.append(index)
        view.set(data, shard["offset"])
        await meter.add(shard["size"])
    await store(cache, url, text, "application/json", model_id)
    return ModelSource(buffer, manifest, repaired, header)


async def _ignore(n):
    return None


async def model_cached(manifest_url):
    """True if the manifest and every shard are cached (cheap: presence and recorded sha256;
    open_model() verifies the bytes)."""
    url = absolute(manifest_url)
    try:
        cache = await open_cache()
    except StorageError:
        return False
    manifest, _ = await _cached_manifest(cache, url)
    if manifest is None:
        return False
    for shard in manifest["shards"]:
        if not await is_cached(cache, shard_url(url, shard), shard):
            return False
    return True


async def delete_model(model_id):
    """Remove a model's shards and manifest from the cache; returns how many entries went."""
    cache = await open_cache()
    removed = 0
    for request in await entries_of(cache, model_id):
        removed += bool(await cache.delete(request))
    return removed
