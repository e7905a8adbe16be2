"""Browser tier, model weights in the Cache API (py/webgpu_llm/weights_cache.py) on the test page:
download with progress, resume after an interruption, repair of a damaged or lost shard, the
assembled ArrayBuffer as a GGUF source for the GPU, and clear storage errors."""
import hashlib
import json

import pytest

from .conftest import RecordedPage
from .test_pwa import MODEL_MANIFEST, TEST_PAGE, py_error, py_run, pwa_site, serve, site_copy  # noqa: F401

SHARDS = "models/tiny/shard-"


@pytest.fixture
def weights_page(browser, site_copy, serve):
    server = serve(site_copy)
    context = browser.new_context()
    recorded = RecordedPage(context.new_page())
    recorded.page.goto(server.url + TEST_PAGE)
    recorded.page.wait_for_selector("#status[data-state=ready]", timeout=120_000)
    yield recorded, server, site_copy
    assert recorded.foreign_requests(server.url) == []
    context.close()


def damage_cached_shard(page, name):
    """Flip one byte of a cached shard, keeping its headers (so only hashing can tell)."""
    page.evaluate("""async (name) => {
        const cache = await caches.open("models-v1");
        const key = (await cache.keys()).find((r) => r.url.endsWith("/" + name));
        const old = await cache.match(key);
        const bytes = new Uint8Array(await old.arrayBuffer());
        bytes[100] ^= 0xff;
        await cache.put(key, new Response(bytes, {headers: old.headers}));
    }""", name)


