"""The to-do list in the built page: add, edit in place, complete, filter, delete + undo, reload,
export/import (into a fresh profile), a malformed import, and the assistant panel's placeholder state."""
import json

# add_todo, boot and item stay importable from here (test_real_model_app.py uses them).
from .conftest import add_todo, boot, focused, item, reload_after_saves, states, titles, wait_booted


# -- tests ------------------------------------------------------------------------------------------
def test_add_edit_complete_filter_search_delete_undo_and_reload(recorded_page, server):
    page = recorded_page.page
    boot(page, server)
    assert "Nothing here yet" in page.text_content("#todo-empty")

    # an empty title is refused with a message, and nothing is added
    page.press("#todo-new-title", "Enter")
    assert "needs a title" in page.text_content("#todo-form-error")
    assert page.get_attribute("#todo-new-title", "aria-invalid") == "true"
    assert titles(page) == []

    add_todo(page, "Buy milk", due="2020-01-02")
    add_todo(page, "Call mom")
    add_todo(page, "Write report")
    assert titles(page) == ["Buy milk", "Call mom", "Write report"]
    assert page.text_content("#todo-counts") == "3 open · 0 done · 1 overdue"
    assert "overdue" in item(page, "Buy milk").locator(".todo-due").text_content()
    assert page.evaluate("document.activeElement.id") == "todo-new-title"  # ready for the next one

    # edit in place with the keyboard only: Enter on Edit, retype, Enter saves
    item(page, "Call mom").locator("[data-action=edit]").focus()
    page.keyboard.press("Enter")
    assert focused(page, "data-field") == "title"
    page.keyboard.press("Control+A")
    page.keyboard.type("Call mum")
    page.keyboard.press("Enter")
    assert titles(page) == ["Buy milk", "Call mum", "Write report"]
    assert focused(page, "data-action") == "edit"
    # double-click edits too; Escape cancels
    item(page, "Write report").locator(".todo-title").dblclick()
    page.keyboard.type("zzz")
    page.keyboard.press("Escape")
    assert titles(page) == ["Buy milk", "Call mum", "Write report"]
    # set a due date while editing
    report = item(page, "Write report")
    report.locator("[data-action=edit]").click()
    report.locator("[data-field=due]").fill("2099-05-01")
    report.locator("[data-action=save]").click()
    assert "Fri 1 May 2099" in item(page, "Write report").locator(".todo-due").text_content()

    # complete with Space on the checkbox; uncomplete and complete again with clicks
    item(page, "Buy milk").locator("[data-action=toggle]").focus()
    page.keyboard.press("Space")
    assert states(page)["Buy milk"] == "true"
    item(page, "Call mum").locator("[data-action=toggle]").click()
    item(page, "Call mum").locator("[data-action=toggle]").click()
    assert states(page) == {"Buy milk": "true", "Call mum": "false", "Write report": "false"}
    assert page.text_content("#todo-counts") == "2 open · 1 done"

    # filters
    page.click("[data-testid=filter-open]")
    assert page.get_attribute("[data-testid=filter-open]", "aria-pressed") == "true"
    assert titles(page) == ["Call mum", "Write report"]
    page.click("[data-testid=filter-done]")
    assert titles(page) == ["Buy milk"]
    assert page.text_content("[data-testid=filter-done]") == "Done (1)"
    page.click("[data-testid=filter-all]")
    assert titles(page) == ["Buy milk", "Call mum", "Write report"]
    # search: every word, any case, within the filter; nothing found says so
    page.fill("#todo-search", "REP wri")
    assert titles(page) == ["Write report"]
    page.click("[data-testid=filter-done]")
    assert titles(page) == [] and page.text_content("#todo-empty") == "No to-dos match “REP wri”."
    page.click("[data-testid=filter-all]")
    page.fill("#todo-search", "")
    assert titles(page) == ["Buy milk", "Call mum", "Write report"]

    # delete + Undo button: back in its old place
    item(page, "Call mum").locator("[data-action=delete]").click()
    assert titles(page) == ["Buy milk", "Write report"]
    assert page.text_content("#toast-text") == "Deleted “Call mum”."
    page.click("#toast-undo")
    assert titles(page) == ["Buy milk", "Call mum", "Write report"]
    # delete with the keyboard, undo with Ctrl+Z
    item(page, "Write report").locator("[data-action=delete]").focus()
    page.keyboard.press("Enter")
    assert titles(page) == ["Buy milk", "Call mum"]
    page.keyboard.press("Control+z")
    assert titles(page) == ["Buy milk", "Call mum", "Write report"]

    # clear completed (+ undo, then clear for real)
    page.click("#todo-clear-done")
    assert titles(page) == ["Call mum", "Write report"]
    page.click("#toast-undo")
    assert titles(page) == ["Buy milk", "Call mum", "Write report"]
    item(page, "Write report").locator("[data-action=delete]").click()
    page.click("#toast-close")
    assert page.is_hidden("#toast")

    reload_after_saves(page)
    assert states(page) == {"Buy milk": "true", "Call mum": "false"}
    assert "overdue" not in item(page, "Buy milk").locator(".todo-due").text_content()  # done: not overdue
    assert page.text_content("#todo-counts") == "1 open · 1 done"
    assert not recorded_page.errors, recorded_page.errors


