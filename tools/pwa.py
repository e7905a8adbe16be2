"""Progressive-web-app pieces of the build (standard library only).

- Icons: the PNGs the web app manifest lists, drawn procedurally with the design of site/icon.svg
  (rounded square, three bars, a check) and written by a tiny zlib PNG encoder.
- Service worker: site/sw.js is a template; the build fills in its build hash and file list.
- Model weights: each GGUF is split into shards (<= 64 MB: the Cache API refuses very large
  entries) under dist/models/<model-id>/ with a manifest.json (sizes and sha256 per shard).
"""
import hashlib
import json
import math
import re
import struct
import zlib
from pathlib import Path

from tools import csp

ROOT = Path(__file__).resolve().parent.parent

SHARD_SIZE = 64 * 1024 * 1024
MODELS_DIR = "models"
# Paths (relative to dist/) the service worker must not precache: the worker itself and the
# model weights, which live in their own cache (see py/webgpu_llm/weights_cache.py). The models'
# small manifests are precached, so the app knows a model's size offline.
NOT_PRECACHED = ("sw.js",)
NOT_PRECACHED_DIRS = (MODELS_DIR + "/",)
PRECACHED_MODEL_FILES = ("manifest.json", "index.json")
APPLE_TOUCH_ICON = ("icons/apple-touch-icon.png", 180)

# ---------------------------------------------------------------------------------------------
# PNG
# ---------------------------------------------------------------------------------------------


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(width, height, rgba):
    """8-bit RGBA, non-interlaced; `rgba` holds width*height*4 bytes, rows top to bottom."""
    if len(rgba) != width * height * 4:
        raise ValueError("pixel data does not match the image size")
    stride = width * 4
    raw = b"".join(b"\0" + bytes(rgba[y * stride:(y + 1) * stride]) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b""))


