"""Drives the app in a Playwright page for the soak (tools/bench_soak.py and the short browser
test tests/browser/test_soak.py): questions through the assistant panel, and what the page and
the engine's worker hold after each batch.

The page must be opened with ?testhooks (window.todoAppTest; the worker's `engine_stats` hook).
"""
import json
import time

LAST_REPLY = "#chat-log .msg[data-role=assistant]:last-child"
SEEDED = """
import datetime
app["session"].today_source = lambda: datetime.date(2026, 3, 2)
await app["session"].client.worker.testhook("chat_options", '{"seed": 11, "max_tokens": %d}')
"""
# (request, tool forced as if picked from an unsure reply's buttons, or None: the model picks)
QUESTIONS = [
    ("How many to-dos are open?", None),
    ("What is overdue?", None),
    ("Write a short poem about my list", "answer"),
    ("Anything twice?", None),
    ("add buy bread for tomorrow", "add"),
    ("I booked the flights", "complete"),
    ("Translate my list into French", "answer"),
    ("What's due Friday?", None),
    ("find the dentist", "search"),
    ("move the report to December 3", "set_due"),
]
STREAMED = "answer"

# Input latency: for each key pressed in the page, the time from the event to the first frame
# after its handlers ran; and the main thread's long tasks.
LATENCY_PROBE = """() => {
    window.__keys = [];
    window.__longTasks = [];
    document.addEventListener("keydown", (event) => {
        const at = event.timeStamp;
        requestAnimationFrame(() => setTimeout(() => window.__keys.push(performance.now() - at), 0));
    }, true);
    new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
    }).observe({type: "longtask"});
}"""
FRESH = "() => { const k = window.__keys.splice(0); const t = window.__longTasks.splice(0); return [k, t]; }"


def run_python(page, code):
    return page.evaluate("code => window.todoAppTest.run(code)", code)


def prepare(page, todos=25, max_tokens=48):
    """A page of the app (?testhooks, booted): download + load the model, seed the replies and
    fill the list with `todos` to-dos (a few due, some done)."""
    page.wait_for_selector("#model-state[data-state=not-downloaded], #model-state[data-state=ready]")
    if page.get_attribute("#model-state", "data-state") == "not-downloaded":
        page.click("#model-download")
    page.wait_for_selector("#model-state[data-state=ready]")
    run_python(page, SEEDED % max_tokens)
    run_python(page, f"""
import datetime
todos = app["todos"]
for i in range({todos}):
    t = todos.add(f"Soak to-do {{i + 1}}: call the dentist about the report", None if i % 3 else (datetime.date(2026, 3, 1) + datetime.timedelta(days=i)).isoformat())
    if i % 4 == 0:
        todos.set_done(t.id, True)
app["view"].changed()""")
    page.wait_for_selector('#todo-root[data-pending-saves="0"]', state="attached")
    page.evaluate(LATENCY_PROBE)


def ask(page, number, request, tool):
    """Ask through the panel (a forced tool as a click on an unsure reply's choice would) and
    wait for the reply; while an answer streams, type into the new-to-do input. Returns the
    seconds it took, the reply's status and what typing_while_streaming measured (or None)."""
    before = page.locator("#chat-log .msg[data-role=assistant]").count()
    started = time.perf_counter()
    if tool is None:
        page.fill("#chat-input", request)
        page.press("#chat-input", "Enter")
    else:
        run_python(page, f"import asyncio\nasyncio.ensure_future(app['session'].send({request!r}, force_tool={tool!r}))")
    page.wait_for_function(f"() => document.querySelectorAll('#chat-log .msg[data-role=assistant]').length > {before}")
    typing = type_while_streaming(page, number) if tool == STREAMED else None
    page.wait_for_selector(f"{LAST_REPLY}:not([data-status=streaming])", timeout=300_000)
    return time.perf_counter() - started, page.get_attribute(LAST_REPLY, "data-status"), typing


def type_while_streaming(page, number):
    """Type a few keys into the new-to-do title while the reply is still being written (the
    keys typed after it ended are not counted as typed while streaming)."""
    page.wait_for_function(f"() => (document.querySelector('{LAST_REPLY} .msg-body')?.textContent.length ?? 0) > 3"
                           f" || document.querySelector('{LAST_REPLY}').dataset.status !== 'streaming'")
    page.evaluate(FRESH)
    page.focus("#todo-new-title")
    page.keyboard.type(f"typed while streaming {number}", delay=20)
    streaming = page.get_attribute(LAST_REPLY, "data-status") == "streaming"
    keys, long_tasks = page.evaluate(FRESH)
    page.fill("#todo-new-title", "")
    return {"keys": keys if streaming else [], "long_tasks": long_tasks if streaming else []}


def engine_stats(page):
    return json.loads(run_python(page, 'await app["session"].client.worker.testhook("engine_stats", "{}")'))


def page_stats(page, cdp):
    """The page's JS heap after a full garbage collection, its DOM and its Python."""
    cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")
    python = json.loads(run_python(page, "import gc, json, pyodide_js\ngc.collect()\njson.dumps("
                                         "[len(gc.get_objects()), int(pyodide_js._module.HEAPU8.length)])"))
    return {"js_heap_bytes": int(heap["usedSize"]), "dom_nodes": page.evaluate("document.getElementsByTagName('*').length"),
            "python_objects": python[0], "wasm_bytes": python[1],
            "messages": page.locator("#chat-log .msg").count()}


def snapshot(page, cdp, questions_done):
    return {"questions": questions_done, "engine": engine_stats(page), "page": page_stats(page, cdp)}
