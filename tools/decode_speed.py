"""Decode speed of the engine on this machine's GPU, natively (wgpu-py), at several context lengths:
prefill tok/s, greedy decode tok/s through generate's Stepper (lookahead batches, pipelined),
dispatches per token, and with --profile the per-kernel GPU time at each context length.

    python3 -m tools.decode_speed MODEL.gguf [--contexts 150 1000] [--tokens 128] [--lookahead N]
        [--kernel-set cpu|gpu] [--profile] [--json OUT]

Token ids are made up (decode speed does not depend on them), so any GGUF of the right shapes
works, e.g. tools/shaped_model.py's random one. `build.py bench` measures the real chat path.
"""
import argparse
import asyncio
import inspect
import json
import time


async def decode(model, first, tokens):
    """tokens greedy steps from `first`, as generate() takes them; seconds."""
    try:
        from webgpu_llm.generate import Stepper
    except ImportError:  # an engine from before decode_ahead (to measure "before" the same way)
        from webgpu_llm.lookahead import Stepper
    try:
        stepper = Stepper(model, greedy=True, limit=tokens)  # no batch decoded past the last token
    except TypeError:  # the engine from before: no limit
        stepper = Stepper(model, greedy=True)
    token, start = first, time.perf_counter()
    for _ in range(tokens):
        token = (await stepper.next(token)).ids[0]
    elapsed = time.perf_counter() - start
    settled = stepper.settle()
    if inspect.isawaitable(settled):
        await settled
    return elapsed


async def measure_model(model, contexts, tokens, lookahead, with_profile=False):
    """{context: figures} for a loaded model (any backend: this also runs in Pyodide on Deno)."""
    model.lookahead = lookahead or None  # None (JS null in Deno): the engine's default
    vocab, runs = model.config.vocab, {}
    await model.prefill([5] * min(64, model.max_context))  # warm-up: first submits compile, page in
    for ctx in contexts:
        model.reset(0)
        prompt = [(7 * i) % (vocab - 3) + 3 for i in range(ctx)]
        start = time.perf_counter()
        top = await model.prefill(prompt)
        prefill_s = time.perf_counter() - start
        await decode(model, top.ids[0], 8)  # warm the decode path once
        model.reset(ctx)
        seconds = await decode(model, top.ids[0], tokens)
        run = {"prefill_tok_s": round(ctx / prefill_s, 1), "decode_tok_s": round(tokens / seconds, 1),
               "ms_per_token": round(1000 * seconds / tokens, 3), "dispatches_per_token": model.dispatches_per_token}
        if with_profile:
            from tools.kernel_profile import profile
            model.reset(ctx)
            run["profile"] = await profile(model)
        runs[str(ctx)] = run
    return runs


def context_for(contexts, tokens):
    """The KV cache the runs need: the longest prompt, and two lookahead batches past the tokens."""
    return max(contexts) + 2 * tokens + 64


async def measure(path, contexts, tokens, lookahead, kernel_set=None, with_profile=False, kv_cache="auto"):
    from webgpu_llm.gguf import FileSource, read_gguf
    from webgpu_llm.gpu import open_device
    from webgpu_llm.model import Model
    device = await open_device()
    source = FileSource(path)
    start = time.perf_counter()
    model = await Model.load(device, read_gguf(source), source, max_context=context_for(contexts, tokens),
                             kernel_set=kernel_set, kv_cache=kv_cache)
    result = {"adapter": device.name, "runtime": "CPython + wgpu-py", "load_s": round(time.perf_counter() - start, 3),
              "lookahead": lookahead, "kernel_set": "cpu" if model.cpu_kernels else "gpu",
              "fused": getattr(model, "fused", False), "kv_cache": model.kv.rows}
    result["runs"] = await measure_model(model, contexts, tokens, lookahead, with_profile)
    if hasattr(model, "destroy"):
        model.destroy()
    return result


def run_in_deno(args):
    """The same figures from Pyodide on Deno's WebGPU (the browser backend): webgpu_llm and the
    tools it needs go in as files; Pyodide from node_modules (or --pyodide)."""
    import os
    import subprocess
    import tempfile
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    files = [[str(p), str(p.relative_to(root / "py"))] for p in (root / "py" / "webgpu_llm").rglob("*.py")]
    files += [[str(root / "tools" / name), "tools/" + name] for name in ("__init__.py", "decode_speed.py",
                                                                        "kernel_profile.py")]
    params = {"pyodide": str(Path(args.pyodide or root / "node_modules" / "pyodide").resolve()), "wheels": [],
              "files": files, "script": str(root / "tools" / "bench_page" / "decode_speed_deno.py"),
              "model": str(Path(args.model).resolve()), "kernels": (root / "wasm-kernels").as_uri() + "/",
              "ctx": context_for(args.contexts, args.tokens), "contexts": args.contexts, "tokens": args.tokens,
              "lookahead": args.lookahead, "profile": args.profile, "kernel_set": args.kernel_set,
              "kv_cache": args.kv_cache}
    if not args.deno:
        from tools.bench_deno import deno_binary
        args.deno = deno_binary()
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(params, f)
        f.flush()
        proc = subprocess.run([str(args.deno), "run", "-A", "--unstable-webgpu",
                               str(root / "tools" / "bench_page" / "bench-deno.mjs"), f.name],
                              capture_output=True, text=True, env={**os.environ, "DENO_NO_UPDATE_CHECK": "1"})
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line[len("BENCH_RESULT "):])
            if not result.get("ok"):
                raise SystemExit("deno run failed:\n" + result.get("error", ""))
            return result
    raise SystemExit(f"deno gave no result (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def main(argv=None):
    from webgpu_llm.kv_cache import KV_CACHE_CHOICES
    p = argparse.ArgumentParser(prog="python3 -m tools.decode_speed", description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("--contexts", type=int, nargs="+", default=[150, 1000])
    p.add_argument("--tokens", type=int, default=128)
    p.add_argument("--lookahead", type=int, help="greedy steps per submit (default: the engine's)")
    p.add_argument("--kernel-set", choices=["cpu", "gpu"])
    p.add_argument("--kv-cache", choices=KV_CACHE_CHOICES, default="auto",
                   help="the KV cache's rows (auto: f16 on the real-GPU set where the adapter has shader-f16)")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--json", help="also write the result here")
    p.add_argument("--runtime", choices=["native", "deno"], default="native",
                   help="native: CPython + wgpu-py; deno: Pyodide on Deno's WebGPU, as in a browser")
    p.add_argument("--deno", help="the deno binary (default: the pinned one, fetched into the cache)")
    p.add_argument("--pyodide", help="Pyodide's npm folder (default: node_modules/pyodide)")
    args = p.parse_args(argv)
    if args.runtime == "deno":
        result = run_in_deno(args)
    else:
        result = asyncio.run(measure(args.model, args.contexts, args.tokens, args.lookahead, args.kernel_set,
                                     args.profile, args.kv_cache))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    from tools.kernel_profile import format_profile
    for ctx, run in result["runs"].items():
        print(f"context {ctx}: prefill {run['prefill_tok_s']} tok/s, decode {run['decode_tok_s']} tok/s "
              f"({run['ms_per_token']} ms/token, lookahead {args.lookahead or 'default'}), "
              f"{run['dispatches_per_token']} dispatches/token [{result['runtime']}, {result['adapter']}, "
              f"{result['kernel_set']} set, {result.get('kv_cache', '?')} KV cache]")
        if "profile" in run:
            print(format_profile(run["profile"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