def png_size(data):
    """(width, height) from a PNG's IHDR (raises ValueError if it is not a PNG)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])

# ---------------------------------------------------------------------------------------------
# Icon drawing (coordinates in the 512x512 design space of site/icon.svg)
# ---------------------------------------------------------------------------------------------


BLUE = (0x24, 0x50, 0xb8)
WHITE = (0xff, 0xff, 0xff)
GREEN = (0x9f, 0xe3, 0xb0)
# (x, y, width, height, corner radius, opacity) as in icon.svg
BARS = [(96, 120, 320, 56, 20, 0.95), (96, 228, 240, 56, 20, 0.8), (96, 336, 280, 56, 20, 0.65)]
CHECK = [(352, 236), (380, 264), (432, 204)]
CHECK_WIDTH = 26
CORNER = 96
# Maskable icons: the platform crops to a circle of radius 40% of the size; the design reaches
# ~41% from the centre, so it is scaled down around the centre and the background fills the square.
MASKABLE_SCALE = 0.8


class _Canvas:
    def __init__(self, size):
        self.size = size
        self.px = bytearray(size * size * 4)

    def blend(self, x, y, color, alpha):
        """Source-over of `color` with coverage*opacity `alpha` at pixel (x, y)."""
        if alpha <= 0:
            return
        i = (y * self.size + x) * 4
        px = self.px
        da = px[i + 3] / 255
        oa = alpha + da * (1 - alpha)
        for c in range(3):
            px[i + c] = round((color[c] * alpha + px[i + c] * da * (1 - alpha)) / oa)
        px[i + 3] = round(oa * 255)


def _rounded_rect_coverage(px, py, x0, y0, x1, y1, r):
    """Antialiased coverage of pixel centre (px, py) by a rounded rectangle (signed distance)."""
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    qx, qy = abs(px - cx) - hw + r, abs(py - cy) - hh + r
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    d = outside + min(max(qx, qy), 0.0) - r
    return min(max(0.5 - d, 0.0), 1.0)


def _segment_distance(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def _bbox_pixels(size, x0, y0, x1, y1):
    return (range(max(0, int(math.floor(y0)) - 1), min(size, int(math.ceil(y1)) + 1)),
            range(max(0, int(math.floor(x0)) - 1), min(size, int(math.ceil(x1)) + 1)))


def render_icon(size, maskable=False):
    """RGBA bytes of the app icon at size x size pixels."""
    canvas = _Canvas(size)
    s = size / 512
    k = MASKABLE_SCALE if maskable else 1.0

    def tx(v):  # design space -> pixels, content scaled about the centre for maskable icons
        return (256 + (v - 256) * k) * s

    # Background: a rounded square (full bleed for maskable icons). Drawn first onto the empty
    # canvas, so the interior of each row is one span fill and only the corners need distances.
    radius = 0.0 if maskable else CORNER * s
    solid = bytes(BLUE) + b"\xff"
    for y in range(size):
        py = y + 0.5
        row = y * size * 4
        band = radius > 0 and (py < radius + 1 or py > size - radius - 1)
        edge = int(math.ceil(radius)) + 1 if band else 0
        canvas.px[row + edge * 4:row + (size - edge) * 4] = solid * (size - 2 * edge)
        for x in list(range(edge)) + list(range(size - edge, size)):
            a = _rounded_rect_coverage(x + 0.5, py, 0, 0, size, size, radius)
            if a > 0:
                canvas.blend(x, y, BLUE, a)

    for (bx, by, bw, bh, br, opacity) in BARS:
        x0, y0, x1, y1, r = tx(bx), tx(by), tx(bx + bw), tx(by + bh), br * k * s
        rows, cols = _bbox_pixels(size, x0, y0, x1, y1)
        for y in rows:
            for x in cols:
                a = _rounded_rect_coverage(x + 0.5, y + 0.5, x0, y0, x1, y1, r)
                canvas.blend(x, y, WHITE, a * opacity)

    pts = [(tx(x), tx(y)) for x, y in CHECK]
    half = CHECK_WIDTH * k * s / 2
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    rows, cols = _bbox_pixels(size, min(xs) - half, min(ys) - half, max(xs) + half, max(ys) + half)
    for y in rows:
        for x in cols:
            d = min(_segment_distance(x + 0.5, y + 0.5, *pts[i], *pts[i + 1]) for i in range(len(pts) - 1))
            canvas.blend(x, y, GREEN, min(max(half + 0.5 - d, 0.0), 1.0))
    return canvas.px


def write_icons(dist):
    """Draw every PNG icon that dist/manifest.webmanifest lists (+ the apple-touch-icon).
    Returns {relative path: size}."""
    manifest = json.loads((dist / "manifest.webmanifest").read_text())
    wanted = {}
    for icon in manifest["icons"]:
        if icon.get("type") != "image/png":
            continue
        w, h = (int(v) for v in icon["sizes"].split("x"))
        if w != h:
            raise ValueError(f"icon {icon['src']}: only square icons are drawn")
        wanted[icon["src"]] = (w, "maskable" in icon.get("purpose", "any").split())
    # Apple draws its own rounded corners over an opaque image: the full-bleed variant fits.
    wanted[APPLE_TOUCH_ICON[0]] = (APPLE_TOUCH_ICON[1], True)
    rendered = {}
    for src, (size, maskable) in wanted.items():
        key = (size, maskable)
        if key not in rendered:
            rendered[key] = encode_png(size, size, render_icon(size, maskable))
        path = dist / src
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rendered[key])
    return {src: size for src, (size, _) in wanted.items()}

# ---------------------------------------------------------------------------------------------
# Model shards
# ---------------------------------------------------------------------------------------------


def model_id_for(path):
    """'SmolLM2-135M-Instruct.Q4_1.gguf' -> 'smollm2-135m-instruct-q4-1' (URL- and cache-safe)."""
    name = Path(path).name
    if name.lower().endswith(".gguf"):
        name = name[:-5]
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def header_info(path):
    """What the model picker shows of a shipped model (architecture, parameters, types), read from
    its GGUF header by the engine's own reader; None for a file it cannot run (a test's damaged
    model: the app reports that when it loads)."""
    import sys
    if str(ROOT / "py") not in sys.path:
        sys.path.insert(0, str(ROOT / "py"))
    from webgpu_llm.gguf import FileSource, GGUFError, read_gguf
    from webgpu_llm.model_info import inspect_model
    with FileSource(path) as source:
        try:
            return inspect_model(read_gguf(source), source.size).to_json()
        except GGUFError:
            return None


def shard_model(path, out_dir, model_id=None, shard_size=SHARD_SIZE):
    """Split the file at `path` into out_dir/shard-NNN.bin and write out_dir/manifest.json."""
    if shard_size <= 0:
        raise ValueError("shard_size must be positive")
    path, out_dir = Path(path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    whole = hashlib.sha256()
    shards, offset = [], 0
    with open(path, "rb") as f:
        while True:
            data = f.read(shard_size)
            if not data and shards:
                break
            name = f"shard-{len(shards):03d}.bin"
            (out_dir / name).write_bytes(data)
            whole.update(data)
            shards.append({"file": name, "offset": offset, "size": len(data),
                           "sha256": hashlib.sha256(data).hexdigest()})
            offset += len(data)
            if len(data) < shard_size:
                break
    manifest = {
        "format": 1,
        "model_id": model_id or model_id_for(path),
        "file_name": path.name,
        "size": offset,
        "sha256": whole.hexdigest(),
        "shard_size": shard_size,
        "shards": shards,
        "info": header_info(path),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def shard_models(dist, models, shard_size=SHARD_SIZE):
    """Shard each model (a path, or a (model id, path) pair) into dist/models/<id>/; writes
    dist/models/index.json. Returns the manifests' paths relative to dist/."""
    entries, paths = [], []
    for item in models:
        model_id, path = item if isinstance(item, tuple) else (model_id_for(item), item)
        manifest = shard_model(path, dist / MODELS_DIR / model_id, model_id, shard_size)
        rel = f"{MODELS_DIR}/{model_id}/manifest.json"
        paths.append(rel)
        entries.append({"model_id": model_id, "file_name": manifest["file_name"],
                        "size": manifest["size"], "manifest": rel})
    if entries:
        (dist / MODELS_DIR / "index.json").write_text(json.dumps({"models": entries}, indent=2) + "\n")
    return paths