def test_download_resume_open_repair_delete(weights_page):
    recorded, server, dist = weights_page
    page = recorded.page
    manifest = json.loads((dist / "models/tiny/manifest.json").read_text())
    n, total = len(manifest["shards"]), manifest["size"]
    model = b"".join((dist / "models/tiny" / s["file"]).read_bytes() for s in manifest["shards"])
    assert n >= 4

    # 0. The manifest: from the network; offline with nothing cached, a clear error.
    assert py_run(page, f"await wc.fetch_manifest({MODEL_MANIFEST!r})") == manifest
    page.context.set_offline(True)
    kind, message = py_error(page, f"await wc.fetch_manifest({MODEL_MANIFEST!r})")
    page.context.set_offline(False)
    assert kind == "DownloadError" and "offline" in message

    # 1. The connection drops on shard 1: the download fails clearly; shard 0 stays cached.
    page.route("**/" + SHARDS + "001.bin", lambda route: route.abort())
    kind, message = py_error(page, f"await wc.download_model({MODEL_MANIFEST!r})")
    assert kind == "DownloadError" and "shard-001.bin" in message
    page.unroute("**/" + SHARDS + "001.bin")
    assert server.requested(SHARDS) == ["/" + SHARDS + "000.bin"]
    assert py_run(page, f"await wc.model_cached({MODEL_MANIFEST!r})") is False

    # 2. Retry: only the missing shards are fetched; progress runs to the total.
    server.log.clear()
    result = py_run(page, f"""
seen = []
r = await wc.download_model({MODEL_MANIFEST!r}, lambda done, total: seen.append([done, total]))
[r, seen]""")
    info, seen = result
    assert info["fetched"] == list(range(1, n)) and info["shards"] == n and info["model_id"] == "tiny"
    assert server.requested(SHARDS) == [f"/{SHARDS}{i:03d}.bin" for i in range(1, n)]
    assert seen[0] == [manifest["shards"][0]["size"], total] and seen[-1] == [total, total]
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:])) and {t for _, t in seen} == {total}
    assert isinstance(info["persisted"], bool)
    assert py_run(page, f"await wc.model_cached({MODEL_MANIFEST!r})") is True

    # 3. A second download fetches nothing, and drops entries of an older version of the model.
    page.evaluate("""() => caches.open('models-v1').then((c) => c.put(
        location.href.replace(/[^/]*$/, '') + 'models/tiny/shard-099.bin',
        new Response('old', {headers: {'X-Model-Id': 'tiny'}})))""")
    server.log.clear()
    assert py_run(page, f"(await wc.download_model({MODEL_MANIFEST!r}))['fetched']") == []
    assert server.requested(SHARDS) == []
    assert page.evaluate("caches.open('models-v1').then(c => c.keys()).then(k => k.length)") == n + 1

    # 4. open_model: one ArrayBuffer holding the whole file, small reads as bytes, and it is what
    #    the GGUF reader and the GPU upload path take.
    server.log.clear()
    opened = py_run(page, f"""
from js import Uint8Array
from webgpu_llm.gguf import read_gguf
from webgpu_llm.gpu import open_device
src = await wc.open_model({MODEL_MANIFEST!r})
gguf = read_gguf(src)
device = await open_device()
buffer = device.create_buffer(4096)
device.upload(buffer, src, 64, 4096)
on_gpu = await device.read(buffer, 0, 4096)
dict(size=src.size, byte_length=src.array_buffer.byteLength, head=src.read(0, 4).hex(),
     tail=src.read(src.size - 3, 10).hex(), sha=await wc.sha256_hex(Uint8Array.new(src.array_buffer)),
     tensors=len(gguf.tensors), gpu_ok=on_gpu == src.read(64, 4096), repaired=src.repaired)""")
    assert opened["size"] == opened["byte_length"] == total
    assert opened["head"] == model[:4].hex() == b"GGUF".hex() and opened["tail"] == model[-3:].hex()
    assert opened["sha"] == hashlib.sha256(model).hexdigest() == manifest["sha256"]
    assert opened["tensors"] > 0 and opened["gpu_ok"] and opened["repaired"] == []
    assert server.requested(SHARDS) == []  # all from the cache

    # 5. A damaged shard is detected at open and re-fetched, that one only.
    damage_cached_shard(page, "shard-002.bin")
    server.log.clear()
    opened = py_run(page, f"s = await wc.open_model({MODEL_MANIFEST!r}); [s.repaired, s.size]")
    assert opened == [[2], total]
    assert server.requested(SHARDS) == ["/" + SHARDS + "002.bin"]

    # 6. So is a shard that vanished from the cache.
    page.evaluate("caches.open('models-v1').then(c => c.delete(location.href.replace(/[^/]*$/, '') + "
                  "'models/tiny/shard-003.bin'))")
    server.log.clear()
    assert py_run(page, f"(await wc.open_model({MODEL_MANIFEST!r})).repaired") == [3]
    assert server.requested(SHARDS) == ["/" + SHARDS + "003.bin"]

    # 7. Offline, the cached manifest answers; a damaged shard is a clear error, not a wrong model.
    damage_cached_shard(page, "shard-001.bin")
    page.context.set_offline(True)
    assert py_run(page, f"(await wc.fetch_manifest({MODEL_MANIFEST!r}))['sha256']") == manifest["sha256"]
    kind, message = py_error(page, f"await wc.open_model({MODEL_MANIFEST!r})")
    page.context.set_offline(False)
    assert kind == "DownloadError" and "Part 2 of" in message

    # 8. delete_model removes the shards and the manifest.
    assert py_run(page, "await wc.delete_model('tiny')") == n + 1
    assert py_run(page, f"await wc.model_cached({MODEL_MANIFEST!r})") is False
    assert page.evaluate("caches.open('models-v1').then(c => c.keys()).then(k => k.length)") == 0


