"""Browser tier, the model picker (#14): a person's own GGUF (tiny random models written here)
picked with the file input, dropped, or given as a URL, is checked from its header, copied into
the Cache API in hashed shards with progress, chosen, and answers; the choice survives a reload;
an unsupported file (bad magic, unknown architecture, truncated) or one that cannot fit is
refused with the reason named, nothing is stored and the model in use stays; delete removes a
stored model. Names from files are hostile HTML and must show as text.

The build ships the tiny model as "tiny" (not downloaded in a fresh context); the app runs the
CPU kernels here (SwiftShader is CPU-emulated), as it would for a person on this machine.
"""
import math
import shutil
import time

import pytest

from tools import tiny_model as T

from ..unit.test_model_info import retyped
from .conftest import RecordedPage, wait_booted
from .test_pwa import pwa_site, serve  # noqa: F401

SHARD = 16 * 1024
HOSTILE = '<img src=x onerror="window.__xss=1">'
CURRENT = "#model-list li[data-current=true]"


def write_model(path, seed, **meta_changes):
    """A tiny llama GGUF with some metadata changed (None removes a key)."""
    import random
    tokens, types = T.vocabulary()
    meta = T.metadata(tokens, types, "llama", "Q4_1")
    for key, value in meta_changes.items():
        meta.pop(key.replace("__", "."), None)
        if value is not None:
            meta[key.replace("__", ".")] = value
    path.write_bytes(T.gguf_bytes(meta, T.tensors(random.Random(seed), len(tokens), "Q4_1", "llama")))
    return path


def renamed_arch(data, old=b"llama", new=b"mamba"):
    """The same file with every "llama" in its metadata (the arch and its keys) renamed."""
    return data.replace(old, new)


def native_problem(path):
    """What the engine's own header check says of a file (model_info.inspect_model)."""
    from webgpu_llm.gguf import FileSource, GGUFError, read_gguf
    from webgpu_llm.model_info import inspect_model
    with FileSource(path) as source, pytest.raises(GGUFError) as error:
        inspect_model(read_gguf(source), source.size)
    return str(error.value)


def user_cache_entries(page):
    return page.evaluate("""async () => {
        const cache = await caches.open("models-v1");
        return (await cache.keys()).map((r) => r.url).filter((u) => u.includes("/models/user/"));
    }""")


def run(page, code):
    return page.evaluate("(code) => window.todoAppTest.run(code)", code)


def wait_current(page, origin):
    """Wait until a model of `origin` is the one in use (or the picker shows an error)."""
    page.wait_for_selector(f"{CURRENT}[data-origin={origin}], #model-picker-error:not(:empty)", state="attached")
    assert page.text_content("#model-picker-error") == ""
    assert page.get_attribute(CURRENT, "data-origin") == origin


def wait_ready(page):
    page.wait_for_selector("#model-state[data-state=ready]")


def ask_answer(page):
    """A question with the free-answer tool; the reply must arrive without an error."""
    run(page, 'await app["session"].client.worker.testhook("chat_options", \'{"seed": 11, "max_tokens": 16}\')\n'
              'import asyncio\nasyncio.ensure_future(app["session"].send("Say hello", force_tool="answer"))')
    last = "#chat-log .msg[data-role=assistant]:last-child"
    page.wait_for_selector(f"{last}[data-status=done]")
    assert page.locator(f"{last} .form-error").count() == 0


def drop_file(page, data, name):
    page.evaluate("""([bytes, name]) => {
        const file = new File([new Uint8Array(bytes)], name);
        const transfer = new DataTransfer();
        transfer.items.add(file);
        const zone = document.querySelector("#model-drop");
        zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""", [list(data), name])


@pytest.fixture
def picker_page(browser, pwa_site, serve, tmp_path):
    dist, _, _ = pwa_site
    site = tmp_path / "site"
    shutil.copytree(dist, site)
    (site / "extra").mkdir()
    write_model(site / "extra" / "from-url.gguf", seed=7, general__name="URL model")
    server = serve(site)
    context = browser.new_context()
    recorded = RecordedPage(context.new_page())
    recorded.page.set_default_timeout(120_000)
    yield recorded, server
    assert recorded.foreign_requests(server.url) == []
    context.close()


def open_app(page, server):
    page.goto(server.url + "?testhooks")
    assert wait_booted(page) == "ready"
    page.wait_for_selector("#model-list li[data-model-id=tiny]", state="attached")
    run(page, f'app["picker"].shard_size = {SHARD}')
    page.click("#model-picker summary")


