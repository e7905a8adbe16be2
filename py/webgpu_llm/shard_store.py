"""Shard storage for weights_cache: the Cache API entries, fetching with verification, errors.

Shard bytes stay in JS: fetch() fills a Uint8Array, crypto.subtle.digest checks it, the Cache API
stores it. Errors carry messages meant for the user.
"""
import js
from pyodide.ffi import JsException, to_js

MODELS_CACHE = "models-v1"
SHA_HEADER = "X-Content-Sha256"
MODEL_HEADER = "X-Model-Id"


class WeightsError(Exception):
    """Base class; the message is meant for the user."""


class StorageError(WeightsError):
    """The browser cannot store the model: no Cache API here, quota exceeded, storage failure."""


class QuotaError(StorageError):
    """The browser refused to store more: this site's storage quota is used up."""


class DownloadError(WeightsError):
    """A manifest or shard could not be fetched (offline, HTTP error, interrupted)."""


class IntegrityError(DownloadError):
    """A downloaded shard does not match its sha256 (or size) in the manifest."""


# -- helpers -------------------------------------------------------------------------------------

def js_object(value):
    return to_js(value, dict_converter=js.Object.fromEntries)


def absolute(url, base=None):
    try:
        return str(js.URL.new(url, base or js.location.href).href)
    except JsException:  # e.g. a relative URL in a worker started from a blob: URL
        raise ValueError(f"cannot resolve {url!r} here: pass an absolute URL") from None


def error_name(error):
    name = getattr(error, "name", None)
    if isinstance(name, str) and name:
        return name
    text = str(error)
    return text.split(":", 1)[0] if ":" in text else ""


def mb(n):
    if n < 1e3:
        return f"{n} bytes"
    return f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


HOW_TO_FREE = ("To make room, free disk space on this device (the browser lets a site use a share "
               "of the free disk space) or delete other sites' data in the browser's settings "
               "(Privacy and security → Site data), then press Retry. Your to-do list is not affected.")


def quota_message(needed, free=None, removed=False):
    """The sentence shown when the model does not fit: the space it needs and how to free it."""
    if free is None:
        found = "the browser refused to store more (this site's storage is full)"
    else:
        found = f"only {mb(free)} are free for this site"
    removed_text = " The part already downloaded was removed." if removed else ""
    return f"Not enough storage space for the model: it needs {mb(needed)}, but {found}.{removed_text} {HOW_TO_FREE}"


async def open_cache():
    caches = getattr(js, "caches", None)
    if not caches:
        raise StorageError("This browser window offers no offline storage (private browsing, or a "
                           "page not served over HTTPS?), so the model cannot be downloaded.")
    try:
        return await caches.open(MODELS_CACHE)
    except JsException as error:
        raise StorageError(f"Offline storage is unavailable in this browser window ({error}).") from None


async def store(cache, url, body, content_type, model_id, sha256=None):
    headers = {"Content-Type": content_type, MODEL_HEADER: model_id}
    if sha256:
        headers[SHA_HEADER] = sha256
    try:
        await cache.put(url, js.Response.new(body, js_object({"headers": headers})))
    except JsException as error:
        if error_name(error) == "QuotaExceededError" or "quota" in str(error).lower():
            raise QuotaError(quota_message(len_of(body))) from None
        raise StorageError(f"Could not save the model in this browser's storage ({error}).") from None


def len_of(body):
    """Bytes in a body given to store(): a JS typed array or a str."""
    return int(body.length) if hasattr(body, "length") else len(str(body).encode())


async def sha256_hex(data):
    digest = await js.crypto.subtle.digest("SHA-256", data)
    return js.Uint8Array.new(digest).to_bytes().hex()


def shard_url(manifest_url, shard):
    return absolute(shard["file"], manifest_url)


async def is_cached(cache, url, shard):
    """Cheap check (no hashing): an entry exists and was stored for this shard's sha256."""
    response = await cache.match(url)
    return bool(response) and response.headers.get(SHA_HEADER) == shard["sha256"]


async def verified_cached_shard(cache, url, shard):
    """The cached shard as a Uint8Array if its bytes match the manifest, else None."""
    response = await cache.match(url)
    if not response:
        return None
    try:
        data = js.Uint8Array.new(await response.arrayBuffer())
    except JsException:  # the entry's body could not be read back
        return None
    if data.length != shard["size"] or await sha256_hex(data) != shard["sha256"]:
        return None
    return data


async def fetch_shard(url, shard, on_bytes):
    """Download one shard into a JS Uint8Array and verify it; on_bytes(n) after each chunk."""
    name, size = shard["file"], shard["size"]
    try:
        response = await js.fetch(url, js_object({"cache": "no-store"}))
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
    if await sha256_hex(data) != shard["sha256"]:
        raise IntegrityError(f"{name} is damaged (its checksum does not match).")
    return data


async def fetch_and_store(cache, manifest_url, shard, model_id, on_bytes):
    """Fetch a shard (one retry if it arrives damaged), store it, return its bytes (JS)."""
    url = shard_url(manifest_url, shard)
    try:
        data = await fetch_shard(url, shard, on_bytes)
    except IntegrityError:
        data = await fetch_shard(url, shard, on_bytes)
    await store(cache, url, data, "application/octet-stream", model_id, shard["sha256"])
    return data


async def entries_of(cache, model_id, keep=frozenset()):
    """The cache's requests stored for this model, except the URLs in `keep`."""
    found = []
    for request in await cache.keys():
        if str(request.url) not in keep:
            response = await cache.match(request)
            if response and response.headers.get(MODEL_HEADER) == model_id:
                found.append(request)
    return found


async def prune(cache, model_id, keep):
    """Drop this model's entries that its current manifest no longer names (an older version)."""
    for request in await entries_of(cache, model_id, keep):
        await cache.delete(request)
