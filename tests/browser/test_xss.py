"""User text and model text never become markup: to-do titles, toasts, chat messages, formatted replies."""
import json

from .conftest import add_todo, boot, item, reload_after_saves, titles

PAYLOAD = '<img src=x onerror="window.__pwned=1">'
SCRIPT_PAYLOAD = "<script>window.__pwned=2</script><svg onload=\"window.__pwned=3\"></svg>"
ALLOWED_REPLY_TAGS = {"P", "UL", "OL", "LI", "STRONG", "CODE", "BR"}
REPLY_VIEW_TAGS = ALLOWED_REPLY_TAGS | {"DIV", "SPAN", "BUTTON"}  # + the listed to-dos and action cards


def run_python(page, code):
    return page.evaluate("async (code) => await window.todoAppTest.run(code)", code)


def no_markup(page):
    return page.evaluate("""() => ({
        pwned: window.__pwned,
        imgs: document.querySelectorAll('img').length,
        scripts: document.querySelectorAll('main script, footer script').length,
        svgs: document.querySelectorAll('svg').length,
    })""")


def test_a_todo_titled_like_html_renders_inert(recorded_page, server):
    page = recorded_page.page
    boot(page, server)
    add_todo(page, PAYLOAD)
    assert titles(page) == [PAYLOAD]
    # edit it into another payload, then delete + undo (the toast shows the title too)
    li = item(page, "img src")
    li.locator("[data-action=edit]").click()
    li.locator("[data-field=title]").fill(PAYLOAD + SCRIPT_PAYLOAD)
    page.keyboard.press("Enter")
    assert titles(page) == [PAYLOAD + SCRIPT_PAYLOAD]
    item(page, "img src").locator("[data-action=delete]").click()
    assert PAYLOAD in page.text_content("#toast-text")
    page.click("#toast-undo")
    page.wait_for_timeout(300)
    assert no_markup(page) == {"pwned": None, "imgs": 0, "scripts": 0, "svgs": 0}
    reload_after_saves(page)
    assert titles(page) == [PAYLOAD + SCRIPT_PAYLOAD]
    page.wait_for_timeout(300)
    assert no_markup(page) == {"pwned": None, "imgs": 0, "scripts": 0, "svgs": 0}


def test_reply_formatter_and_chat_create_no_elements_from_text(recorded_page, server):
    page = recorded_page.page
    boot(page, server + "?testhooks")
    # the panel's own first status check settles before the scripted client replaces the real one
    # (under load it could end later and disable the chat input again)
    page.wait_for_selector("#model-state[data-state=not-downloaded]")
    text = ("Hi **" + PAYLOAD + "** there\n\n- " + SCRIPT_PAYLOAD + "\n- `<iframe src=x>`\n\n"
            "<a href=javascript:alert(1)>link</a> &lt;b&gt;")
    # 1. the formatter on its own, into a probe element
    tags = run_python(page, f"""
from todo_app.ui.chat_panel import render_reply
probe = js.document.createElement("div")
probe.id = "xss-probe"
js.document.body.appendChild(probe)
render_reply(probe, {text!r})
",".join(sorted({{probe.querySelectorAll("*").item(i).tagName for i in range(probe.querySelectorAll("*").length)}}))
""")
    assert set(tags.split(",")) <= ALLOWED_REPLY_TAGS, tags
    probe_text = page.text_content("#xss-probe")
    assert PAYLOAD in probe_text and "<script>" in probe_text and "<iframe src=x>" in probe_text
    assert "&lt;b&gt;" in probe_text  # entities are not decoded either
    assert page.inner_text("#xss-probe strong") == PAYLOAD

    # 2. through the real chat panel, streamed piece by piece from a scripted client (test code)
    pieces = [text[i:i + 7] for i in range(0, len(text), 7)]
    state = run_python(page, f"""
from todo_app.assistant import client as ac
from todo_app.assistant import protocol as P
class Scripted(ac.AssistantClient):
    async def model_status(self): return P.ModelStatus(P.READY, "test client")
    async def download(self, cb): pass
    async def load(self, cb): pass
    async def ask(self, request, todos, today, force_tool=None):
        for piece in {pieces!r}:
            yield {{"text": piece}}
        hostile = {{"id": "x1", "title": {PAYLOAD!r}, "done": False, "due": None}}
        yield {{"reply": {{"tool": "answer", "text": {PAYLOAD!r}, "items": [hostile],
                          "actions": [{{"op": "rename", "id": "x1", "title": {PAYLOAD!r}, "new_title": {PAYLOAD!r}}}],
                          "choices": []}}}}
    async def stop(self): pass
    async def reset(self): pass
session = app["session"]
session.client = Scripted()
session.state = "error"
await session.refresh()
session.state
""")
    assert state == "ready"
    page.fill("#chat-input", PAYLOAD)
    page.press("#chat-input", "Enter")
    page.wait_for_selector("#chat-log .msg[data-role=assistant][data-status=done]")
    assert page.text_content("#chat-log .msg[data-role=user] .msg-body") == PAYLOAD
    reply_tags = page.evaluate("""() => [...document.querySelectorAll('#chat-log .msg-body *')]
                                         .map(e => e.tagName)""")
    assert set(reply_tags) <= REPLY_VIEW_TAGS, reply_tags
    assert PAYLOAD in page.text_content("#chat-log .reply-items .reply-title")
    assert PAYLOAD in page.text_content("#chat-log .action-card .action-text")
    assert page.evaluate("document.querySelectorAll('#chat-log a, #chat-log iframe').length") == 0
    page.wait_for_timeout(300)
    assert no_markup(page) == {"pwned": None, "imgs": 0, "scripts": 0, "svgs": 0}
    assert json.loads(page.get_attribute("#gpu-check", "data-report"))  # diagnostics untouched
