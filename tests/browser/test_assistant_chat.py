"""Browser tier, the whole assistant with the real engine in its PyScript worker (tiny model):
download, load, a streamed reply, stop, a second question, clear, a page that stays responsive
while the model writes, and the whole thing again with the network off."""
import time

import pytest

from .conftest import RecordedPage, wait_booted
from .test_pwa import pwa_site, serve, wait_sw_activated  # noqa: F401

COUNT_UPDATES = """() => {
    window.__replyUpdates = 0;
    new MutationObserver(() => window.__replyUpdates++)
        .observe(document.querySelector('#chat-log'), {subtree: true, childList: true, characterData: true});
}"""
LAST_REPLY = "#chat-log .msg[data-role=assistant]:last-child"


@pytest.fixture
def ready_page(browser, pwa_site, serve):
    dist, _, _ = pwa_site
    server = serve(dist)
    context = browser.new_context()
    recorded = RecordedPage(context.new_page())
    page = recorded.page
    page.set_default_timeout(120_000)
    page.goto(server.url)
    assert wait_booted(page) == "ready"
    page.wait_for_selector("#model-state[data-state=not-downloaded]")
    page.click("#model-download")
    page.wait_for_selector("#model-state[data-state=ready]")
    yield recorded, server
    assert recorded.foreign_requests(server.url) == []
    context.close()


def ask(page, question):
    page.fill("#chat-input", question)
    page.keyboard.press("Enter")


def test_reply_streams_stop_ends_it_and_the_chat_goes_on(ready_page):
    recorded, _ = ready_page
    page = recorded.page
    page.evaluate(COUNT_UPDATES)
    ask(page, "What is open?")
    page.wait_for_function("() => window.__replyUpdates > 6")
    page.wait_for_function(f"() => (document.querySelector('{LAST_REPLY} .msg-body')?.textContent.length ?? 0) > 3")
    page.click("#chat-stop")
    page.wait_for_selector(f"{LAST_REPLY}[data-status=stopped]", timeout=10_000)
    stopped_text = page.text_content(f"{LAST_REPLY} .msg-body")
    time.sleep(0.5)
    assert page.text_content(f"{LAST_REPLY} .msg-body") == stopped_text  # nothing after stop

    ask(page, "And what is done?")
    page.wait_for_selector("#chat-log .msg[data-role=assistant] >> nth=1")
    page.wait_for_function(f"() => (document.querySelector('{LAST_REPLY} .msg-body')?.textContent.length ?? 0) > 3")
    page.click("#chat-stop")
    page.wait_for_selector(f"{LAST_REPLY}[data-status=stopped], {LAST_REPLY}[data-status=done]")
    assert page.locator("#chat-log .msg[data-role=user]").count() == 2
    page.click("#chat-clear")
    page.wait_for_selector("#chat-log .chat-empty")
    assert not [e for e in recorded.errors if "Error" in e], recorded.errors


def test_the_list_stays_responsive_while_the_assistant_writes(ready_page):
    recorded, _ = ready_page
    page = recorded.page
    page.evaluate(COUNT_UPDATES)
    ask(page, "Summarise my list")
    page.wait_for_function("() => window.__replyUpdates > 3")
    delays = []
    for i in range(3):
        page.fill("#todo-new-title", f"Added while streaming {i}")
        delays.append(page.evaluate("""(title) => new Promise((resolve) => {
            const start = performance.now();
            const seen = () => [...document.querySelectorAll('#todo-list .todo-title')]
                .some((e) => e.textContent === title);
            const observer = new MutationObserver(() => {
                if (seen()) { observer.disconnect(); resolve(performance.now() - start); }
            });
            observer.observe(document.querySelector('#todo-list'), {subtree: true, childList: true, characterData: true});
            document.querySelector('#todo-add').click();
        })""", f"Added while streaming {i}"))
    still_streaming = page.get_attribute(LAST_REPLY, "aria-busy") == "true"
    print(f"\nadd-to-visible while streaming: {[round(d) for d in delays]} ms (streaming: {still_streaming})")
    assert still_streaming
    assert max(delays) < 200
    page.click("#chat-stop")


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
    page.wait_for_function(f"() => (document.querySelector('{LAST_REPLY} .msg-body')?.textContent.length ?? 0) > 3")
    page.click("#chat-stop")
    page.context.set_offline(False)
