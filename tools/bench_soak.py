"""`build.py bench --soak` (issue #15): a long conversation and a long list, in headless Chromium.

    python3 build.py bench --soak [--questions 100] [--todos 40] [--list-size 1000] [--list-repeat 5]
                                  [--json] [--out FILE]

Builds the site with the tiny random-weight model (tools/tiny_model.py, as the browser tests use)
and serves it locally; in one page (?testhooks):
- soak: --questions requests in one conversation through the assistant panel (the model picks
  the tool, or one is forced as a click on an unsure reply's choice would; every fifth-or-so is
  a streamed free-text answer, during which keys are typed into the new-to-do input), over a
  list of --todos to-dos long enough that phase 2's list must be cut to fit the model's context.
  Every 10 questions: live GPU buffers created since the first question (and their bytes), the
  engine worker's Python objects and wasm memory, the tokens in the KV cache, the page's JS
  heap after a full GC, its DOM nodes and Python objects. Input latency while streaming: for
  each key, event → first frame after its handlers; plus the main thread's long tasks then.
- list: --list-size to-dos (some with a due date: taller rows), then per interaction
  (--list-repeat times each): the time the handler took, the work (the handler plus the next
  frame's scroll handlers, style, layout and paint; not the wait for the frame) and the time to
  the next frame: the list drawn from nothing (as at start-up), show open / done / all, type a
  search word, clear it, tick one, add one, jump to the middle, scroll 600 px down and up, jump
  to the top. `--questions 0` times the list alone.
A benchmark, not a test: it prints figures (tests/browser/test_soak.py asserts the short variant).
"""
import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tools import soak_driver as D
from tools.bench_browser import BROWSER_ARGS, CHROMIUM

