"""Bytecode for our wheel (issue #15: faster start): Pyodide's CPython compiles our ~40 modules
(180 kB of source) at every start of the page, 0.2-0.9 s on the 2-core box. The build compiles
them once with that same interpreter (Pyodide under Node, tools/pyc_compile.mjs) into
`__pycache__/*.cpython-3XX.pyc` files of the unchecked-hash kind (PEP 552: used without looking
at the source's mtime, which unpacking does not keep). A pyc whose magic number does not match
the interpreter is ignored by Python, which then compiles the source as before.

Cached under the vendor cache by the sources' digest: a rebuild of unchanged sources costs nothing.
"""
import base64
import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from tools import vendor

SCRIPT = Path(__file__).resolve().parent / "pyc_compile.mjs"


def compiled(files, pyodide_dir):
    """{archive path: pyc bytes} for the .py entries of `files` ({archive path: bytes});
    {} when Node cannot run (the wheel then ships sources only)."""
    sources = {name: data.decode("utf-8") for name, data in files.items() if name.endswith(".py")}
    digest = hashlib.sha256(json.dumps(sources, sort_keys=True).encode()).hexdigest()[:16]
    cached = vendor.CACHE / "pyc" / f"{digest}.json"
    if not cached.exists():
        node = shutil.which("node")
        if not node:
            print("[pyc] node not found: shipping sources only (slower start)")
            return {}
        with tempfile.TemporaryDirectory(prefix="pyc-") as tmp:
            (Path(tmp) / "sources.json").write_text(json.dumps(sources))
            subprocess.run([node, str(SCRIPT), str(pyodide_dir), str(Path(tmp) / "sources.json"),
                            str(Path(tmp) / "out.json")], check=True, stdout=subprocess.DEVNULL)
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(tmp) / "out.json", cached)
    pycs = json.loads(cached.read_text())["pycs"]
    return {name: base64.b64decode(data) for name, data in pycs.items()}
