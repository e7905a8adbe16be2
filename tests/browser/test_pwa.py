"""Browser tier, PWA: installability, and isolation supplied by the service worker on a plain host.

Also the shared helpers of test_offline.py and test_model_cache.py: each test serves its own copy
of a site built into a temp dir (the tiny model in 16 KB shards, plus the test-only page from
tests/browser/pages/), so it can stop or rebuild its server without touching dist/.
"""
import functools
import http.server
import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from tools import pwa
from tools.server import Handler

from .conftest import CHROMIUM, QUIET, WEBGPU, RecordedPage, wait_booted

PAGES = Path(__file__).resolve().parent / "pages"
MODEL_ID = "tiny"
MODEL_MANIFEST = f"./models/{MODEL_ID}/manifest.json"
SHARD_SIZE = 16 * 1024
TEST_PAGE = "weights-test.html"


def build_site(dist, model):
    """tools.site.build into `dist` with the tiny model, plus the test page (not part of the build)."""
    from tools.site import build
    info = build(dist, models=[(MODEL_ID, model)], shard_size=SHARD_SIZE)
    for page in PAGES.glob("*.html"):
        shutil.copyfile(page, dist / page.name)
    return info


def tiny_model(path):
    from tools.tiny_model import write_tiny_model
    return write_tiny_model(path, seed=0)


@pytest.fixture(scope="session")
def pwa_site(tmp_path_factory):
    """(dist path, build info, model path) of the test build; copy it before changing it."""
    root = tmp_path_factory.mktemp("pwa")
    model = tiny_model(root / "tiny.gguf")
    dist = root / "dist"
    return dist, build_site(dist, model), model


@pytest.fixture
def site_copy(pwa_site, tmp_path):
    dist, info, model = pwa_site
    copy = tmp_path / "site"
    shutil.copytree(dist, copy)
    return copy


class Server:
    """A static server on a free port that records the paths it was asked for."""

    def __init__(self, directory, isolation=True):
        self.log = []
        log = self.log
        # isolation=False: Python's own http.server as is (no COOP/COEP, no Cache-Control).
        base = Handler if isolation else http.server.SimpleHTTPRequestHandler

        class Recording(base):
            def do_GET(self):
                log.append(self.path.split("?")[0])
                super().do_GET()

            def log_message(self, format, *args):
                pass

        handler = functools.partial(Recording, directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.running = True

    def stop(self):
        if self.running:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.running = False

    def requested(self, prefix=""):
        return [p for p in self.log if p.startswith("/" + prefix)]


@pytest.fixture
def serve():
    servers = []

    def start(directory, isolation=True):
        servers.append(Server(directory, isolation))
        return servers[-1]
    yield start
    for s in servers:
        s.stop()


def wait_sw_activated(page, timeout_ms=60_000):
    """Wait until this page's service worker registration has an activated worker."""
    return page.evaluate("""async (timeout) => {
        const registration = await navigator.serviceWorker.ready;
        const end = Date.now() + timeout;
        while (registration.active.state !== "activated" && Date.now() < end)
            await new Promise((r) => setTimeout(r, 50));
        return registration.active.state;
    }""", timeout_ms)


def cache_names(page):
    return sorted(page.evaluate("caches.keys()"))


def py_run(page, source):
    """Run async Python on the test page (with `wc` = weights_cache); returns the last expression."""
    page.wait_for_selector("#status[data-state=ready]", timeout=120_000)
    reply = json.loads(page.evaluate("source => window.py_run(source)", source))
    if not reply["ok"]:
        raise AssertionError(f"{reply['type']}: {reply['error']}")
    return reply["result"]


def py_error(page, source):
    """Like py_run, but the code must raise: returns (exception type name, message)."""
    page.wait_for_selector("#status[data-state=ready]", timeout=120_000)
    reply = json.loads(page.evaluate("source => window.py_run(source)", source))
    assert not reply["ok"], reply
    return reply["type"], reply["error"]


def launch_persistent(playwright, profile):
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=WEBGPU + QUIET, headless=True)
    page = context.pages[0] if context.pages else context.new_page()
    return context, RecordedPage(page)


