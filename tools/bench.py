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
import json
import os
import time
from pathlib import Path

from tools.bench_browser import BROWSER_BUDGET_S, run_in_chromium
from tools.bench_deno import run_deno_engine
from tools.bench_native import run_native
from tools.bench_report import finish, log, report, result_skeleton

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench-results.json"
NEW_TOKENS = 64
BROWSER_TOKENS = 64  # held to BROWSER_BUDGET_S of generation in the browser (tools/bench_browser.py)
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


def parse_args(argv):
    p = argparse.ArgumentParser(prog="build.py bench", description=__doc__.splitlines()[0])
    p.add_argument("--startup", action="store_true",
                   help="instead: the to-do list's start-up (tools/bench_startup.py; --startup --help)")
    p.add_argument("--soak", action="store_true",
                   help="instead: 100 questions in one conversation and a 1,000 to-do list, tiny model "
                        "in Chromium (tools/bench_soak.py; --soak --help)")
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
    p.add_argument("--backend", choices=["auto", "webgpu", "wasm"], default="auto",
                   help="our engine in the browser: auto (as the app: a real GPU's WebGPU, else the "
                        "CPU kernels), webgpu, or wasm (default auto)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="threads of our CPU kernels in the browser (default: the core count)")
    p.add_argument("--max-context", type=int, default=MAX_CONTEXT)
    p.add_argument("--no-bandwidth", action="store_true", help="skip the kernel bandwidth measurement")
    p.add_argument("--profile", action="store_true",
                   help="also time every kernel of one decode step and one prefill (tools/kernel_profile.py; "
                        "timestamp queries where the adapter has them)")
    p.add_argument("--kernel-set", choices=["cpu", "gpu"],
                   help="native run: force the CPU-adapter or the real-GPU kernel set (default: by adapter)")
    p.add_argument("--native-backend", choices=["webgpu", "wasm"], default="webgpu",
                   help="native run: wgpu-py (default) or the CPU kernels under wasmtime (one thread)")
    p.add_argument("--page-timeout", type=int, default=PAGE_TIMEOUT_S, help="seconds per bench page")
    return p.parse_args(argv)


def main(argv=None):
    if argv and "--startup" in argv:  # issue #15: the to-do list's start-up, not the engine
        from tools.bench_startup import main as startup_main
        return startup_main(argv)
    if argv and "--soak" in argv:  # issue #15: memory, GPU buffers and latency over a long session
        from tools.bench_soak import main as soak_main
        return soak_main(argv)
    args = parse_args(argv)
    from tools import vendor
    model_path = Path(args.model or vendor.tuned_model()).expanduser()
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
        native_step(args, model_path, prompt, results)
    if not args.skip_browser and args.runtime == "deno":
        deno_step(args, model_path, prompt, results)
    elif not args.skip_browser:
        run_in_chromium(args, model_path, prompt, results)
    finish(results)
    results["total_s"] = time.perf_counter() - started
    write_results(args, results)
    return 0


def native_step(args, model_path, prompt, results):
    run, bw = asyncio.run(run_native(model_path, prompt["messages"], args.tokens, args.max_context,
                                     with_bandwidth=not args.no_bandwidth, with_profile=args.profile,
                                     kernel_set=args.kernel_set, backend=args.native_backend))
    if "profile" in run:
        results.setdefault("profile", {})["native"] = run.pop("profile")
    results["runs"]["native"] = run
    if bw:
        results["bandwidth"]["native"] = bw


def deno_step(args, model_path, prompt, results):
    run, bw = run_deno_engine(model_path, prompt, args.browser_tokens, args.max_context,
                              not args.no_bandwidth, args.page_timeout, args.profile)
    if "profile" in run:
        results.setdefault("profile", {})["deno"] = run.pop("profile")
    results["runs"]["deno"] = run
    if bw:
        results["bandwidth"]["deno"] = bw
    if not args.skip_wllama:
        results["notes"].append("--runtime deno: wllama runs only in the Chromium bench; no ratios.")


def write_results(args, results):
    """The JSON into --out; on stdout the JSON (--json) or the report."""
    out = Path(args.out)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        print(report(results))
        print(f"\n(results written to {out}; whole bench {results['total_s']:.0f} s)")


if __name__ == "__main__":
    raise SystemExit(main())