def test_the_parsed_header_is_kept_beside_the_shards(weights_page):
    """header_cache.py in the real Cache API: the first load stores the parse, the next one reads
    it from there, another version of the model ignores it, and deleting the model deletes it."""
    recorded, _, dist = weights_page
    page = recorded.page
    n = len(json.loads((dist / "models/tiny/manifest.json").read_text())["shards"])
    stored = py_run(page, f"""
import json
from webgpu_llm.gguf import read_gguf
from webgpu_llm.header_cache import read_gguf_remembered, to_json
await wc.download_model({MODEL_MANIFEST!r})
src = await wc.open_model({MODEL_MANIFEST!r})
before = await src.header_cache.get()
first = await read_gguf_remembered(src)
text = await src.header_cache.get()
marked = json.loads(text)
marked["metadata"]["test.marker"] = "from the cache"
await src.header_cache.put(json.dumps(marked))
again = await read_gguf_remembered(await wc.open_model({MODEL_MANIFEST!r}))
dict(before=before, same=text == to_json(read_gguf(src)), first=first.metadata.get("test.marker"),
     again=again.metadata.get("test.marker"), tensors=len(again.tensors) == len(first.tensors))""")
    assert stored == {"before": None, "same": True, "first": None, "again": "from the cache", "tensors": True}
    # open_model reads the stored header alongside the shards (prefetch): deleted after that, the
    # load's get() still has it; the get after reads the cache again.
    early = py_run(page, f"""
src = await wc.open_model({MODEL_MANIFEST!r})
await (await wc.open_cache()).delete(src.header_cache.url)
early, late = await src.header_cache.get(), await src.header_cache.get()
await src.header_cache.put(early)
["from the cache" in early, late]""")
    assert early == [True, None]
    # Another version under the same id (other shard bytes): the stored header is not its own.
    other = py_run(page, f"""
from webgpu_llm.header_cache import read_gguf_remembered
src = await wc.open_model({MODEL_MANIFEST!r})
manifest = dict(src.manifest, shards=[dict(s, sha256="0" * 64) for s in src.manifest["shards"]])
stored = wc.HeaderCache(await wc.open_cache(), wc.absolute({MODEL_MANIFEST!r}), manifest)
newer = wc.ModelSource(src.array_buffer, manifest, header_cache=stored)
[await newer.header_cache.get(), (await read_gguf_remembered(newer)).metadata.get("test.marker")]""")
    assert other == [None, None]
    assert py_run(page, "await wc.delete_model('tiny')") == n + 2  # the shards, the manifest, the header
    assert page.evaluate("caches.open('models-v1').then(c => c.keys()).then(k => k.length)") == 0


def test_storage_problems_raise_a_clear_storage_error(weights_page):
    recorded, server, _ = weights_page
    page = recorded.page
    estimate = py_run(page, "await wc.storage_estimate()")
    assert estimate["quota"] > 0 and estimate["usage"] >= 0

    page.evaluate("() => { window._estimate = navigator.storage.estimate; "
                  "navigator.storage.estimate = async () => ({usage: 900, quota: 1000}); }")
    kind, message = py_error(page, f"await wc.download_model({MODEL_MANIFEST!r})")
    assert kind == "QuotaError" and "it needs 75 kB, but only 100 bytes are free" in message
    assert server.requested("models/tiny/shard-") == []  # refused before downloading anything
    page.evaluate("() => { navigator.storage.estimate = window._estimate; }")

    # The browser's quota runs out half-way (lowered through CDP when shard 2 is asked for):
    # the shards stored so far are removed and the message says what the model needs.
    cdp = page.context.new_cdp_session(page)
    origin = server.url.rstrip("/")

    def full(route):
        usage = cdp.send("Storage.getUsageAndQuota", {"origin": origin})["usage"]
        cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": usage + 1000})
        route.continue_()
    page.route("**/" + SHARDS + "002.bin", full)
    server.log.clear()
    kind, message = py_error(page, f"await wc.download_model({MODEL_MANIFEST!r})")
    assert kind == "QuotaError" and "Not enough storage space for the model: it needs 75 kB" in message
    assert "The part already downloaded was removed." in message and "free disk space" in message
    assert server.requested(SHARDS) == [f"/{SHARDS}00{i}.bin" for i in range(3)]
    assert page.evaluate("caches.open('models-v1').then(c => c.keys()).then(k => k.length)") == 0
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin})
    page.unroute("**/" + SHARDS + "002.bin")

    page.evaluate("() => { Object.defineProperty(window, 'caches', {value: undefined, configurable: true}); }")
    kind, message = py_error(page, f"await wc.download_model({MODEL_MANIFEST!r})")
    assert kind == "StorageError" and "no offline storage" in message
    assert py_run(page, f"await wc.model_cached({MODEL_MANIFEST!r})") is False
