"""Browser tier, one real-model smoke test of the shipped site: SmolLM2 downloaded into the Cache
API, loaded by the engine worker on the backend the app picks (here, with only SwiftShader: the CPU
kernels; measured: download+load 15 s, answer 8 s), asked about a list of 3 open and 2 done to-dos.
The model picks the `count` tool (the tuned default model; the base model also did, natively at 0.94) and the app
states the number it computed."""
import time

from .test_todo_app import add_todo, boot, item

LAST_REPLY = "#chat-log .msg[data-role=assistant]:last-child"


def test_real_model_answers_about_the_list(recorded_page, server):
    page = recorded_page.page
    page.set_default_timeout(180_000)
    boot(page, server)
    for title in ["Buy milk", "Call the dentist", "Finish the tax form", "Water the plants", "Book train tickets"]:
        add_todo(page, title)
    for title in ["Water the plants", "Book train tickets"]:
        item(page, title).locator("[data-action=toggle]").click()
    page.wait_for_function("() => document.querySelector('#todo-counts').textContent.includes('3')")

    started = time.perf_counter()
    page.click("#model-download")
    page.wait_for_selector("#model-state[data-state=ready]")
    loaded = time.perf_counter()
    page.fill("#chat-input", "How many open todos do I have?")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{LAST_REPLY}[data-status=done]", timeout=420_000)
    answer = page.text_content(f"{LAST_REPLY} .msg-body")
    print(f"\nreal model: download+load {loaded - started:.1f} s, answer after "
          f"{time.perf_counter() - loaded:.1f} s: {answer!r}")
    assert page.text_content(f"{LAST_REPLY} .reply-text") == "You have 3 open to-dos."
    assert recorded_page.foreign_requests(server) == []
