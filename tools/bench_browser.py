"""Bench step 2 and 3 in headless Chromium (WebGPU): a temporary site = tools.site.build() output plus
the bench pages (tools/bench_page/) and the wllama files; our engine, then wllama, each cold (download
into its cache, then load) and warm (load from the cache, completion; ours also measures bandwidth).

wllama is served from node_modules into the temporary site only; it never goes into dist/."""
import contextlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from tools.bench_report import log, two_phase_run, without

ROOT = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).resolve().parent / "bench_page"
WLLAMA = ROOT / "node_modules" / "@wllama" / "wllama"
CHROMIUM = "/usr/bin/chromium"
# As in tests/browser/conftest.py: WebGPU on, and the browser's own background traffic off.
BROWSER_ARGS = ["--enable-unsafe-webgpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"]
# On the 2-core CI box SwiftShader runs our engine at ~2.3 tok/s prefill and ~1.1 tok/s decode, so
# the full 64-token browser completion takes ~2 minutes: it stays the default. Slower machines are
# held to BROWSER_BUDGET_S of generation (the engine is interrupted; --browser-tokens lowers the
# count up front); the output says when either happened.
BROWSER_BUDGET_S = 240


def run_in_chromium(args, model_path, prompt, results):
    """Steps 2 and 3 on a temporary site served locally: our engine, then (unless --skip-wllama)
    wllama, in one headless Chromium; adds runs, bandwidth and notes to `results`."""
    from playwright.sync_api import sync_playwright

    from tools.server import serve_in_background
    with tempfile.TemporaryDirectory(prefix="todo-bench-") as tmp:
        site = Path(tmp) / "site"
        make_site(site, model_path, prompt, with_wllama=not args.skip_wllama)
        # The bench pages (and wllama) are not shipped: no Content-Security-Policy for them.
        server, base_url = serve_in_background(site, csp=False)
        try:
            with sync_playwright() as p:
                browser = Browser(p, base_url, args.page_timeout)
                try:
                    run_both_engines(browser, args, results)
                finally:
                    browser.close()
                if browser.foreign:
                    results["notes"].append(f"requests left the site's origin: {browser.foreign[:5]}")
        finally:
            server.shutdown()
            server.server_close()


def run_both_engines(browser, args, results):
    """Ours first; wllama then gets as many tokens as ours produced if ours hit the time budget."""
    run, bw = run_browser_engine(browser, args.browser_tokens, args.max_context, args.browser_budget,
                                 getattr(args, "profile", False), getattr(args, "backend", "auto"),
                                 getattr(args, "threads", 0))
    if "profile" in run:
        results.setdefault("profile", {})["browser"] = run.pop("profile")
    results["runs"]["browser"] = run
    cut = run["completion"].get("stopped_by_budget")
    if cut:
        results["notes"].append(
            f"our browser completion was interrupted after {args.browser_budget:.0f} s "
            f"of generation ({run['completion_tokens']} of {args.browser_tokens} "
            "tokens): SwiftShader is slow here. wllama was given the same count.")
    if bw and not args.no_bandwidth:
        results["bandwidth"]["browser"] = bw
    if not args.skip_wllama:
        results["runs"]["wllama"] = run_browser_wllama(
            browser, run["completion_tokens"] if cut else args.browser_tokens,
            args.wllama_threads, args.max_context)


def make_site(directory, model_path, prompt, with_wllama=True):
    """tools.site.build() into `directory` with this model, plus the bench pages, the prompt and
    (outside dist/, only here) wllama and the whole GGUF for it. Returns the build info."""
    from tools.site import build
    directory = Path(directory)
    with contextlib.redirect_stdout(sys.stderr):  # keep stdout for the table / --json
        info = build(directory, models=[Path(model_path)])
    for page in PAGES.iterdir():
        if page.is_file():
            shutil.copyfile(page, directory / page.name)
    config = json.loads((directory / "pyscript-worker.json").read_text())
    for tool in ("bandwidth.py", "kernel_profile.py"):  # bench tools, not in the wheel
        shutil.copyfile(Path(__file__).resolve().parent / tool, directory / tool)
        config["files"]["./" + tool] = "./" + tool
    (directory / "bench-pyscript.json").write_text(json.dumps(config, indent=2) + "\n")
    bench = directory / "bench"
    bench.mkdir()
    (bench / "prompt.json").write_text(json.dumps(prompt))
    if with_wllama:
        add_wllama(bench, model_path)
    return info


