"""Unit tier: the pure helpers of the bench (tools/bench_report.py: metrics, ratios, table, JSON shape;
tools/bench_browser.py: wllama's backend; tools/bench.py: the CLI)."""
import json
from types import SimpleNamespace

import pytest

from tools import bench
from tools.bench_browser import wllama_backend
from tools.bench_report import (METRICS, bandwidth_rows, busy_note, completion_metrics, finish, fmt,
                                format_table, ratio, ratios, report, result_skeleton, summary_headers)


def test_completion_metrics_from_caller_side_clock():
    m = completion_metrics({"start_s": 10.0, "first_s": 12.0, "last_s": 18.0,
                            "prompt_tokens": 150, "completion_tokens": 31})
    assert m["ttft_s"] == pytest.approx(2.0)
    assert m["prefill_tok_s"] == pytest.approx(75.0)
    assert m["decode_tok_s"] == pytest.approx(5.0)  # 30 tokens after the first, in 6 s
    assert (m["prompt_tokens"], m["completion_tokens"]) == (150, 31)


def test_completion_metrics_with_one_or_no_token():
    one = completion_metrics({"start_s": 0.0, "first_s": 1.0, "last_s": 1.0,
                              "prompt_tokens": 10, "completion_tokens": 1})
    assert one["decode_tok_s"] is None and one["prefill_tok_s"] == pytest.approx(10.0)
    none = completion_metrics({"start_s": 0.0, "first_s": None, "last_s": None,
                               "prompt_tokens": 10, "completion_tokens": 0})
    assert none["ttft_s"] is None and none["prefill_tok_s"] is None and none["decode_tok_s"] is None


def test_ratios():
    assert ratio(2.0, 4.0) == 0.5
    assert ratio(None, 4.0) is None and ratio(1.0, None) is None
    assert ratio(1.0, 0) is None
    r = ratios({"load_cold_s": 10.0, "decode_tok_s": 1.0, "ttft_s": None},
               {"load_cold_s": 5.0, "decode_tok_s": 4.0, "ttft_s": 2.0})
    assert set(r) == {key for key, _, _ in METRICS}
    assert r["load_cold_s"] == 2.0 and r["decode_tok_s"] == 0.25 and r["ttft_s"] is None


def test_fmt():
    assert fmt(None) == "-"
    assert fmt(1.234) == "1.23" and fmt(12.34) == "12.3" and fmt(1234.5) == "1234"
    assert fmt(0.5, "ratio") == "0.50x" and fmt(0.045, "pct") == "4.5%"


def test_format_table_aligns_columns():
    text = format_table(["", "a", "bb"], [["row one", "1.00", "2"], ["r2", "10.5", "300"]])
    lines = text.splitlines()
    assert len(lines) == 4 and set(lines[1]) <= {"-", " "}
    assert len({len(line) for line in lines}) == 1  # every line as wide as the rule
    assert lines[2].startswith("row one") and lines[3].startswith("r2     ")
    assert lines[3].endswith("300") and lines[2].endswith("  2")


def fake_run(adapter, cold, warm, ttft, decode, text="Monday: shop"):
    return {"runtime": "rt", "adapter": adapter, "load_cold_s": cold, "load_warm_s": warm,
            "ttft_s": ttft, "prefill_tok_s": 150 / ttft, "decode_tok_s": decode,
            "prompt_tokens": 150, "completion_tokens": 64, "completion": {"text": text}}


def fake_bandwidth(adapter, copy, decode):
    matvec = {"decode": {"gbps": decode}, "attn_q": {"gbps": decode / 2}}
    return {"adapter": adapter, "copy": {"gbps": copy}, "matvec": matvec,
            "efficiency": {k: v["gbps"] / copy for k, v in matvec.items()}}


def fake_results(tmp_path):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    args = SimpleNamespace(tokens=64, browser_tokens=64, max_context=1024, wllama_threads=2)
    prompt = {"prompt_tokens": 150, "messages": [{"role": "user", "content": "hi"}]}
    results = result_skeleton(model, prompt, args)
    results["runs"]["native"] = fake_run("llvmpipe (Vulkan)", 2.0, 1.5, 13.0, 4.0)
    results["runs"]["browser"] = fake_run("google swiftshader (fallback adapter)", 9.5, 9.0, 64.0, 1.1,
                                          "Monday: shopping")
    results["runs"]["wllama"] = fake_run("weights on CPU (wasm SIMD)", 4.0, 2.5, 8.0, 11.0, "Here is")
    results["bandwidth"]["native"] = fake_bandwidth("llvmpipe (Vulkan)", 8.0, 0.8)
    results["bandwidth"]["browser"] = fake_bandwidth("google swiftshader", 2.5, 0.1)
    return finish(results)


def test_results_json_shape_and_ratios(tmp_path):
    results = fake_results(tmp_path)
    assert json.loads(json.dumps(results)) == results  # plain JSON all the way down
    assert {"schema", "date", "machine", "model", "prompt", "settings", "runs", "bandwidth",
            "ratios", "notes", "outputs_agree"} <= set(results)
    assert results["model"]["bytes"] == 4 and results["settings"]["new_tokens"] == 64
    rel = results["ratios"]["ours_over_wllama"]
    assert rel["load_cold_s"] == pytest.approx(9.5 / 4.0)
    assert rel["decode_tok_s"] == pytest.approx(1.1 / 11.0)
    assert results["outputs_agree"]["browser vs native"] == [len("Monday: shop"), len("Monday: shop")]
    assert results["outputs_agree"]["browser vs wllama"] == [0, len("Here is")]