def test_a_users_file_is_stored_chosen_answers_and_survives_a_reload(picker_page, tmp_path):
    recorded, server = picker_page
    page = recorded.page
    open_app(page, server)
    assert page.get_attribute("#model-list li[data-model-id=tiny]", "data-current") == "true"
    page.wait_for_selector("#model-state[data-state=not-downloaded]")
    assert "used" in page.text_content("#model-storage") and "available" in page.text_content("#model-storage")

    mine = write_model(tmp_path / f"{HOSTILE}.gguf", seed=3, general__name=HOSTILE)
    page.evaluate("""() => { window.__progress = [];
        new MutationObserver(() => window.__progress.push(document.querySelector('#model-import-text').textContent))
            .observe(document.querySelector('#model-import-text'), {childList: true, characterData: true, subtree: true}); }""")
    page.set_input_files("#model-file", str(mine))
    wait_current(page, "file")
    wait_ready(page)
    size = mine.stat().st_size
    shards = math.ceil(size / SHARD)
    assert len(user_cache_entries(page)) == shards + 2  # the shards, the manifest, the parsed header
    progress = page.evaluate("window.__progress")
    print(f"\nprogress shown: {progress}")
    assert progress and progress[-1].startswith(f"{size / 1e3:.1f} kB / ") and len(progress) >= 2
    name = page.text_content(f"{CURRENT} .model-name")
    assert name.startswith(HOSTILE) and HOSTILE + ".gguf" in name  # as text, file name too
    assert page.locator("#model-picker img").count() == 0 and page.evaluate("window.__xss") is None
    facts = page.text_content(f"{CURRENT} .model-facts")
    assert facts.startswith("llama · 93K parameters · Q4_1 79%, Q8_0 21% · ") and facts.endswith(" kB on disk"), facts
    ask_answer(page)

    page.reload()
    assert wait_booted(page) == "ready"
    wait_current(page, "file")
    wait_ready(page)
    assert page.text_content("#model-current") == HOSTILE
    ask_answer(page)

    page.evaluate("""async () => {  // a stored part goes bad: every load verifies them all
        const cache = await caches.open("models-v1");
        const key = (await cache.keys()).find((r) => r.url.endsWith("/shard-001.bin") && r.url.includes("/models/user/"));
        const stored = await cache.match(key);
        const bytes = new Uint8Array(await stored.arrayBuffer());
        bytes[100] ^= 0xff;
        await cache.put(key, new Response(bytes, {headers: stored.headers}));
    }""")
    page.reload()
    assert wait_booted(page) == "ready"
    page.wait_for_selector("#model-state[data-state=error]")
    assert page.text_content("#model-state-text") == (
        "The assistant is unavailable: The stored copy of this model is damaged (a part no longer "
        "matches its checksum). Delete it in the model picker and add the file again.")
    assert not [e for e in recorded.errors if "Error" in e], recorded.errors


@pytest.mark.parametrize("kind", ["bad magic", "architecture", "tensor type", "truncated"])
def test_an_unsupported_file_is_named_and_the_model_in_use_stays(picker_page, tmp_path, kind):
    recorded, server = picker_page
    page = recorded.page
    open_app(page, server)
    good = write_model(tmp_path / "good.gguf", seed=3)
    page.set_input_files("#model-file", str(good))
    wait_current(page, "file")
    wait_ready(page)
    before = user_cache_entries(page)

    bad = tmp_path / "bad.gguf"
    data = good.read_bytes()
    bad.write_bytes({"bad magic": b"GGUX" + data[4:], "architecture": renamed_arch(data),
                     "tensor type": retyped(data), "truncated": data[:len(data) - 5000]}[kind])
    expected = f"bad.gguf cannot be used: {native_problem(bad)}."
    if kind == "architecture":
        drop_file(page, bad.read_bytes(), "bad.gguf")  # the drop zone takes the same path
    else:
        page.set_input_files("#model-file", str(bad))
    page.wait_for_function("() => document.querySelector('#model-picker-error').textContent !== ''")
    shown = page.text_content("#model-picker-error")
    print(f"\n{kind}: {shown!r}")
    assert shown == expected
    assert {"bad magic": "bad magic", "architecture": "unsupported architecture 'mamba'",
            "tensor type": "has ggml type Q8_1 (id 9), which is not supported", "truncated": "lies outside the file"}[kind] in shown
    assert user_cache_entries(page) == before
    assert page.get_attribute(CURRENT, "data-origin") == "file"
    assert page.get_attribute("#model-state", "data-state") == "ready"
    ask_answer(page)


