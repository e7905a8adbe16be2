"""Unit tier: the build's own pieces (wheel writer, server headers, MIME types)."""
import urllib.request
import zipfile

from tools.server import serve_in_background
from tools.wheel import write_wheel


def test_wheel_is_reproducible_and_lists_its_files(tmp_path):
    files = {"pkg/__init__.py": b"X = 1\n", "pkg/mod.py": b"def f():\n    return 2\n"}
    a = write_wheel(tmp_path / "a.whl", "pkg", "1.0", files)
    b = write_wheel(tmp_path / "b.whl", "pkg", "1.0", files)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        names = z.namelist()
        record = z.read("pkg-1.0.dist-info/RECORD").decode()
    assert "pkg/mod.py" in names and "pkg-1.0.dist-info/WHEEL" in names
    assert "pkg/mod.py,sha256=" in record


def test_server_sends_mime_types_and_isolation_headers(tmp_path):
    (tmp_path / "x.wasm").write_bytes(b"\0asm")
    (tmp_path / "m.mjs").write_text("export {}")
    (tmp_path / "a.webmanifest").write_text("{}")
    server, url = serve_in_background(tmp_path)
    try:
        types = {}
        for name in ["x.wasm", "m.mjs", "a.webmanifest"]:
            with urllib.request.urlopen(url + name) as r:
                types[name] = r.headers["Content-Type"]
                assert r.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
                assert r.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert types == {"x.wasm": "application/wasm", "m.mjs": "text/javascript",
                         "a.webmanifest": "application/manifest+json"}
    finally:
        server.shutdown()


def test_the_page_unpacks_our_wheel_with_bytecode_and_the_worker_gets_jinja(dist_dir):
    """No micropip at start (issue #15): site/pyodide-boot.mjs (both configs' interpreter) unpacks
    the wheels named in pyodide-boot.json; ours carries unchecked-hash pycs (PEP 552 flags = 1)
    for Pyodide's CPython, one per module."""
    import json
    page = json.loads((dist_dir / "pyscript.json").read_text())
    worker = json.loads((dist_dir / "pyscript-worker.json").read_text())
    assert page["interpreter"] == worker["interpreter"] == "./pyodide-boot.mjs"
    assert page["files"] == {"./build-info.json": "./build-info.json"} and worker["files"] == {}
    wheels = ["./" + w for w in json.loads((dist_dir / "pyodide-boot.json").read_text())["wheels"]]
    ours = [w for w in wheels if "/todo_assistant-" in w]
    assert len(ours) == 1
    worker = wheels
    assert sorted(w.split("/")[-1].split("-")[0] for w in worker) == ["jinja2", "markupsafe", "todo_assistant"]
    with zipfile.ZipFile(dist_dir / ours[0]) as wheel:
        names = wheel.namelist()
        sources = [n for n in names if n.endswith(".py")]
        pycs = {n for n in names if n.endswith(".pyc")}
        for source in sources:
            folder, _, module = source.rpartition("/")
            assert f"{folder}/__pycache__/{module[:-3]}.cpython-314.pyc" in pycs, source
        header = wheel.read(sorted(pycs)[0])[:8]
    assert int.from_bytes(header[4:8], "little") == 1  # hash-based, unchecked
    jinja = next(w for w in worker if "/jinja2-" in w)  # compiled at each engine start otherwise
    with zipfile.ZipFile(dist_dir / jinja) as wheel:
        assert "jinja2/__pycache__/environment.cpython-314.pyc" in wheel.namelist()


def test_the_standard_library_ships_with_bytecode_zipimport_takes_first(dist_dir):
    """Pyodide's npm python_stdlib.zip holds sources only: the build adds an unchecked-hash
    NAME.pyc beside every NAME.py (zipimport's search order puts .pyc first), sources kept."""
    with zipfile.ZipFile(dist_dir / "vendor" / "pyodide" / "python_stdlib.zip") as z:
        names = set(z.namelist())
        sources = {n for n in names if n.endswith(".py")}
        assert len(sources) > 500 and {n + "c" for n in sources} <= names
        header = z.read("asyncio/__init__.pyc")[:8]
    assert int.from_bytes(header[4:8], "little") == 1  # hash-based, unchecked