def test_export_then_import_into_an_empty_profile(recorded_page, server, browser, tmp_path):
    page = recorded_page.page
    boot(page, server)
    add_todo(page, "Plan trip", due="2099-07-14")
    add_todo(page, "Renew passport")
    add_todo(page, "Ünïcödé ✓ «quotes» \"and\" <tags>")
    item(page, "Renew passport").locator("[data-action=toggle]").click()
    with page.expect_download() as info:
        page.click("#todo-export")
    download = info.value
    assert download.suggested_filename.startswith("todos-") and download.suggested_filename.endswith(".json")
    path = tmp_path / "export.json"
    download.save_as(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [t["title"] for t in data["todos"]] == ["Plan trip", "Renew passport",
                                                  "Ünïcödé ✓ «quotes» \"and\" <tags>"]
    assert "Exported 3 to-dos" in page.text_content("#todo-message")
    expected = states(page)

    context = browser.new_context()  # a new, empty profile
    try:
        other = context.new_page()
        boot(other, server)
        assert titles(other) == []
        other.set_input_files("#todo-import-file", str(path))
        other.wait_for_selector("#todo-message[data-kind=ok]")
        assert "Imported 3 to-dos." in other.text_content("#todo-message")
        assert states(other) == expected
        assert "Tue 14 Jul 2099" in item(other, "Plan trip").locator(".todo-due").text_content()
        # the same file again adds nothing
        other.set_input_files("#todo-import-file", str(path))
        other.wait_for_function("() => document.querySelector('#todo-message').textContent.includes('already')")
        assert len(titles(other)) == 3
        reload_after_saves(other)
        assert states(other) == expected
    finally:
        context.close()


def test_malformed_import_is_reported_and_changes_nothing(recorded_page, server, tmp_path):
    page = recorded_page.page
    boot(page, server)
    add_todo(page, "Keep me")
    bad_json = tmp_path / "broken.json"
    bad_json.write_text('{"todos": [{"title": "half', encoding="utf-8")
    page.set_input_files("#todo-import-file", str(bad_json))
    page.wait_for_selector("#todo-message[data-kind=error]")
    message = page.text_content("#todo-message")
    assert "broken.json" in message and "Nothing was imported" in message and "not valid JSON" in message
    assert titles(page) == ["Keep me"]

    all_bad = tmp_path / "all-bad.json"
    all_bad.write_text(json.dumps({"todos": [{"title": ""}, {"done": "yes"}, 7]}), encoding="utf-8")
    page.set_input_files("#todo-import-file", str(all_bad))
    page.wait_for_function("() => document.querySelector('#todo-message').textContent.includes('all-bad.json')")
    assert page.get_attribute("#todo-message", "data-kind") == "error"
    assert "no entry in the file is a valid to-do" in page.text_content("#todo-message")
    assert titles(page) == ["Keep me"]

    # a partly bad file: the good entry is added, each bad one is named
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([{"title": "Good one"}, {"title": "Bad date", "due": "2026-02-31"}]),
                     encoding="utf-8")
    page.set_input_files("#todo-import-file", str(mixed))
    page.wait_for_selector("#todo-message[data-kind=warning]")
    assert "Entry 2:" in page.text_content("#todo-message .message-details")
    assert titles(page) == ["Keep me", "Good one"]

    reload_after_saves(page)
    assert titles(page) == ["Keep me", "Good one"]