def test_report_has_every_metric_adapter_and_efficiency(tmp_path):
    text = report(fake_results(tmp_path))
    for _, label, _ in METRICS:
        assert label in text
    assert "google swiftshader" in text and "llvmpipe (Vulkan)" in text and "CPU (wasm SIMD)" in text
    assert "2.38x" in text  # cold load, ours/wllama
    assert "0.80 = 10.0%" in text and "0.10 = 4.0%" in text  # decode matvec GB/s = share of copy
    assert "copy kernel (GB/s)" in text


def test_report_without_wllama_or_browser(tmp_path):
    results = fake_results(tmp_path)
    del results["runs"]["wllama"], results["runs"]["browser"], results["bandwidth"]["browser"]
    text = report(finish(results))
    assert "ours/wllama" in text and "-" in text and "native" in text


def test_wllama_backend_from_log():
    lines = ["debug: load_tensors:          CPU model buffer size =    92.10 MiB"]
    assert wllama_backend(lines) == "weights on CPU (wasm SIMD) (llama.cpp log)"
    lines = ["debug: load_tensors:   WebGPU model buffer size =  80 MiB",
             "debug: load_tensors:          CPU model buffer size =    12 MiB"]
    assert wllama_backend(lines).startswith("weights on WebGPU + CPU")
    assert wllama_backend([]).startswith("unknown")


def test_cli_defaults():
    args = bench.parse_args([])
    assert args.tokens == 64 and args.browser_tokens == bench.BROWSER_TOKENS
    assert args.out.endswith("bench-results.json") and not args.json
    args = bench.parse_args(["--json", "--skip-wllama", "--skip-native", "--model", "x.gguf",
                             "--out", "o.json", "--browser-tokens", "8"])
    assert args.json and args.skip_wllama and args.skip_native and args.model == "x.gguf"
    assert args.out == "o.json" and args.browser_tokens == 8


def test_busy_machine_is_flagged():
    assert busy_note({"cpus": 2, "load_average": {"start": 1.0, "end": 2.5}}) is None
    note = busy_note({"cpus": 2, "load_average": {"start": 1.0, "end": 9.5}})
    assert "busy" in note and "9.5" in note
    assert busy_note({"cpus": 2, "load_average": {"start": None}}) is None


def test_deno_run_takes_the_pyodide_column(tmp_path):
    results = fake_results(tmp_path)
    results["runs"]["deno"] = results["runs"].pop("browser")
    results["bandwidth"]["deno"] = results["bandwidth"].pop("browser")
    finish(results)
    assert summary_headers(results)[1] == "ours (deno)"
    assert results["ratios"]["ours_over_wllama"]["load_cold_s"] == pytest.approx(9.5 / 4.0)
    headers, _ = bandwidth_rows(results)
    assert headers == ["kernel", "native", "deno"]
    assert "deno vs native" in results["outputs_agree"]


def test_report_gives_the_cpu_kernels_wasm_memory_against_the_gguf(tmp_path):
    results = fake_results(tmp_path)
    results["runs"]["browser"]["phases"] = {"warm": {"gguf_bytes": 98_362_432, "wasm_memory_bytes": 126_000_000,
                                                     "wasm_memory_after_bytes": 126_091_264}}
    assert "browser  wasm memory 126.1 MB after the completion = 1.28x the GGUF (98.4 MB)" in report(results)
    assert "wasm memory" not in report(fake_results(tmp_path))  # WebGPU runs: no such line


def test_deno_bench_site_is_laid_out_like_dist(tmp_path, monkeypatch):
    """--runtime deno starts Pyodide through the app's site/pyodide-boot.mjs: a folder with the
    boot module, its snapshot worker, Pyodide's files and the wheels where pyodide-boot.json says,
    whose key changes with any of them (so a warm run never restores another build's snapshot)."""
    from tools import bench_deno
    from tools.site import PYODIDE_FILES
    root = tmp_path / "root"
    for name in ("pyodide-boot.mjs", "pyodide-snapshot-worker.mjs", "trusted-types.js"):
        (root / "site").mkdir(parents=True, exist_ok=True)
        (root / "site" / name).write_text(f"// {name}")
    (root / "node_modules" / "pyodide").mkdir(parents=True)
    for name in PYODIDE_FILES:
        (root / "node_modules" / "pyodide" / name).write_bytes(name.encode())
    wheel = tmp_path / "ours-1-py3-none-any.whl"
    wheel.write_bytes(b"one")
    monkeypatch.setattr(bench_deno, "ROOT", root)
    site = bench_deno.bench_site(tmp_path / "a", [wheel])
    plan = json.loads((site / "pyodide-boot.json").read_text())
    assert plan["wheels"] == ["pkgs/ours-1-py3-none-any.whl"] and (site / plan["wheels"][0]).read_bytes() == b"one"
    assert "webgpu_llm.engine" in plan["modules"]
    assert all((site / "vendor" / "pyodide" / name).read_bytes() == name.encode() for name in PYODIDE_FILES)
    assert (site / "pyodide-snapshot-worker.mjs").exists() and (site / "trusted-types.js").exists()
    wheel.write_bytes(b"two")
    assert json.loads((bench_deno.bench_site(tmp_path / "b", [wheel]) / "pyodide-boot.json").read_text())["key"] \
        != plan["key"]
    assert 0 < bench_deno.free_port() < 65536
