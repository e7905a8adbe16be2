"""`build.py bench --startup` (issue #15): how soon the to-do list is usable, in headless Chromium.

    python3 build.py bench --startup [--runs N] [--json] [--out FILE]

Builds the site (without model shards: start-up never touches them) into a temporary folder, serves
it locally and measures, for --runs fresh browser contexts each:
- first visit: a new profile (nothing cached, no service worker yet);
- return visits: the same profile, reloaded --runs times after a few to-dos were added (served by
  the service worker, with whatever the page stored on the previous visit).
Every time is in ms from navigation start:
- input editable: the first animation frame in which #todo-new-title exists, is enabled and writable;
- snapshot shown: the stored list painted before Python (performance mark todo:snapshot-shown);
- Python list shown: the list view built by Python (#todo-root[data-owner=python], or the older
  page's #todo-root[data-pending-saves]);
- boot phases, where the page exposes them: HTML (responseEnd), PyScript loaded (core.js fetched),
  Python running (mark todo:python-started), wheels installed (todo:wheels-installed), list shown
  (todo:list-shown), ready (#boot-status[data-state=ready]).
Prints median, min and max of each; a benchmark, not a test.
"""
import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from tools.bench_browser import BROWSER_ARGS, CHROMIUM

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_MS = 180_000

# Runs in the page before any of its scripts: timestamps of the moments no mark covers.
PROBE = """
(() => {
  const seen = {};
  window.__startup = seen;
  function check() {
    const input = document.getElementById("todo-new-title");
    if (seen.inputEditable === undefined && input && input.isConnected && !input.disabled && !input.readOnly)
      seen.inputEditable = performance.now();
    const root = document.getElementById("todo-root");
    if (seen.pythonList === undefined && root &&
        (root.dataset.owner === "python" || root.dataset.pendingSaves !== undefined))
      seen.pythonList = performance.now();
    const status = document.getElementById("boot-status");
    if (seen.ready === undefined && status && status.dataset.state === "ready") seen.ready = performance.now();
    if (seen.ready === undefined) requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
})();
"""

COLLECT = """
() => {
  const marks = {};
  for (const m of performance.getEntriesByType("mark")) if (m.name.startsWith("todo:")) marks[m.name.slice(5)] = m.startTime;
  const nav = performance.getEntriesByType("navigation")[0];
  const core = performance.getEntriesByType("resource").find((r) => r.name.endsWith("/pyscript/core.js"));
  return {probe: window.__startup, marks, html: nav ? nav.responseEnd : null,
          pyscript: core ? core.responseEnd : null};
}
"""

ROWS = [("input editable", "inputEditable"), ("snapshot shown", "snapshot-shown"),
        ("Python list shown", "pythonList"), ("  HTML received", "html"), ("  PyScript loaded", "pyscript"),
        ("  Python running", "python-started"), ("  wheels installed", "wheels-installed"),
        ("  list shown", "list-shown"), ("  ready", "ready")]


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="build.py bench --startup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--startup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=5, help="fresh profiles, and return visits each (5)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    return parser.parse_args(argv)


def flatten(sample):
    out = dict(sample["probe"] or {})
    out.update(sample["marks"])
    out["html"], out["pyscript"] = sample["html"], sample["pyscript"]
    return {k: v for k, v in out.items() if v is not None}


def visit(page, url):
    page.goto(url)
    page.wait_for_selector("#boot-status[data-state=ready]", timeout=TIMEOUT_MS)
    return flatten(page.evaluate(COLLECT))


def add_todos(page, count=5):
    for i in range(count):
        page.fill("#todo-new-title", f"Bench to-do {i + 1}")
        page.press("#todo-new-title", "Enter")
    page.wait_for_function(f"document.querySelectorAll('#todo-list > li').length >= {count}")
    page.wait_for_selector('#todo-root[data-pending-saves="0"]', state="attached")


def measure(url, runs):
    from playwright.sync_api import sync_playwright
    first, again = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            for run in range(runs):
                context = browser.new_context()
                context.add_init_script(PROBE)
                page = context.new_page()
                first.append(visit(page, url))
                add_todos(page)
                page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # return visits: the SW serves
                for _ in range(runs):
                    page.close()
                    page = context.new_page()
                    again.append(visit(page, url))
                context.close()
                print(f"[startup] run {run + 1}/{runs}: first visit input editable "
                      f"{first[-1].get('inputEditable', float('nan')):.0f} ms", file=sys.stderr, flush=True)
        finally:
            browser.close()
    return {"first_visit": first, "return_visit": again}


def summarise(samples):
    summary = {}
    for _, key in ROWS:
        values = [s[key] for s in samples if key in s]
        if values:
            summary[key] = {"median": statistics.median(values), "min": min(values), "max": max(values),
                            "n": len(values)}
    return summary


def table(results):
    lines = [f"{'ms from navigation start':<26}" + "".join(f"{h:>26}" for h in ("first visit", "return visit"))]
    for label, key in ROWS:
        cells = []
        for kind in ("first_visit", "return_visit"):
            s = results["summary"][kind].get(key)
            cells.append(f"{s['median']:>8.0f} ({s['min']:.0f}–{s['max']:.0f})" if s else "—")
        lines.append(f"{label:<26}" + "".join(f"{c:>26}" for c in cells))
    lines.append("median (min–max); return visits are served by the service worker")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    from tools.server import serve_in_background
    from tools.site import build
    import contextlib
    with tempfile.TemporaryDirectory(prefix="todo-startup-") as tmp:
        with contextlib.redirect_stdout(sys.stderr):
            build(Path(tmp) / "site", models=[])
        server, url = serve_in_background(Path(tmp) / "site")
        try:
            raw = measure(url, args.runs)
        finally:
            server.shutdown()
            server.server_close()
    results = {"runs": args.runs, "samples": raw,
               "summary": {kind: summarise(samples) for kind, samples in raw.items()}}
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["summary"], indent=2) if args.json else table(results))
    return 0