# A scripted engine, defined here in the test (the app itself ships no fake answers).
SCRIPTED_ENGINE = r"""
import asyncio
from todo_app.assistant import client as ac
from todo_app.assistant import protocol as P
class Scripted(ac.AssistantClient):
    def __init__(self):
        self.gate, self.fail_next_download, self.stopped, self.was_reset = asyncio.Event(), True, False, False
    async def model_status(self):
        return P.ModelStatus(P.NOT_DOWNLOADED, "Scripted model", 50_000_000)
    async def download(self, progress_cb):
        if self.fail_next_download:
            self.fail_next_download = False
            raise P.AssistantError("The network is offline.")
        for done in range(0, 25_000_001, 5_000_000):
            progress_cb(done, 50_000_000)
            await asyncio.sleep(0.05)
        await self.gate.wait()
        progress_cb(50_000_000, 50_000_000)
    async def load(self, progress_cb):
        progress_cb(1, 4)
        await asyncio.sleep(0.05)
        progress_cb(4, 4)
    async def ask(self, request, todos, today, force_tool=None):
        self.asked = (request, [t.title for t in todos])
        yield {"text": "Open: **Buy milk**.\n"}
        for i in range(2000):
            if self.stopped:
                return
            yield {"text": f"w{i} "}
            await asyncio.sleep(0.02)
    async def stop(self):
        self.stopped = True
    async def reset(self):
        self.was_reset = True
engine = Scripted()
app["session"].client = engine
await app["session"].retry()
app["session"].state
"""


def run_python(page, code):
    return page.evaluate("async (code) => await window.todoAppTest.run(code)", code)


def test_assistant_panel_state_machine(recorded_page, server):
    page = recorded_page.page
    boot(page, server + "?testhooks")
    # the shipped model, not downloaded yet: its real size on the button, chat disabled
    page.wait_for_selector("#model-state[data-state=not-downloaded]")
    assert page.text_content("#model-download") == "Download model (98.4 MB)"
    assert page.is_hidden("#model-retry")
    assert page.is_disabled("#chat-input") and page.is_disabled("#chat-send")
    assert page.is_disabled("#chat-stop") and page.is_disabled("#chat-clear")
    assert page.locator("#chat-log .msg").count() == 0
    assert page.get_attribute("#chat-log", "role") == "log"
    assert page.locator("#diagnostics #gpu-check").count() == 1

    # a scripted engine walks the panel through every state
    add_todo(page, "Buy milk")
    assert run_python(page, SCRIPTED_ENGINE) == "not-downloaded"
    assert page.text_content("#model-download") == "Download model (50.0 MB)"
    assert "one-time download (50.0 MB)" in page.text_content("#model-state-text")
    page.click("#model-download")
    page.wait_for_selector("#model-state[data-state=error]")
    assert "The network is offline." in page.text_content("#model-state-text")
    page.keyboard.press("Enter")  # focus went to Retry
    page.wait_for_function("() => document.querySelector('#model-progress-text').textContent.startsWith('25.0 MB')")
    assert page.get_attribute("#model-state", "data-state") == "downloading"
    progress = page.text_content("#model-progress-text")
    assert progress.startswith("25.0 MB / 50.0 MB · 50% · ") and progress.endswith(" MB/s"), progress
    assert page.evaluate("document.querySelector('#model-progress').value") == 0.5
    run_python(page, "engine.gate.set()")
    page.wait_for_selector("#model-state[data-state=ready]")
    assert page.evaluate("document.activeElement.id") == "chat-input"

    # chat: Enter sends, Shift+Enter is a newline, the reply streams, Stop ends it, Clear resets
    page.keyboard.type("What is")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("open?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#chat-log .msg[data-role=assistant][aria-busy=true] strong")
    assert page.text_content("#chat-log .msg[data-role=user] .msg-body") == "What is\nopen?"
    assert page.text_content("#chat-log .msg[data-role=assistant] strong") == "Buy milk"
    page.wait_for_function("() => document.querySelector('#chat-log .msg[data-role=assistant]').textContent.includes('w3 ')")
    assert page.is_enabled("#chat-stop") and page.is_disabled("#chat-send")
    page.click("#chat-stop")
    page.wait_for_selector("#chat-log .msg[data-role=assistant][data-status=stopped]")
    assert "(stopped)" in page.text_content("#chat-log .msg[data-role=assistant]")
    assert run_python(page, "engine.asked") == str(("What is\nopen?", ["Buy milk"]))
    page.click("#chat-clear")
    page.wait_for_selector("#chat-log .chat-empty")
    assert run_python(page, "engine.was_reset") == "True"
    assert not recorded_page.errors, recorded_page.errors


