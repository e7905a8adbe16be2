"""The built page boots PyScript on the vendored Pyodide and runs a WGSL kernel through pyodide.ffi."""
import json

from .conftest import wait_booted


def test_page_boots_and_runs_a_kernel_on_webgpu(recorded_page, server):
    page = recorded_page.page
    page.goto(server)
    assert wait_booted(page) == "ready", page.text_content("#boot-status")
    report = json.loads(page.get_attribute("#gpu-check", "data-report"))
    assert report["ok"], report
    # x[i] = i, y[i] = 0.5 i + 1  ->  x + y = 1.5 i + 1
    assert report["sample"] == [1.0, 2.5, 4.0, 5.5, 1.5 * 999 + 1]
    # requiredLimits were requested: SwiftShader offers 1 GiB bindings, the default is 128 MiB.
    assert report["max_binding_size"] > 128 * 1024 * 1024
    assert "kernel check passed" in page.text_content("#gpu-check")


def test_no_request_leaves_the_origin(recorded_page, server):
    page = recorded_page.page
    page.goto(server)
    assert wait_booted(page) == "ready"
    assert recorded_page.requests, "no requests recorded at all"
    # The service worker's own requests (its precache) are recorded too, and checked with the rest.
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # installed: precached
    assert any(u.endswith("/sw.js") for u in recorded_page.sw_requests), recorded_page.sw_requests[:5]
    assert any(u.endswith("/build-info.json") for u in recorded_page.sw_requests)
    assert recorded_page.foreign_requests(server) == []
    # window.todoAppTest exists only with ?testhooks (test_engine_browser.py uses it).
    assert page.evaluate("typeof window.todoAppTest") == "undefined"
    assert not [e for e in recorded_page.errors if "404" in e or "Failed to load" in e], recorded_page.errors


def test_wasm_is_served_with_its_mime_type_and_isolation_headers(recorded_page, server):
    response = recorded_page.page.request.get(server + "vendor/pyodide/pyodide.asm.wasm")
    assert response.status == 200
    assert response.headers["content-type"] == "application/wasm"
    index = recorded_page.page.request.get(server)
    assert index.headers["cross-origin-opener-policy"] == "same-origin"
    assert index.headers["cross-origin-embedder-policy"] == "require-corp"
