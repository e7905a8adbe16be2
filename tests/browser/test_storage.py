"""Storage (issue #15): the model does not fit → a clear message with the space it needs and how
to free some, the part already stored removed, the list unaffected; persistence is asked for once
the model is stored, and Diagnostics shows the storage used, available and whether it persists.

The quota is the browser's own, lowered with CDP `Storage.overrideQuotaForOrigin` while the
download runs (the engine's worker stores the shards in the Cache API).
"""
import json

from .conftest import RecordedPage, add_todo, titles, wait_booted, wait_saved
from .test_pwa import pwa_site, serve  # noqa: F401

# Counts the page's calls of navigator.storage.persist() (the real one still answers).
COUNT_PERSIST = """(() => {
  const persist = StorageManager.prototype.persist;
  window.__persistCalls = 0;
  StorageManager.prototype.persist = function () { window.__persistCalls += 1; return persist.call(this); };
})();"""
MODEL_ENTRIES = "() => caches.open('models-v1').then((c) => c.keys()).then((k) => k.length)"


def quota_full_from(page, cdp, origin, shard):
    """When the worker asks for `shard`, lower the origin's quota to just above what it uses."""
    def full(route):
        usage = cdp.send("Storage.getUsageAndQuota", {"origin": origin})["usage"]
        cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": usage + 1000})
        route.continue_()
    page.route("**/models/tiny/" + shard, full)


def storage_line(page):
    page.click("#diagnostics > summary")  # opening the panel refreshes the line
    page.wait_for_function("() => document.querySelector('#storage-check').dataset.usage !== undefined")
    line = page.locator("#storage-check")
    return line.text_content(), line.get_attribute("data-persisted")


def test_model_too_big_for_the_quota_is_removed_and_the_list_keeps_working(browser, pwa_site, serve):
    dist, _, _ = pwa_site
    server = serve(dist)
    origin = server.url.rstrip("/")
    size = json.loads((dist / "models/tiny/manifest.json").read_text())["size"]
    # No service worker, so the routes see the worker's shard requests.
    context = browser.new_context(service_workers="block")
    context.add_init_script(COUNT_PERSIST)
    recorded = RecordedPage(context.new_page())
    page = recorded.page
    page.set_default_timeout(120_000)
    cdp = context.new_cdp_session(page)
    page.goto(server.url)
    assert wait_booted(page) == "ready"
    add_todo(page, "Keep me")
    wait_saved(page)
    text, persisted = storage_line(page)
    assert text.startswith("Storage: ") and " used, " in text and " available to this app; " in text
    assert persisted == "false" and "persistent: no" in text  # headless Chromium never grants it

    quota_full_from(page, cdp, origin, "shard-002.bin")
    page.wait_for_selector("#model-state[data-state=not-downloaded]")
    server.log.clear()
    page.click("#model-download")
    page.wait_for_selector("#model-state[data-state=error]")
    message = page.text_content("#model-state-text")
    print("\n" + message)
    assert server.requested("models/tiny/shard-") == [f"/models/tiny/shard-00{i}.bin" for i in range(3)]
    assert f"it needs {round(size / 1e3)} kB" in message, message
    assert "The part already downloaded was removed." in message
    assert "free disk space" in message and "Site data" in message and "press Retry" in message
    assert page.evaluate(MODEL_ENTRIES) == 0  # shards 0 and 1 were stored, then removed
    assert page.evaluate("window.__persistCalls") == 0  # nothing stored, nothing to keep

    # The list: as it was, and the space the shards took lets it save again.
    assert titles(page) == ["Keep me"]
    add_todo(page, "Added after the failure")
    wait_saved(page)
    assert page.text_content("#todo-message") == ""

    # Space freed (the override lifted): Retry downloads and loads it; persistence is asked for.
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin})
    page.unroute("**/models/tiny/shard-002.bin")
    page.click("#model-retry")
    page.wait_for_selector("#model-state[data-state=ready]")
    assert page.evaluate("window.__persistCalls") >= 1
    assert page.evaluate(MODEL_ENTRIES) == len(json.loads((dist / "models/tiny/manifest.json")
                                                          .read_text())["shards"]) + 2  # + manifest, header
    page.reload()
    assert wait_booted(page) == "ready"
    assert titles(page) == ["Keep me", "Added after the failure"]
    assert not [e for e in recorded.errors if "Error" in e], recorded.errors
    context.close()