SAMPLE_EVERY = 10
# One interaction of the list, measured in the page: the handler's time (Python runs inside the
# event dispatch) and the time until the frame after it.
INTERACT = """async ([kind, value]) => {
    const list = document.querySelector("#todo-list");
    let scrolled = null;  // a scroll is handled in the next frame: its handlers start at the event
    addEventListener("scroll", () => { scrolled = performance.now(); }, {capture: true, once: true});
    const t0 = performance.now();
    if (kind === "filter") document.querySelector(`[data-testid=filter-${value}]`).click();
    else if (kind === "search" || kind === "add") {
        const el = document.querySelector(kind === "add" ? "#todo-new-title" : "#todo-search");
        el.value = value;
        if (kind === "add") document.querySelector("#todo-add").click();
        else el.dispatchEvent(new Event("input", {bubbles: true}));
    } else if (kind === "toggle") list.querySelector(":scope > li [data-action=toggle]").click();
    else if (kind === "first") window.__firstRender();
    else if (kind === "scroll") window.scrollBy(0, Number(value));
    else if (kind === "jump") window.scrollTo(0, list.getBoundingClientRect().top + scrollY + list.offsetHeight * Number(value));
    const handled = performance.now() - t0;
    const frame = await new Promise((resolve) => requestAnimationFrame(() => {
        const painting = performance.now();  // after the frame's scroll events and rAF callbacks
        setTimeout(() => resolve([painting, performance.now()]), 0);
    }));
    // work: the handler plus the frame's scroll handlers, style, layout and paint (the wait for
    // the frame is not work); a scroll (also one a focus() caused) is handled in that frame
    const work = handled + frame[1] - Math.min(scrolled === null ? frame[0] : scrolled, frame[0]);
    return [handled, frame[1] - t0, work, list.querySelectorAll(":scope > li").length];
}"""
# "first": the list drawn from nothing (its row cache dropped), as when the app starts; "jump":
# to a fraction of the list's height; "scroll": by that many pixels (a wheel flick / PageDown).
LIST_STEPS = [("first", None), ("filter", "open"), ("filter", "done"), ("filter", "all"),
              ("search", "dentist"), ("search", ""), ("toggle", None), ("add", "Soak add"),
              ("jump", "0.5"), ("scroll", "600"), ("scroll", "-600"), ("jump", "0")]


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="build.py bench --soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--soak", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--questions", type=int, default=100, help="questions in the conversation (100; 0: only the list timings)")
    parser.add_argument("--todos", type=int, default=40, help="to-dos during the soak (40)")
    parser.add_argument("--list-size", type=int, default=1000, help="to-dos for the list timings (1000; 0: skip)")
    parser.add_argument("--list-repeat", type=int, default=5, help="times each list interaction is timed (5)")
    parser.add_argument("--max-tokens", type=int, default=48, help="longest streamed answer (48 tokens)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    return parser.parse_args(argv)


def soak(page, cdp, args):
    samples = [D.snapshot(page, cdp, 0)]
    seconds, statuses, keys, long_tasks, cut = [], {}, [], [], []
    for number in range(args.questions):
        request, tool = D.QUESTIONS[number % len(D.QUESTIONS)]
        took, status, typing = D.ask(page, number, request, tool)
        seconds.append(took)
        statuses[status] = statuses.get(status, 0) + 1
        if typing:
            keys += typing["keys"]
            long_tasks += typing["long_tasks"]
        timings = json.loads(D.run_python(page, "import json\njson.dumps((app['session'].conversation[-1]"
                                                ".get('reply') or {}).get('timings') or {})"))
        if "list_cut" in timings:
            cut.append(timings["list_cut"])
        if (number + 1) % SAMPLE_EVERY == 0 or number + 1 == args.questions:
            samples.append(D.snapshot(page, cdp, number + 1))
            print(f"[soak] {number + 1}/{args.questions} questions", file=sys.stderr, flush=True)
    return {"samples": samples, "seconds": seconds, "statuses": statuses, "keys_ms": keys,
            "long_tasks_ms": long_tasks, "list_cut": cut}


def list_timings(page, size, repeat=5):
    D.run_python(page, f"""
todos = app["todos"]
for i in range({size} - len(todos)):  # some rows two lines high (a due date), 1 in 100 done
    t = todos.add(("Call the dentist " if i % 10 == 0 else "Buy groceries ") + str(i),
                  "2026-12-%02d" % (1 + i % 28) if i % 4 == 0 else None)
    if i % 100 == 0:
        todos.set_done(t.id, True)
app["view"].changed()
from pyodide.ffi import create_proxy
js.window.__firstRender = create_proxy(lambda: (app["view"].rows.forget(), app["view"].render()) and None)""")
    page.wait_for_selector('#todo-root[data-pending-saves="0"]', state="attached", timeout=120_000)
    results = {}
    for _ in range(repeat):
        for kind, value in LIST_STEPS:
            results.setdefault(f"{kind} {value or ''}".strip(), []).append(page.evaluate(INTERACT, [kind, value]))
        page.wait_for_selector('#todo-root[data-pending-saves="0"]', state="attached")
    return {"size": int(D.run_python(page, 'len(app["todos"])')), "repeat": repeat, "steps": results}


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else None


def summarise(raw):
    out = summarise_soak(raw) if raw.get("soak") else {}
    if raw.get("list"):
        out["list"] = {"size": raw["list"]["size"], "repeat": raw["list"]["repeat"], **{
            step: {"handler_ms": statistics.median(r[0] for r in runs), "work_ms": statistics.median(r[2] for r in runs),
                   "frame_ms": statistics.median(r[1] for r in runs), "frame_max_ms": max(r[1] for r in runs),
                   "rows_in_dom": runs[-1][3]}
            for step, runs in raw["list"]["steps"].items()}}
    return out


def summarise_soak(raw):
    soak_result, first, last = raw["soak"], raw["soak"]["samples"][1], raw["soak"]["samples"][-1]
    out = {"questions": len(soak_result["seconds"]), "statuses": soak_result["statuses"],
           "question_s": {"median": statistics.median(soak_result["seconds"]),
                          "max": max(soak_result["seconds"])},
           "keys": len(soak_result["keys_ms"]),
           "key_latency_ms": {q: percentile(soak_result["keys_ms"], p) for q, p in
                              (("p50", 0.5), ("p95", 0.95), ("max", 1.0))},
           "long_tasks_while_streaming": {"count": len(soak_result["long_tasks_ms"]),
                                          "max_ms": max(soak_result["long_tasks_ms"], default=0)},
           "lists_cut": sum(1 for c in soak_result["list_cut"] if c), "phase2_lists": len(soak_result["list_cut"])}
    growth = {}
    for side, keys in (("engine", ("python_objects", "wasm_bytes", "kv_tokens")),
                       ("page", ("js_heap_bytes", "dom_nodes", "python_objects", "wasm_bytes", "messages"))):
        for key in keys:
            growth[f"{side}.{key}"] = [s[side][key] for s in soak_result["samples"]]
    growth["engine.live_buffers"] = [s["engine"]["buffers"]["live"] for s in soak_result["samples"]]
    growth["engine.buffers_created"] = [s["engine"]["buffers"]["created"] for s in soak_result["samples"]]
    out["series"] = growth
    out["after_first_batch"] = {k: v[-1] - v[1] for k, v in growth.items() if len(v) > 2}
    out["per_question_after_first_batch"] = {
        k: round(v / max(1, last["questions"] - first["questions"]), 1) for k, v in out["after_first_batch"].items()}
    return out


def table(summary):
    lines = soak_table(summary) if "questions" in summary else []
    if "list" in summary:
        lines.append(f"List of {summary['list']['size']} to-dos, median of {summary['list']['repeat']}, ms: handler / work "
                     f"(handler + the frame's rendering) / until the next frame (max); rows in the <ul>")
        for step, s in summary["list"].items():
            if step not in ("size", "repeat"):
                lines.append(f"  {step:<18} {s['handler_ms']:>6.1f} / {s['work_ms']:>6.1f} / {s['frame_ms']:>6.1f} "
                             f"({s['frame_max_ms']:.1f})  {s['rows_in_dom']}")
    return "\n".join(lines)


def soak_table(summary):
    lines = [f"Soak: {summary['questions']} questions ({summary['statuses']}), median {summary['question_s']['median']:.2f} s, "
             f"max {summary['question_s']['max']:.2f} s; phase-2 lists cut to fit the context: "
             f"{summary['lists_cut']} of {summary['phase2_lists']}",
             f"  input latency while streaming ({summary['keys']} keys, event → next frame): "
             + ", ".join(f"{k} {v:.0f} ms" for k, v in summary["key_latency_ms"].items() if v is not None),
             f"  long tasks while streaming: {summary['long_tasks_while_streaming']['count']}, "
             f"longest {summary['long_tasks_while_streaming']['max_ms']:.0f} ms",
             f"  {'every 10 questions':<26} series (first sample: before the first question)"]
    for key, values in summary["series"].items():
        lines.append(f"  {key:<26} {values}")
    return lines


def run(url, args):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.set_default_timeout(180_000)
            cdp = context.new_cdp_session(page)
            page.goto(url + "?testhooks&backend=webgpu")  # the buffer census counts WebGPU buffers
            page.wait_for_selector("#boot-status[data-state=ready]")
            raw = {}
            if args.questions:
                D.prepare(page, args.todos, args.max_tokens)
                started = time.perf_counter()
                raw["soak"] = soak(page, cdp, args)
                raw["soak_s"] = time.perf_counter() - started
            if args.list_size:
                raw["list"] = list_timings(page, args.list_size, args.list_repeat)
        finally:
            browser.close()
    return raw


def main(argv=None):
    args = parse_args(argv)
    import contextlib

    from tools.server import serve_in_background
    from tools.site import build
    from tools.tiny_model import write_tiny_model
    with tempfile.TemporaryDirectory(prefix="todo-soak-") as tmp:
        with contextlib.redirect_stdout(sys.stderr):
            build(Path(tmp) / "site", models=[("tiny", write_tiny_model(Path(tmp) / "tiny.gguf", seed=0))])
        server, url = serve_in_background(Path(tmp) / "site")
        try:
            raw = run(url, args)
        finally:
            server.shutdown()
            server.server_close()
    results = {"args": {k: str(v) for k, v in vars(args).items()}, "raw": raw, "summary": summarise(raw)}
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["summary"], indent=2) if args.json else table(results["summary"]))
    return 0