CARD_ENGINE = r"""
from todo_app.assistant import client as ac
from todo_app.assistant import protocol as P
class Cards(ac.AssistantClient):
    async def model_status(self): return P.ModelStatus(P.READY, "Scripted model")
    async def download(self, cb): pass
    async def load(self, cb): pass
    async def ask(self, request, todos, today, force_tool=None):
        milk = next(t for t in todos if t.title == "Buy milk")
        if request.startswith("done"):
            actions = [{"op": "complete", "id": milk.id, "title": milk.title}]
        else:
            actions = [{"op": "add", "id": None, "title": "Buy bread", "due": "2031-01-02"}]
        yield {"reply": {"tool": actions[0]["op"], "text": "", "items": [], "choices": [], "actions": actions}}
    async def stop(self): pass
    async def reset(self): pass
app["session"].client = Cards()
app["session"].state = "error"
await app["session"].refresh()
app["session"].state
"""


def test_proposed_changes_apply_on_click_are_stored_and_undoable(recorded_page, server):
    page = recorded_page.page
    boot(page, server + "?testhooks")
    add_todo(page, "Buy milk")
    assert run_python(page, CARD_ENGINE) == "ready"
    page.fill("#chat-input", "add bread")
    page.press("#chat-input", "Enter")
    card = "#chat-log .msg[data-role=assistant]:last-child .action-card"
    page.wait_for_selector(f"{card}[data-outcome=proposed]")
    assert page.text_content(f"{card} .action-text") == "Add “Buy bread”, due Thu 2 Jan 2031"
    assert page.get_attribute(card, "role") == "group"
    assert titles(page) == ["Buy milk"]  # proposed, not applied
    page.focus(f"{card} [data-reply-action=apply]")  # keyboard reachable: a real button
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{card}[data-outcome=applied]")
    assert titles(page) == ["Buy milk", "Buy bread"]
    assert page.get_attribute(f"{card} .action-outcome", "role") == "status"
    assert page.locator(f"{card} button").count() == 0  # applied once, no second click
    page.click("#toast-undo")
    page.wait_for_function("() => document.querySelectorAll('#todo-list > li').length === 1")

    page.fill("#chat-input", "done with milk")
    page.press("#chat-input", "Enter")
    page.wait_for_selector(f"{card}[data-op=complete][data-outcome=proposed]")
    page.click(f"{card} [data-reply-action=cancel]")
    page.wait_for_selector(f"{card}[data-outcome=cancelled]")
    assert page.is_checked("#todo-list > li [data-action=toggle]") is False

    page.fill("#chat-input", "done with milk")
    page.press("#chat-input", "Enter")
    page.wait_for_selector(f"{card}[data-outcome=proposed]")
    page.click(f"{card} [data-reply-action=apply]")
    page.wait_for_selector(f"{card}[data-outcome=applied]")
    reload_after_saves(page)
    assert titles(page) == ["Buy milk"]
    assert page.is_checked("#todo-list > li [data-action=toggle]") is True
    assert not recorded_page.errors, recorded_page.errors


# IndexedDB refused entirely: the app's database at once (as sandboxed or storage-blocked
# pages see it), every other database (PyScript's package cache) with an error event later, as a
# browser that denies the open does. Before site/idb-guard.js, PyScript did not start at all.
NO_INDEXEDDB = """const open = IDBFactory.prototype.open;
Object.defineProperty(IDBFactory.prototype, 'open', {configurable: true, writable: true, value(name, ...rest) {
    if (name === 'todo-assistant') throw new DOMException('storage is blocked here', 'SecurityError');
    const request = open.call(this, name, ...rest);
    queueMicrotask(() => request.dispatchEvent(new Event('error')));
    return request; }});"""


def test_without_indexeddb_the_list_works_in_memory_and_says_so(browser, server):
    """Python starts all the same (idb-guard.js), store.open_store falls back to MemoryStore: the
    list works, a note says changes are lost on reload, and after a reload they are gone."""
    context = browser.new_context()
    context.add_init_script(NO_INDEXEDDB)
    page = context.new_page()
    warnings = []
    page.on("console", lambda m: m.type == "warning" and "IndexedDB refused" in m.text and warnings.append(m.text))
    boot(page, server)
    assert warnings, "PyScript's database was not refused: the test blocked nothing"
    note = page.locator("#todo-storage-note")
    assert note.is_visible()
    text = note.text_content()
    assert text.startswith("Your list cannot be saved in this browser (") and "storage is blocked here" in text
    assert text.endswith("); changes are lost on reload."), text
    add_todo(page, "Only in memory")
    assert titles(page) == ["Only in memory"]
    page.reload()
    assert wait_booted(page) == "ready"
    assert titles(page) == [] and page.locator("#todo-storage-note").is_visible()
    context.close()
