"""The security policy (tools/csp.py) in the build output: server headers, the meta tag in every
built page, the service worker's headers, and no inline script anywhere."""
import html.parser
import json
import re
import urllib.request
from pathlib import Path

import pytest

from tools import csp, pwa
from tools.server import serve_in_background

ROOT = Path(__file__).resolve().parents[2]


def parse(policy):
    """'a x y; b z' -> {'a': ['x', 'y'], 'b': ['z']} (each directive once)."""
    out = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        assert name not in out, f"{name} twice"
        out[name] = sources
    return out


def test_policy_is_strict():
    policy = parse(csp.content_security_policy())
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'", "'unsafe-eval'"]
    assert policy["connect-src"] == ["'self'"] and policy["worker-src"] == ["'self'", "blob:"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert policy["require-trusted-types-for"] == ["'script'"] and policy["trusted-types"] == ["default"]
    everything = " ".join(s for sources in policy.values() for s in sources)
    assert "unsafe-inline" not in everything and "*" not in everything and "data:" not in everything
    meta = parse(csp.content_security_policy(meta=True))
    assert "frame-ancestors" not in meta and meta == {k: v for k, v in policy.items() if k != "frame-ancestors"}


def fetch_headers(url):
    with urllib.request.urlopen(url) as r:
        return r.headers


@pytest.mark.parametrize("isolation, with_csp", [(True, True), (True, False), (False, True)])
def test_server_sends_the_security_headers(tmp_path, isolation, with_csp):
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>")
    (tmp_path / "a.js").write_text("")
    server, url = serve_in_background(tmp_path, isolation=isolation, csp=with_csp)
    try:
        for path in ["", "a.js"]:
            headers = fetch_headers(url + path)
            if not isolation:  # a plain static host: only the meta tag protects the page
                assert headers["Content-Security-Policy"] is None and headers["Referrer-Policy"] is None
                continue
            expected = csp.content_security_policy() if with_csp else None
            assert headers["Content-Security-Policy"] == expected
            assert headers["Referrer-Policy"] == "no-referrer"
            assert headers["X-Content-Type-Options"] == "nosniff"
            denied = headers["Permissions-Policy"].split(", ")
            assert {"camera=()", "microphone=()", "geolocation=()", "usb=()"} <= set(denied)
            assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
            assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
            assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    finally:
        server.shutdown()
        server.server_close()


class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(page):
    parser = Tags()
    parser.feed(page.read_text())
    return parser.tags


def test_every_built_page_carries_the_policy_first_and_has_no_inline_script(dist_dir):
    pages = sorted(dist_dir.glob("*.html"))
    assert pages and dist_dir / "index.html" in pages
    for page in pages:
        tags = tags_of(page)
        metas = [a for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        assert [m["content"] for m in metas] == [csp.content_security_policy(meta=True)], page.name
        first_resource = next(i for i, (t, _) in enumerate(tags) if t in ("script", "link"))
        assert tags.index(("meta", metas[0])) < first_resource, page.name
        scripts = [a for t, a in tags if t == "script"]
        assert all(a.get("src") for a in scripts), f"{page.name}: inline script"
        # The Trusted Types default policy is in place before any other script runs.
        assert scripts[0]["src"] == "./trusted-types.js", page.name
        assert csp.META_MARKER not in page.read_text()


def test_the_replay_loop_ships_as_a_js_module(dist_dir):
    config = json.loads((dist_dir / "pyscript.json").read_text())
    modules = {"./gpu-replay.mjs": "webgpu_replay", "./wasm-cpu.mjs": "wasm_cpu",  # + the CPU pool
               "./model-import.mjs": "model_import"}  # + the model picker's byte mover
    assert config["js_modules"] == {"main": modules, "worker": modules}
    module = (dist_dir / "gpu-replay.mjs").read_text()
    source = (ROOT / "py/webgpu_llm/gpu/replay_source.py").read_text()
    exports = dict(re.findall(r"^export const (\w+) = (.*?);\n(?=export const |\Z)", module, re.S | re.M))
    assert set(exports) == {"replay", "bindGroup", "storageBuffer"}  # the replay, the descriptor builders
    assert exports["replay"].startswith("(encoder, steps) =>")
    assert all(body in source for body in exports.values())


def sw_security_headers(sw_text):
    match = re.search(r"const SECURITY = (\{.*?\});\n", sw_text, re.S)
    assert match, "no SECURITY object in sw.js"
    return json.loads(match.group(1))


def test_service_worker_adds_the_same_headers(dist_dir, tmp_path):
    assert sw_security_headers((dist_dir / "sw.js").read_text()) == csp.security_headers()
    template = (ROOT / "site" / "sw.js").read_text()
    assert "...SECURITY" in template  # merged into every response the worker serves
    (tmp_path / "sw.js").write_text(template.replace("{/*SECURITY_HEADERS*/}", "{}"))
    with pytest.raises(ValueError, match="SECURITY_HEADERS"):
        pwa.write_service_worker(tmp_path, "b", tmp_path / "sw.js")


def test_add_meta_needs_one_marker_before_any_script():
    good = "<head><meta charset=utf-8>" + csp.META_MARKER + "<script src=a.js></script></head>"
    assert csp.add_meta(good).count('http-equiv="Content-Security-Policy"') == 1
    with pytest.raises(ValueError, match="exactly once"):
        csp.add_meta("<head></head>")
    with pytest.raises(ValueError, match="before every script"):
        csp.add_meta("<head><script src=a.js></script>" + csp.META_MARKER + "</head>")
    assert "&#x27;self&#x27;" in csp.meta_tag()  # quotes escaped inside the attribute