# ---------------------------------------------------------------------------------------------
# Service worker
# ---------------------------------------------------------------------------------------------


def precache_files(dist):
    """Every file of the build the service worker stores, as paths relative to dist/."""
    files = []
    for path in sorted(dist.rglob("*")):
        rel = path.relative_to(dist).as_posix()
        weights = rel.startswith(NOT_PRECACHED_DIRS) and not rel.endswith(PRECACHED_MODEL_FILES)
        if path.is_file() and rel not in NOT_PRECACHED and not weights and not rel.endswith(".map"):
            files.append(rel)
    return files


SW_MARKERS = ('"/*BUILD*/"', "[/*FILES*/]", "{/*SECURITY_HEADERS*/}")


def write_service_worker(dist, build, template):
    """Fill the sw.js template (its `/*BUILD*/`, `/*FILES*/` and `/*SECURITY_HEADERS*/` markers)
    into dist/sw.js."""
    source = Path(template).read_text()
    for marker in SW_MARKERS:
        if source.count(marker) != 1:
            raise ValueError(f"{template}: marker {marker} must appear exactly once")
    files = precache_files(dist)
    source = source.replace('"/*BUILD*/"', json.dumps(build))
    source = source.replace("{/*SECURITY_HEADERS*/}", csp.security_headers_js())
    source = source.replace("[/*FILES*/]", json.dumps(files, indent=0).replace("\n", "\n  "))
    (dist / "sw.js").write_text(source)
    return files