def test_a_model_that_cannot_fit_is_refused_before_it_is_copied_or_downloaded(picker_page, tmp_path):
    recorded, server = picker_page
    page = recorded.page
    open_app(page, server)
    run(page, 'app["picker"].limits = lambda: {"backend": "wasm", "max_buffer": 1 << 30, '
              '"max_binding": 1 << 30, "budget": 4 << 20}')
    page.set_input_files("#model-file", str(write_model(tmp_path / "big.gguf", seed=5)))
    page.wait_for_function("() => document.querySelector('#model-picker-error').textContent !== ''")
    shown = page.text_content("#model-picker-error")
    print(f"\nshown: {shown!r}")
    assert shown.startswith("big.gguf: This model cannot run on the CPU's WebAssembly memory: the model "
                            "does not fit: it needs 9 MiB") and shown.endswith("4 MiB are available.")
    assert user_cache_entries(page) == []
    assert page.get_attribute(CURRENT, "data-model-id") == "tiny"
    page.click("#model-download")  # the shipped model: checked from its build-time header facts
    page.wait_for_selector("#model-state[data-state=error]")
    assert page.text_content("#model-state-text").startswith(
        "The assistant is unavailable: This model cannot run on the CPU's WebAssembly memory: the model does not fit")
    assert server.requested("models/tiny/shard-") == []


def test_a_url_model_is_stored_and_a_stored_model_can_be_deleted(picker_page, tmp_path):
    recorded, server = picker_page
    page = recorded.page
    open_app(page, server)
    page.set_input_files("#model-file", str(write_model(tmp_path / "mine.gguf", seed=3)))
    wait_current(page, "file")
    wait_ready(page)
    file_entries = user_cache_entries(page)

    page.fill("#model-url", "extra/from-url.gguf")  # relative: resolved against the page
    page.press("#model-url", "Enter")
    wait_current(page, "url")
    wait_ready(page)
    assert page.text_content(f"{CURRENT} .model-name").startswith("URL model")
    assert "/extra/from-url.gguf" in server.requested("extra")[0]
    ask_answer(page)
    assert len(user_cache_entries(page)) > len(file_entries)

    page.check("#model-list li[data-origin=file] input[type=radio]")  # back to the file, by keyboard too
    wait_current(page, "file")
    wait_ready(page)
    page.focus("#model-list li[data-origin=url] .model-delete")
    page.keyboard.press("Enter")
    page.wait_for_selector("#model-list li[data-origin=url]", state="detached")
    assert sorted(user_cache_entries(page)) == sorted(file_entries)
    assert page.text_content("#model-picker-status").startswith("Deleted URL model")

    page.fill("#model-url", "https://example.org/model.gguf")  # another site: refused, no request
    page.press("#model-url", "Enter")
    page.wait_for_selector("#model-picker-error:not(:empty)", state="attached")
    assert "may only download from its own site" in page.text_content("#model-picker-error")
    assert recorded.foreign_requests(server.url) == []


class FlakyServer:
    """The site, plus /flaky.gguf: the first whole-file request is cut off after CUT bytes (the
    connection closes mid-body, as a dropped network does); Range requests get a 206."""

    CUT = 40 * 1024

    def __init__(self, directory, model):
        import functools
        import http.server
        import threading

        from tools.server import Handler
        self.ranges, data, server = [], model.read_bytes(), self

        class Flaky(Handler):
            def do_GET(self):
                if not self.path.startswith("/flaky.gguf"):
                    return super().do_GET()
                wanted = self.headers.get("Range")
                server.ranges.append(wanted)
                start = int(wanted.split("=")[1].split("-")[0]) if wanted else 0
                self.send_response(206 if wanted else 200)
                self.send_header("Content-Length", str(len(data) - start))
                if wanted:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                first = not wanted and None not in server.ranges[:-1]  # the first whole-file GET
                self.wfile.write(data[start:FlakyServer.CUT] if first else data[start:])
                self.wfile.flush()
                if first:
                    time.sleep(1)  # the bytes arrive, then the connection drops
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Flaky, directory=str(directory)))
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"



def test_an_interrupted_url_copy_resumes_from_the_parts_stored(browser, pwa_site, tmp_path):
    dist, _, _ = pwa_site
    model = write_model(tmp_path / "flaky.gguf", seed=9, general__name="Resumed")
    server = FlakyServer(dist, model)
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        open_app(page, server)
        page.fill("#model-url", "flaky.gguf")
        page.press("#model-url", "Enter")
        page.wait_for_selector("#model-picker-error:not(:empty)", state="attached")
        shown = page.text_content("#model-picker-error")
        print(f"\nfirst try: {shown!r}")
        assert shown.startswith("flaky.gguf: the download was interrupted after ") and "to resume" in shown
        kept = user_cache_entries(page)
        assert len(kept) == FlakyServer.CUT // SHARD  # the whole shards that arrived, no manifest
        page.press("#model-url", "Enter")
        wait_current(page, "url")
        wait_ready(page)
        copies = [r for r in server.ranges if not (r or "").startswith("bytes=0-")]  # not header reads
        assert copies == [None, f"bytes={len(kept) * SHARD}-"]  # the second copy fetched only the rest
        assert len(user_cache_entries(page)) == math.ceil(model.stat().st_size / SHARD) + 2  # + manifest, header
        ask_answer(page)
    finally:
        context.close()
        server.httpd.shutdown()
