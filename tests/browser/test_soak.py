"""The soak's short variant (issue #15; `build.py bench --soak` runs 100 questions and prints the
figures): 15 questions in one conversation with the tiny model, through the assistant panel, over
a list long enough that phase 2's list must be cut to fit the model's context.

After a warm-up of 10 questions (every kind of question once), 5 more may not create one GPU
buffer, and the page's JS heap (after a full GC) may grow by at most HEAP_PER_QUESTION bytes a
question: the 200 messages of the 100-question soak took ~3 kB each (their DOM and entries)."""
from tools import soak_driver as D

from .conftest import RecordedPage, wait_booted
from .test_pwa import pwa_site, serve  # noqa: F401

WARM_UP, MORE = 10, 5
HEAP_PER_QUESTION = 20_000


def test_fifteen_questions_create_no_gpu_buffers_and_keep_the_heap_bounded(browser, pwa_site, serve):
    dist, _, _ = pwa_site
    server = serve(dist)
    context = browser.new_context()
    recorded = RecordedPage(context.new_page())
    page = recorded.page
    page.set_default_timeout(120_000)
    cdp = context.new_cdp_session(page)
    page.goto(server.url + "?testhooks&backend=webgpu")  # the GPU buffer census needs WebGPU
    assert wait_booted(page) == "ready"
    D.prepare(page, todos=40, max_tokens=24)

    statuses, typed = [], []
    for number in range(WARM_UP + MORE):
        if number == WARM_UP:
            warm = D.snapshot(page, cdp, number)
        _, status, typing = D.ask(page, number, *D.QUESTIONS[number % len(D.QUESTIONS)])
        statuses.append(status)
        typed += typing["keys"] if typing else []
    end = D.snapshot(page, cdp, WARM_UP + MORE)

    assert statuses == ["done"] * (WARM_UP + MORE)
    assert page.locator("#chat-log .msg").count() == 2 * (WARM_UP + MORE)
    assert end["engine"]["buffers"]["created"] == warm["engine"]["buffers"]["created"]
    assert end["engine"]["buffers"]["live"] == warm["engine"]["buffers"]["live"] <= 2
    heap = end["page"]["js_heap_bytes"] - warm["page"]["js_heap_bytes"]
    assert heap <= HEAP_PER_QUESTION * MORE, heap
    # context trimming: phase 2's list of 40 did not fit the tiny model's 2,048 tokens
    cut = D.run_python(page, "sum((e.get('reply') or {}).get('timings', {}).get('list_cut', 0) > 0 "
                             "for e in app['session'].conversation)")
    assert int(cut) >= 2
    assert 0 < end["engine"]["kv_tokens"] <= 2048
    assert typed, "no key was typed while an answer streamed"
    print(f"\nGPU buffers {warm['engine']['buffers']} → {end['engine']['buffers']}, JS heap "
          f"{warm['page']['js_heap_bytes']} → {end['page']['js_heap_bytes']}, lists cut {cut}")
    assert not [e for e in recorded.errors if "Error" in e], recorded.errors
    context.close()
