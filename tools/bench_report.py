"""The bench's results: the JSON's shape, the caller-side metrics, ours/wllama ratios and the
plain-text report (tables, adapters, kernel efficiency, notes). Pure helpers, no I/O but the clock
and the load average (tests/unit/test_bench.py)."""
import os
import platform
import sys
import time
from pathlib import Path

SCHEMA = 1
OURS = {"browser": "ours (browser)", "deno": "ours (deno)"}  # runs of our engine in Pyodide
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
    """Progress on stderr (stdout is kept for the table or the JSON)."""
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def without(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


def two_phase_run(runtime, adapter, cold, warm, phases):
    """A run record from a cold start (load only) and a warm one (load + completion)."""
    completion = warm["completion"]
    return {"runtime": runtime, "adapter": adapter,
            "load_cold_s": cold["ready_s"], "load_warm_s": warm["ready_s"],
            **completion_metrics(completion), "completion": completion, "phases": phases}


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


def output_agreement(runs):
    """How far the greedy texts of each pair of runs agree: {"a vs b": [same chars, compared]}."""
    texts = {name: run["completion"]["text"] for name, run in runs.items() if run and run.get("completion")}
    names = [n for n in ("browser", "deno", "native", "wllama") if n in texts]
    return {f"{a} vs {b}": [len(os.path.commonprefix([texts[a], texts[b]])),
                            min(len(texts[a]), len(texts[b]))]
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
        "bandwidth": {},     # native / browser / deno: tools/bandwidth.py measure() results
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
    settings = results["settings"]
    out = [f"Model: {results['model']['file']}; prompt {results['prompt']['tokens']} tokens, greedy; "
           f"new tokens: native {settings['new_tokens']}, in Pyodide {settings['browser_new_tokens']}", "",
           format_table(summary_headers(results), summary_rows(results)),
           "  (ours/wllama: times < 1x and rates > 1x mean ours is faster)", ""]
    out += adapter_lines(results) + bandwidth_lines(results)
    for runtime, table in results.get("profile", {}).items():
        from tools.kernel_profile import format_profile
        out += ["", f"{runtime}: " + format_profile(table), ""]
    if results.get("outputs_agree"):
        out.append("Greedy outputs, identical leading characters: " + "; ".join(
            f"{pair} {same}/{n}" for pair, (same, n) in results["outputs_agree"].items()))
    out += ["Note: " + note for note in results.get("notes", [])]
    return "\n".join(out)


def adapter_lines(results):
    return ["Adapters / runtimes:"] + [f"  {name:8s} {run.get('runtime', '')}: {run.get('adapter', '?')}"
                                      for name, run in results["runs"].items() if run] + memory_lines(results)


def memory_lines(results):
    """The CPU kernels' wasm memory (model, KV cache, activations) against the GGUF's size (#13)."""
    out = []
    for name, run in results["runs"].items():
        warm = (run or {}).get("phases", {}).get("warm", {})
        if warm.get("wasm_memory_bytes") and warm.get("gguf_bytes"):
            after = warm.get("wasm_memory_after_bytes", warm["wasm_memory_bytes"])
            out.append(f"  {name:8s} wasm memory {after / 1e6:.1f} MB after the completion = "
                       f"{after / warm['gguf_bytes']:.2f}x the GGUF ({warm['gguf_bytes'] / 1e6:.1f} MB)")
    return out


def bandwidth_lines(results):
    if not results.get("bandwidth"):
        return []
    headers, rows = bandwidth_rows(results)
    return (["", "Kernel efficiency (achieved GB/s; matvec GB/s as a share of the copy kernel's, "
             "same adapter, same run):", format_table(headers, rows)]
            + [f"  {side}: {bw['adapter']}" for side, bw in results["bandwidth"].items()])