# -- tests --------------------------------------------------------------------------------------

def test_installable_and_relaunch_offline_from_a_persistent_profile(playwright_instance, site_copy,
                                                                    serve, tmp_path):
    server = serve(site_copy)
    context, recorded = launch_persistent(playwright_instance, tmp_path / "profile")
    try:
        page = recorded.page
        page.goto(server.url)
        assert wait_booted(page) == "ready", page.text_content("#boot-status")
        assert wait_sw_activated(page) == "activated"
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == [], manifest["errors"]
        parsed = json.loads(manifest["data"])
        for icon in parsed["icons"]:
            if icon["type"] == "image/png":
                body = page.request.get(server.url + icon["src"]).body()
                w, h = pwa.png_size(body)
                assert icon["sizes"] == f"{w}x{h}", icon
        assert {i["sizes"] for i in parsed["icons"] if "maskable" in i.get("purpose", "")} >= {"512x512"}
        assert recorded.foreign_requests(server.url) == []
    finally:
        context.close()

    server.stop()  # no server at all from here on
    context, recorded = launch_persistent(playwright_instance, tmp_path / "profile")
    try:
        page = recorded.page
        page.goto(server.url)
        assert wait_booted(page) == "ready", page.text_content("#boot-status")
        assert page.evaluate("crossOriginIsolated")
        assert recorded.foreign_requests(server.url) == []
    finally:
        context.close()


def test_plain_static_host_gets_isolation_from_the_service_worker(browser, site_copy, serve):
    server = serve(site_copy, isolation=False)  # python -m http.server: no COOP/COEP headers
    context = browser.new_context()
    try:
        recorded = RecordedPage(context.new_page())
        page = recorded.page
        navigations = []
        page.on("framenavigated", lambda f: f == page.main_frame and navigations.append(f.url))
        response = page.goto(server.url)
        assert "cross-origin-embedder-policy" not in response.headers
        deadline = time.time() + 60
        while len(navigations) < 2 and time.time() < deadline:  # sw-register.js reloads once
            page.wait_for_timeout(100)
        assert len(navigations) == 2, navigations
        assert wait_booted(page) == "ready", page.text_content("#boot-status")
        assert page.evaluate("crossOriginIsolated")
        assert page.evaluate("!!navigator.serviceWorker.controller")
        page.wait_for_timeout(500)
        assert len(navigations) == 2, "reloaded more than once"
        # Later visits are served by the worker: isolated from the start, no reload.
        page.reload()
        assert wait_booted(page) == "ready"
        assert page.evaluate("crossOriginIsolated")
        page.wait_for_timeout(500)
        assert len(navigations) == 3, navigations
        assert recorded.foreign_requests(server.url) == []
        assert not [e for e in recorded.errors if "404" in e or "Failed to load" in e], recorded.errors
    finally:
        context.close()


def test_isolation_reload_happens_once_even_when_it_does_not_help(browser, site_copy, serve):
    # A worker that controls the page but adds no headers: the page stays non-isolated after the
    # reload, and sw-register.js must not reload again (no loop).
    (site_copy / "sw.js").write_text("self.addEventListener('fetch', () => {});\n")
    server = serve(site_copy, isolation=False)
    context = browser.new_context()
    try:
        page = context.new_page()
        navigations = []
        page.on("framenavigated", lambda f: f == page.main_frame and navigations.append(f.url))
        page.goto(server.url)
        deadline = time.time() + 60
        while len(navigations) < 2 and time.time() < deadline:
            page.wait_for_timeout(100)
        page.wait_for_function("() => !!navigator.serviceWorker.controller")
        page.wait_for_timeout(3000)
        assert len(navigations) == 2, navigations
        assert page.evaluate("crossOriginIsolated") is False
    finally:
        context.close()
