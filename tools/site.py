"""Build the static site into dist/: shell, vendored runtime, our wheel, kernels (WGSL and wasm).

dist/ is deployable as is to any static host. File names that change with the code carry a
content hash (the project wheel), so a browser never runs a stale build's Python.
"""
import hashlib
import importlib.util
import json
import shutil
import zipfile
from pathlib import Path

from tools import csp, pwa, vendor, wasm_build
from tools.wheel import write_wheel

ROOT = vendor.ROOT
DIST = ROOT / "dist"
NODE = ROOT / "node_modules"
PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json"]
PROJECT = "todo_assistant"
PROJECT_VERSION = "0.1.0"


def _copy(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def _python_sources():
    """{archive path: bytes} of everything under py/ that ships (Python files only)."""
    files = {}
    for path in sorted((ROOT / "py").rglob("*.py")):
        if "__pycache__" not in path.parts:
            files[path.relative_to(ROOT / "py").as_posix()] = path.read_bytes()
    return files


def build_project_wheel(out_dir, bytecode=False):
    """Our wheel; bytecode: with Pyodide's pycs beside the sources (tools/pyc.py; the site's
    wheel has them, the native and Deno benches' do not need them)."""
    files = _python_sources()
    digest = hashlib.sha256()
    for name, data in files.items():
        digest.update(name.encode() + b"\0" + data)
    version = f"{PROJECT_VERSION}+g{digest.hexdigest()[:12]}"
    path = out_dir / f"{PROJECT}-{version}-py3-none-any.whl"
    if bytecode:
        from tools.pyc import compiled
        files = {**files, **compiled(files, NODE / "pyodide")}
    return write_wheel(path, PROJECT, version, files)


def _vendor_runtime(dist):
    for name in PYODIDE_FILES:
        if name == "python_stdlib.zip":
            _stdlib_with_bytecode(NODE / "pyodide" / name, dist / "vendor" / "pyodide" / name)
        else:
            _copy(NODE / "pyodide" / name, dist / "vendor" / "pyodide" / name)
    for path in sorted((NODE / "@pyscript" / "core" / "dist").iterdir()):
        if path.suffix in (".js", ".css"):
            _copy(path, dist / "vendor" / "pyscript" / path.name)


def _copy_site_and_kernels(dist):
    for path in sorted((ROOT / "site").rglob("*")):
        if path.is_file():
            target = dist / path.relative_to(ROOT / "site")
            _copy(path, target)
            if path.suffix == ".html":  # every page carries the policy, whatever the host sends
                target.write_text(csp.add_meta(path.read_text(), path.name))
    for path in sorted((ROOT / "wasm-kernels").glob("*.wgsl")):
        _copy(path, dist / "kernels" / path.name)
    for name, path in wasm_build.build().items():  # the CPU kernels, compiled from wasm-kernels/*.c
        _copy(path, dist / "kernels" / name)


def _wheels(dist):
    pkgs = dist / "pkgs"
    pkgs.mkdir(parents=True, exist_ok=True)
    wheels = [_with_bytecode(w, pkgs) for w in (vendor.pypi_file("jinja2"), vendor.markupsafe_wheel())]
    wheels.append(build_project_wheel(pkgs, bytecode=True))
    return ["pkgs/" + w.name for w in wheels]


def _stdlib_with_bytecode(source, target):
    """Pyodide's standard library zip plus a `NAME.pyc` beside each `NAME.py` (tools/pyc.py;
    zipimport takes a .pyc first and, unchecked-hash, never compares it with the source). The
    npm zip holds sources only, so every start compiled each stdlib module it imports: measured
    under Node, Pyodide's boot took about twice as long (issue #13's warm load). Sources stay for
    tracebacks; the zip grows from 2.5 to 7 MB (a first visit's download, cached after)."""
    from tools.pyc import compiled
    with zipfile.ZipFile(source) as z:
        files = {name: z.read(name) for name in z.namelist()}
    pycs = {}
    for path, data in compiled({n: d for n, d in files.items() if n.endswith(".py")}, NODE / "pyodide").items():
        folder, _, cached = path.rpartition("__pycache__/")  # PEP 3147 name -> the zip's legacy one
        pycs[folder + cached.split(".", 1)[0] + ".pyc"] = data
    if not pycs:
        _copy(source, target)
        return
    _write_zip(target, {**files, **pycs})


def _write_zip(path, files):
    """A zip of {archive path: bytes} with fixed dates: the same bytes for the same inputs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data in sorted(files.items()):
            info = zipfile.ZipInfo(arcname, (2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)


def _with_bytecode(wheel, out_dir):
    """A vendored pure-Python wheel with Pyodide's pycs added (tools/pyc.py): jinja2's modules
    took about as long to compile at each start of the engine as to run (measured under Node),
    and the engine imports them before it is ready. Named with the added files' digest; the
    original is copied as is when no pycs can be made (no Node)."""
    from tools.pyc import compiled
    with zipfile.ZipFile(wheel) as z:
        files = {name: z.read(name) for name in z.namelist()}
    pycs = compiled(files, NODE / "pyodide")
    if not pycs:
        _copy(wheel, out_dir / wheel.name)
        return out_dir / wheel.name
    digest = hashlib.sha256(b"".join(name.encode() + pycs[name] for name in sorted(pycs))).hexdigest()[:12]
    name, version, rest = wheel.name.split("-", 2)
    path = out_dir / f"{name}-{version}+pyc{digest}-{rest}"
    _write_zip(path, {**files, **pycs})
    return path


def _replay_module(dist):
    """dist/gpu-replay.mjs from py/webgpu_llm/gpu/replay_source.py (loaded as a file: the build
    does not import the engine package). Returns the PyScript `js_modules` entry for it."""
    spec = importlib.util.spec_from_file_location(
        "replay_source", ROOT / "py" / "webgpu_llm" / "gpu" / "replay_source.py")
    source = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(source)
    (dist / source.MODULE_FILE).write_text(source.module_text())
    return {"./" + source.MODULE_FILE: source.MODULE_NAME}


def _write_configs(dist, modules):
    """pyscript.json (the page) and pyscript-worker.json (the engine's worker).

    No micropip: the wheels (pure Python, content-hashed names) are unpacked into the working
    directory before Python runs, by site/pyodide-boot.mjs (pyodide-boot.json lists them; it was
    PyScript's `files` with a "./*" target, unpacking in Python after the boot), which is what
    micropip did at each start, minus loading micropip, its resolver and its package cache
    (~1.5 s of a return visit). Page and worker get the same three (jinja2 and markupsafe serve
    the chat template, in the worker). js_modules: imported as modules by PyScript on the page
    and in its workers (no eval needed)."""
    # The page reads build-info.json from the file system: fetched with the wheel, before Python runs.
    info = {"./build-info.json": "./build-info.json"}
    for name, extra in (("pyscript.json", info), ("pyscript-worker.json", {})):
        # site/pyodide-boot.mjs wraps Pyodide's loadPyodide (a memory snapshot on return visits)
        # and unpacks the wheels of pyodide-boot.json itself (inflated in JS while Pyodide boots).
        # PyScript's workers take the page's interpreter, not their config's: both name it.
        config = {"interpreter": "./pyodide-boot.mjs",
                  "files": extra,
                  "js_modules": {"main": modules, "worker": modules}}
        (dist / name).write_text(json.dumps(config, indent=2) + "\n")


# What the engine's Pyodide memory snapshot holds imported (site/pyodide-boot.mjs): the modules its
# start and load import, so a return visit restores them instead of booting CPython and importing
# them (issue #13's warm load). Imported in a plain worker (no PyScript, no DOM): a module that
# fails there is left out of the snapshot and imported at start as before.
SNAPSHOT_MODULES = (
    # PyScript's own start: it writes its package with pathlib, then imports it (these imports)
    "base64", "collections", "functools", "html", "inspect", "io", "pathlib", "weakref",
    "encodings.unicode_escape",
    "asyncio", "json", "pyodide.ffi", "pyodide.http",
    "jinja2", "jinja2.ext", "jinja2.sandbox",
    "webgpu_llm.backend_choice", "webgpu_llm.engine", "webgpu_llm.weights_cache",
    "webgpu_llm.chat_template", "webgpu_llm.model", "webgpu_llm.tokenizer",
    "webgpu_llm.gpu.browser", "webgpu_llm.gpu.limits", "webgpu_llm.gpu.replay_source",
    "webgpu_llm.gpu.wasm_cpu", "webgpu_llm.gpu.wasm_browser",
    "todo_app.assistant.host",
)


def _write_snapshot_plan(dist, wheels):
    """dist/pyodide-boot.json for site/pyodide-boot.mjs: the wheels it unpacks at every start (the
    page's and the engine worker's), the modules of the snapshot and a key naming them with this
    Pyodide, so a new build's start never restores an older build's modules."""
    digest = hashlib.sha256()
    for path in [dist / "vendor" / "pyodide" / n for n in PYODIDE_FILES] + [dist / w for w in wheels]:
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    digest.update(json.dumps(SNAPSHOT_MODULES).encode())
    plan = {"key": digest.hexdigest()[:16], "wheels": wheels, "modules": list(SNAPSHOT_MODULES)}
    (dist / "pyodide-boot.json").write_text(json.dumps(plan, indent=2) + "\n")


def _build_hash(dist):
    digest = hashlib.sha256()
    for path in sorted(dist.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(dist).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def build(dist=DIST, models=None, shard_size=pwa.SHARD_SIZE):
    """Build dist/ from scratch; returns the build info written to dist/build-info.json.
    models: GGUF paths (or (id, path) pairs) to shard into dist/models/; default: the to-do-tuned
    model first (the app's default) and the original SmolLM2 (selectable with ?model=<id>)."""
    dist = Path(dist)
    vendor.npm_install()
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir(parents=True)
    _vendor_runtime(dist)
    _copy_site_and_kernels(dist)
    wheels = _wheels(dist)
    modules = {**_replay_module(dist), "./wasm-cpu.mjs": "wasm_cpu",  # site/wasm-cpu.mjs: the CPU pool
               "./model-import.mjs": "model_import"}  # the model picker: a GGUF into the Cache API
    _write_configs(dist, modules)
    _write_snapshot_plan(dist, wheels)
    pwa.write_icons(dist)
    models = pwa.shard_models(dist, [vendor.tuned_model(), vendor.default_model()] if models is None else models, shard_size)
    info = {"build": _build_hash(dist), "wheels": wheels, "models": models}
    (dist / "build-info.json").write_text(json.dumps(info, indent=2) + "\n")
    pwa.write_service_worker(dist, info["build"], ROOT / "site" / "sw.js")
    size = sum(p.stat().st_size for p in dist.rglob("*") if p.is_file())
    where = dist.relative_to(ROOT) if dist.is_relative_to(ROOT) else dist
    print(f"[dist] build {info['build']}: {size / 1e6:.1f} MB in {where}/")
    return info
