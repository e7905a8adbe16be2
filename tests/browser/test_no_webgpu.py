"""Without WebGPU (Chromium started without --enable-unsafe-webgpu: no adapter) the to-do list
works fully, and the assistant runs on the CPU kernels (WebAssembly SIMD, a worker pool): it
downloads the model, says it runs on the CPU, answers about the list, and Stop works."""
import json

import pytest

from .conftest import CHROMIUM, QUIET, RecordedPage, add_todo, boot, item, reload_after_saves, states, titles
from .test_assistant_chat import LAST_REPLY, SEEDED, ask, ask_with_tool
from .test_engine_browser import page_run
from .test_pwa import pwa_site, serve  # noqa: F401


@pytest.fixture(scope="module")
def browser_without_webgpu(playwright_instance):
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=QUIET)
    yield b
    b.close()


def test_no_webgpu_the_list_works_and_the_assistant_is_offered(browser_without_webgpu, server):
    context = browser_without_webgpu.new_context()
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        boot(page, server)
        page.wait_for_selector("#model-state[data-state=not-downloaded]")
        report = json.loads(page.get_attribute("#gpu-check", "data-report"))
        assert report["ok"] is False and report["unsupported"] is True and report["cpu_kernels"] is True
        assert page.text_content("#gpu-check").endswith("The assistant runs on the CPU instead.")

        add_todo(page, "Works offline")
        add_todo(page, "Without a GPU")
        item(page, "Works offline").locator("[data-action=toggle]").click()
        item(page, "Without a GPU").locator("[data-action=delete]").click()
        page.click("#toast-undo")
        assert states(page) == {"Works offline": "true", "Without a GPU": "false"}
        reload_after_saves(page)
        assert titles(page) == ["Works offline", "Without a GPU"]
        assert not errors, errors
    finally:
        context.close()


def test_no_webgpu_the_assistant_answers_on_the_cpu_and_stop_works(browser_without_webgpu, pwa_site, serve):
    dist, _, _ = pwa_site
    server = serve(dist)
    context = browser_without_webgpu.new_context()
    recorded = RecordedPage(context.new_page())
    page = recorded.page
    page.set_default_timeout(120_000)
    try:
        page.goto(server.url + "?testhooks")
        page.wait_for_selector("#boot-status[data-state=ready]")
        add_todo(page, "Call the dentist")
        page.click("#model-download")
        page.wait_for_selector("#model-state[data-state=ready], #model-state[data-state=error]")
        assert "running on CPU (" in page.text_content("#model-state-text")
        assert page.get_attribute("#backend-line", "data-backend") == "wasm"
        assert "The model runs on the CPU instead." in page.text_content("#backend-line")  # and why
        page_run(page, SEEDED)

        ask(page, "How many to-dos are open?")
        page.wait_for_selector(f"{LAST_REPLY}[data-status=done]")
        assert page.locator(f"{LAST_REPLY} .form-error").count() == 0
        ask_with_tool(page, "Write a long story about my list", "answer")
        page.wait_for_function(f"() => (document.querySelector('{LAST_REPLY} .msg-body')?.textContent.length ?? 0) > 3")
        page.click("#chat-stop")
        page.wait_for_selector(f"{LAST_REPLY}[data-status=stopped]", timeout=10_000)
        assert recorded.foreign_requests(server.url) == []
        assert not [e for e in recorded.errors if "Error" in e], recorded.errors
    finally:
        context.close()


SNAPSHOT_KEYS = """async () => (await (await caches.open("pyodide-snapshots-v1")).keys()).map((r) => r.url)"""


def engine_stats(page):
    return json.loads(page_run(page, 'await app["session"].client.worker.testhook("engine_stats", "{}")'))


def test_no_webgpu_a_return_visit_starts_the_engine_from_its_pyodide_snapshot(browser_without_webgpu, pwa_site,
                                                                               serve):
    """#13's warm load: after the first load the engine's worker keeps a Pyodide memory snapshot
    (site/pyodide-boot.mjs, made in a worker of its own); the next start, offline, restores it
    and the assistant answers as before."""
    from .test_pwa import wait_sw_activated
    dist, _, _ = pwa_site
    server = serve(dist)
    context = browser_without_webgpu.new_context()
    recorded = RecordedPage(context.new_page())
    page = recorded.page
    page.set_default_timeout(120_000)
    try:
        page.goto(server.url + "?testhooks")
        page.wait_for_selector("#boot-status[data-state=ready]")
        assert wait_sw_activated(page) == "activated"
        page.click("#model-download")
        page.wait_for_selector("#model-state[data-state=ready], #model-state[data-state=error]")
        assert engine_stats(page)["pyodide_snapshot"] == {"restored": False, "error": None}
        for _ in range(240):  # the snapshot worker runs after the load (a few seconds here)
            if page.evaluate(SNAPSHOT_KEYS):
                break
            page.wait_for_timeout(500)
        keys = page.evaluate(SNAPSHOT_KEYS)
        assert len(keys) == 1 and keys[0].startswith(server.url + "pyodide-snapshot/"), keys

        context.set_offline(True)
        page.reload()
        page.wait_for_selector("#boot-status[data-state=ready]")
        page.wait_for_selector("#model-state[data-state=ready]")  # loads from the Cache API by itself
        page_run(page, SEEDED)
        assert engine_stats(page)["pyodide_snapshot"] == {"restored": True, "error": None}
        add_todo(page, "Call the dentist")
        ask(page, "How many to-dos are open?")
        page.wait_for_selector(f"{LAST_REPLY}[data-status=done]")
        assert page.locator(f"{LAST_REPLY} .form-error").count() == 0
        assert recorded.foreign_requests(server.url) == []
        assert not [e for e in recorded.errors if "Error" in e], recorded.errors
    finally:
        context.set_offline(False)
        context.close()
