"""Browser tier, the whole assistant with the real engine in its PyScript worker (tiny model):
download, load, a streamed answer, stop, a second question, clear, a proposed change applied
from its card, a page that stays responsive while the model writes, and the whole thing again
with the network off. The tiny model's weights are random, so tests that need a particular tool
pick it the way a person does from an unsure reply's buttons (`force_tool`).

The page runs with ?testhooks: the replies are sampled with a fixed seed and a fixed "today", so
what the tiny model writes (and when it stops) is the same on every run. A lost GPU device is
tested too."""
import time

import pytest

from .conftest import RecordedPage, wait_booted
from .test_engine_browser import page_run
from .test_pwa import pwa_site, serve, wait_sw_activated  # noqa: F401

COUNT_UPDATES = """() => {
    window.__replyUpdates = 0;
    new MutationObserver(() => window.__replyUpdates++)
        .observe(document.querySelector('#chat-log'), {subtree: true, childList: true, characterData: true});
}"""
LAST_REPLY = "#chat-log .msg[data-role=assistant]:last-child"
SEEDED = """
import datetime
app["session"].today_source = lambda: datetime.date(2026, 3, 2)
await app["session"].client.worker.testhook("chat_options", '{"seed": 11, "max_tokens": 200}')
"""


@pytest.fixture
def ready_page(request, browser, pwa_site, serve):
    """The app with the tiny model loaded on WebGPU (SwiftShader): the seeded replies these tests
    follow are the WebGPU kernels' (the CPU kernels' int8 activations sample other tokens); a test
    may name another backend by parametrizing this fixture (indirect). The CPU path's own app
    tests are in test_no_webgpu.py and test_wasm_browser.py."""
    dist, _, _ = pwa_site
    server = serve(dist)
    context = browser.new_context()
    recorded = RecordedPage(context.new_page())
    page = recorded.page
    page.set_default_timeout(120_000)
    page.goto(server.url + "?testhooks&backend=" + getattr(request, "param", "webgpu"))
    assert wait_booted(page) == "ready"
    page.wait_for_selector("#model-state[data-state=not-downloaded]")
    page.click("#model-download")
    page.wait_for_selector("#model-state[data-state=ready]")
    page_run(page, SEEDED)
    yield recorded, server
    assert recorded.foreign_requests(server.url) == []
    context.close()


def ask(page, question):
    page.fill("#chat-input", question)
    page.keyboard.press("Enter")


def ask_with_tool(page, question, tool):
    """Send as if the person had picked `tool` from an unsure reply's choices."""
    page.evaluate("""async ([q, tool]) => await window.todoAppTest.run(
        `import asyncio\nasyncio.ensure_future(app["session"].send(${JSON.stringify(q)}, force_tool="${tool}"))`)""",
                  [question, tool])


def test_reply_streams_stop_ends_it_and_the_chat_goes_on(ready_page):
    recorded, _ = ready_page
    page = recorded.page
    page.evaluate(COUNT_UPDATES)
    ask_with_tool(page, "Translate my list into French", "answer")
    page.wait_for_function("() => window.__replyUpdates > 6")
    page.wait_for_function(f"() => (document.querySelector('{LAST_REPLY} .msg-body')?.textContent.length ?? 0) > 3")
    page.click("#chat-stop")
    page.wait_for_selector(f"{LAST_REPLY}[data-status=stopped]", timeout=10_000)
    stopped_text = page.text_content(f"{LAST_REPLY} .msg-body")
    time.sleep(0.5)
    assert page.text_content(f"{LAST_REPLY} .msg-body") == stopped_text  # nothing after stop

    ask(page, "And what is done?")  # whatever tool the tiny model picks, a reply comes back
    page.wait_for_selector("#chat-log .msg[data-role=assistant] >> nth=1")
    page.wait_for_selector(f"{LAST_REPLY}[data-status=done], {LAST_REPLY}[data-status=stopped]")
    assert page.locator("#chat-log .msg[data-role=user]").count() == 2
    assert page.locator(f"{LAST_REPLY} .form-error").count() == 0
    page.click("#chat-clear")
    page.wait_for_selector("#chat-log .chat-empty")
    assert not [e for e in recorded.errors if "Error" in e], recorded.errors


