"""Unit tier: the PWA build pieces (icons, manifest, model shards, service worker generation)."""
import hashlib
import json
import struct
import zlib
from pathlib import Path

import pytest

from tools import pwa

ROOT = Path(__file__).resolve().parents[2]


def decode_png(data):
    """Minimal decoder for what encode_png writes (8-bit RGBA, filter 0): (w, h, rgba bytes)."""
    w, h = pwa.png_size(data)
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + body)
        if kind == b"IHDR":
            assert body[8:10] == b"\x08\x06"  # 8-bit RGBA
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    rows = [raw[y * (4 * w + 1):(y + 1) * (4 * w + 1)] for y in range(h)]
    assert all(r[0] == 0 for r in rows)
    return w, h, b"".join(r[1:] for r in rows)


def pixel(rgba, size, x, y):
    i = (y * size + x) * 4
    return tuple(rgba[i:i + 4])


def test_png_encoder_round_trips():
    pixels = bytes(range(256)) * 3  # 8 x 24 pixels x 4 channels
    png = pwa.encode_png(8, 24, pixels)
    assert decode_png(png) == (8, 24, pixels)
    with pytest.raises(ValueError):
        pwa.encode_png(8, 8, b"short")


@pytest.mark.parametrize("maskable", [False, True])
def test_icon_draws_the_svg_design(maskable):
    size = 192
    w, h, rgba = decode_png(pwa.encode_png(size, size, pwa.render_icon(size, maskable)))
    assert (w, h) == (size, size)
    blue = (0x24, 0x50, 0xb8, 255)
    corner = pixel(rgba, size, 0, 0)
    assert corner == blue if maskable else corner[3] == 0  # maskable icons are full bleed
    assert pixel(rgba, size, size // 2, size - 4) == blue
    s = size / 512
    k = pwa.MASKABLE_SCALE if maskable else 1.0

    def at(x, y):  # design-space point -> pixel
        return pixel(rgba, size, int((256 + (x - 256) * k) * s), int((256 + (y - 256) * k) * s))

    top_bar = at(200, 148)  # inside the first bar: white at 95% over blue
    assert top_bar[3] == 255 and min(top_bar[:3]) > 230
    check = at(380, 262)  # on the check stroke: green
    assert abs(check[0] - 0x9f) < 12 and abs(check[1] - 0xe3) < 12 and abs(check[2] - 0xb0) < 12
    gap = at(200, 200)  # between bars: background
    assert gap == blue


def test_manifest_is_installable_shape():
    manifest = json.loads((ROOT / "site" / "manifest.webmanifest").read_text())
    for key in ["name", "short_name", "description", "start_url", "scope", "theme_color",
                "background_color"]:
        assert manifest[key]
    assert manifest["display"] == "standalone"
    png = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"] if i["type"] == "image/png"}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= png


def test_write_icons_follows_the_manifest(tmp_path):
    (tmp_path / "manifest.webmanifest").write_text((ROOT / "site" / "manifest.webmanifest").read_text())
    written = pwa.write_icons(tmp_path)
    manifest = json.loads((tmp_path / "manifest.webmanifest").read_text())
    for icon in manifest["icons"]:
        if icon["type"] == "image/png":
            w, h = pwa.png_size((tmp_path / icon["src"]).read_bytes())
            assert f"{w}x{h}" == icon["sizes"]
    assert pwa.png_size((tmp_path / pwa.APPLE_TOUCH_ICON[0]).read_bytes()) == (180, 180)
    assert written[pwa.APPLE_TOUCH_ICON[0]] == 180


@pytest.mark.parametrize("length,shard_size,count", [(0, 10, 1), (10, 10, 1), (25, 10, 3), (30, 10, 3)])
def test_shard_model_splits_and_describes(tmp_path, length, shard_size, count):
    data = bytes((i * 7) % 251 for i in range(length))
    src = tmp_path / "My-Model.Q4_1.gguf"
    src.write_bytes(data)
    manifest = pwa.shard_model(src, tmp_path / "out", shard_size=shard_size)
    assert manifest == json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["model_id"] == "my-model-q4-1" and manifest["file_name"] == src.name
    assert manifest["size"] == length and manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(manifest["shards"]) == count
    joined = b""
    for i, shard in enumerate(manifest["shards"]):
        part = (tmp_path / "out" / shard["file"]).read_bytes()
        assert shard["file"] == f"shard-{i:03d}.bin" and shard["offset"] == len(joined)
        assert shard["size"] == len(part) <= shard_size
        assert shard["sha256"] == hashlib.sha256(part).hexdigest()
        joined += part
    assert joined == data


def test_service_worker_template_is_filled(tmp_path):
    for rel in ["index.html", "build-info.json", "vendor/pyodide/pyodide.asm.wasm", "sw.js",
                "models/m/shard-000.bin", "models/index.json", "vendor/x.js.map"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    files = pwa.write_service_worker(tmp_path, "abc123", ROOT / "site" / "sw.js")
    # model shards live in their own cache; the small model list/manifests are precached
    assert files == ["build-info.json", "index.html", "models/index.json", "vendor/pyodide/pyodide.asm.wasm"]
    sw = (tmp_path / "sw.js").read_text()
    assert 'const BUILD = "abc123";' in sw and '"vendor/pyodide/pyodide.asm.wasm"' in sw
    assert "/*BUILD*/" not in sw and "/*FILES*/" not in sw and "shard-000" not in sw
    assert "skipWaiting()" in sw and "SKIP_WAITING" in sw


def test_build_writes_pwa_files_and_shards(tmp_path):
    from tools.site import build
    from tools.tiny_model import write_tiny_model
    model = write_tiny_model(tmp_path / "tiny.gguf")
    assert model.read_bytes()[:4] == b"GGUF"
    dist = tmp_path / "dist"
    info = build(dist, models=[("tiny", model)], shard_size=16384)
    assert info["models"] == ["models/tiny/manifest.json"]
    assert json.loads((dist / "build-info.json").read_text()) == info
    manifest = json.loads((dist / "models/tiny/manifest.json").read_text())
    assert len(manifest["shards"]) == -(-Path(model).stat().st_size // 16384) >= 3
    sw = (dist / "sw.js").read_text()
    assert f'const BUILD = "{info["build"]}";' in sw
    for rel in ["index.html", "manifest.webmanifest", "sw-register.js", "build-info.json",
                "icons/icon-512.png", "vendor/pyodide/pyodide.asm.wasm", *info["wheels"]]:
        assert f'"{rel}"' in sw, rel
    precached = sw.split("const FILES")[1].split("];")[0]
    assert '"models/tiny/manifest.json"' in precached and ".bin" not in precached
    assert not list(dist.rglob("*.map"))
    index = (dist / "index.html").read_text()
    assert 'rel="manifest"' in index and "sw-register.js" in index
    # No test pages in a normal build.
    assert not [p for p in dist.rglob("*") if p.name in {q.name for q in (ROOT / "tests/browser/pages").iterdir()}]