def add_wllama(bench, model_path):
    """wllama's files and the whole GGUF (linked where possible) under the site's bench/."""
    (bench / "wllama").mkdir()
    shutil.copyfile(WLLAMA / "esm" / "index.js", bench / "wllama" / "index.js")
    shutil.copyfile(WLLAMA / "esm" / "wasm" / "wllama.wasm", bench / "wllama" / "wllama.wasm")
    shutil.copyfile(WLLAMA / "LICENCE", bench / "wllama" / "LICENCE")
    try:
        os.symlink(Path(model_path).resolve(), bench / "model.gguf")
    except OSError:
        shutil.copyfile(model_path, bench / "model.gguf")


class Browser:
    """Headless Chromium on the temporary site; every request must stay on the site's origin."""

    def __init__(self, playwright, base_url, timeout_s):
        self.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.foreign = []

    def context(self):
        context = self.browser.new_context()
        context.on("request", self._check_origin)
        return context

    def _check_origin(self, request):
        if not request.url.startswith((self.base_url, "data:", "blob:")):
            self.foreign.append(request.url)

    def run(self, context, page_name, **query):
        page = context.new_page()
        errors = []
        page.on("console", lambda m: m.text.startswith("[bench]") and log(f"{page_name}: {m.text[8:]}"))
        page.on("pageerror", lambda e: errors.append(str(e)))
        url = self.base_url + page_name + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        page.goto(url)
        try:
            page.wait_for_function("window.benchResult !== undefined", timeout=self.timeout_s * 1000,
                                   polling=500)
        except Exception:
            raise RuntimeError(f"{page_name} did not finish in {self.timeout_s} s; page errors: {errors}")
        result = json.loads(page.evaluate("window.benchResult"))
        page.close()
        if not result.get("ok"):
            raise RuntimeError(f"{page_name} ({query}) failed: {result.get('error')}\npage errors: {errors}")
        return result

    def close(self):
        self.browser.close()


def cold_then_warm(browser, page_name, who, cold_query, warm_query):
    """The bench page twice in one fresh context: cold (download + load), then warm (from cache).
    `who` is "runner: how it downloads" for the progress lines."""
    runner, how = who.split(": ", 1)
    context = browser.context()
    try:
        log(f"{runner}: cold load ({how})")
        cold = browser.run(context, page_name, phase="cold", tokens=0, **cold_query)
        log(f"{runner}: ready after {cold['ready_s']:.1f} s; warm load, {warm_query['tokens']} tokens")
        warm = browser.run(context, page_name, phase="warm", **warm_query)
    finally:
        context.close()
    return cold, warm


def run_browser_engine(browser, tokens, max_context, budget=BROWSER_BUDGET_S, with_profile=False,
                       backend="auto", threads=0):
    """Our engine (download into the Cache API, then load; warm: completion and, on WebGPU,
    bandwidth) on `backend` as the app chooses it (webgpu_llm.backend_choice)."""
    device = {"backend": backend, "threads": threads or 0}
    cold, warm = cold_then_warm(browser, "bench-engine.html",
                                "browser/ours: download into the Cache API, then load",
                                {"ctx": max_context, **device},
                                {"tokens": tokens, "ctx": max_context, "budget": budget, "bandwidth": 1,
                                 "profile": int(with_profile), **device})
    kernels = "WebGPU" if warm.get("backend") == "webgpu" else f"wasm SIMD, {warm.get('threads')} threads"
    run = two_phase_run(f"Pyodide + {kernels} in Chromium", warm["adapter"], cold, warm,
                        {"cold": without(cold, "bandwidth", "completion", "profile"),
                         "warm": without(warm, "bandwidth", "completion", "profile")})
    if "profile" in warm:
        run["profile"] = warm["profile"]
    return run, warm.get("bandwidth")


def run_browser_wllama(browser, tokens, threads, max_context):
    """wllama (download into its own cache, then load; warm: completion) with `threads` threads."""
    cold, warm = cold_then_warm(browser, "bench-wllama.html",
                                f"browser/wllama: download into its cache, {threads} threads",
                                {"threads": threads, "ctx": max_context},
                                {"tokens": tokens, "threads": threads, "ctx": max_context})
    runtime = (f"wllama {warm.get('version') or ''} (wasm, {warm.get('threads')} threads"
               f"{', multi-thread' if warm.get('multithread') else ''}) in Chromium")
    return two_phase_run(runtime, wllama_backend(warm.get("log", [])), cold, warm,
                         {"cold": without(cold, "completion"), "warm": without(warm, "completion")})


def wllama_backend(lines):
    """What wllama ran on, from llama.cpp's log: the backends holding the model's weights."""
    buffers = []
    for line in lines:
        if "model buffer size" in line:
            name = line.split("load_tensors:", 1)[-1].split("model buffer size")[0].strip()
            if name and name not in buffers:
                buffers.append(name)
    if not buffers:
        return "unknown (no llama.cpp load log)"
    names = ["CPU (wasm SIMD)" if b == "CPU" else b for b in buffers]
    return "weights on " + " + ".join(names) + " (llama.cpp log)"