def test_the_list_stays_responsive_while_the_assistant_writes(ready_page):
    recorded, _ = ready_page
    page = recorded.page
    page.evaluate(COUNT_UPDATES)
    ask_with_tool(page, "Write a short poem about my list", "answer")
    page.wait_for_function("() => window.__replyUpdates > 3")
    seen = []
    for i in range(3):
        page.fill("#todo-new-title", f"Added while streaming {i}")
        # Event order, not wall-clock: when the new title shows up, the reply is still being written.
        seen.append(page.evaluate("""(title) => new Promise((resolve) => {
            const reply = () => document.querySelector('%s');
            const seen = () => [...document.querySelectorAll('#todo-list .todo-title')]
                .some((e) => e.textContent === title);
            const observer = new MutationObserver(() => {
                if (seen()) {
                    observer.disconnect();
                    resolve({busy: reply().getAttribute('aria-busy'), status: reply().dataset.status,
                             length: reply().querySelector('.msg-body').textContent.length});
                }
            });
            observer.observe(document.querySelector('#todo-list'), {subtree: true, childList: true, characterData: true});
            document.querySelector('#todo-add').click();
        })""" % LAST_REPLY, f"Added while streaming {i}"))
    print(f"\nreply state when each added to-do appeared: {seen}")
    assert all(s["busy"] == "true" and s["status"] == "streaming" for s in seen), seen
    # ... and it went on writing afterwards.
    page.wait_for_function(f"() => document.querySelector('{LAST_REPLY} .msg-body').textContent.length > {seen[-1]['length']}")
    page.click("#chat-stop")


def test_a_lost_gpu_device_is_reported_and_retry_reloads_the_model(ready_page):
    recorded, _ = ready_page
    page = recorded.page
    ask_with_tool(page, "Translate my list into French", "answer")
    page.wait_for_function(f"() => (document.querySelector('{LAST_REPLY} .msg-body')?.textContent.length ?? 0) > 3")
    page_run(page, 'await app["session"].client.worker.testhook("lose_device", "{}")')
    page.wait_for_selector(f"{LAST_REPLY}[data-status=error]")
    error = page.text_content(f"{LAST_REPLY} .form-error")
    assert error.startswith("No answer: The GPU device was lost (") and \
        error.endswith("). Press Retry to load the model again."), error
    page.wait_for_selector("#model-state[data-state=error]", timeout=30_000)
    assert page.text_content("#model-state-text").startswith(
        "The assistant is unavailable: The GPU device was lost (")
    page.click("#model-retry")
    page.wait_for_selector("#model-state[data-state=ready]")
    ask(page, "And what is done?")
    page.wait_for_selector("#chat-log .msg[data-role=assistant] >> nth=1")
    page.wait_for_selector(f"{LAST_REPLY}[data-status=done]")
    assert page.locator(f"{LAST_REPLY} .form-error").count() == 0


def test_after_one_visit_the_app_and_the_assistant_work_offline(ready_page):
    recorded, server = ready_page
    page = recorded.page
    assert wait_sw_activated(page) == "activated"
    page.fill("#todo-new-title", "Pack for the trip")
    page.press("#todo-new-title", "Enter")
    page.wait_for_selector('#todo-root[data-pending-saves="0"]', state="attached")

    page.context.set_offline(True)
    page.reload()
    assert wait_booted(page) == "ready"
    assert "Pack for the trip" in page.locator("#todo-list .todo-title").all_text_contents()
    page.wait_for_selector("#model-state[data-state=ready]")  # loads from the Cache API by itself
    ask(page, "What should I pack?")
    page.wait_for_selector(f"{LAST_REPLY}[data-status=done]")
    assert page.locator(f"{LAST_REPLY} .form-error").count() == 0
    page.context.set_offline(False)


def test_a_proposed_change_is_applied_only_by_its_card(ready_page):
    recorded, _ = ready_page
    page = recorded.page
    page.fill("#todo-new-title", "Existing one")
    page.press("#todo-new-title", "Enter")
    ask_with_tool(page, "add buy bread for friday", "add")
    card = f"{LAST_REPLY} .action-card[data-op=add]"
    page.wait_for_selector(f"{LAST_REPLY}[data-status=done]")
    proposed = page.text_content(f"{card} .action-text")
    assert proposed.startswith("Add “")
    assert page.locator("#todo-list > li").count() == 1  # nothing changed yet
    page.click(f"{card} [data-reply-action=apply]")
    page.wait_for_selector(f"{card}[data-outcome=applied]")
    titles = page.locator("#todo-list .todo-title").all_text_contents()
    assert len(titles) == 2 and proposed.startswith(f"Add “{titles[1]}”")
    page.wait_for_selector('#todo-root[data-pending-saves="0"]', state="attached")
    page.reload()
    assert wait_booted(page) == "ready"
    assert page.locator("#todo-list .todo-title").all_text_contents() == titles  # stored
