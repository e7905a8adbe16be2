"""The models the app can use (#14, the model picker): the build's own and those the person
brought, which one is chosen, and what the picker says about each.

    entries = await load_catalog(base_url, build_info)   # [ModelEntry], shipped first
    initial_model(build_info)                            # the model to start with (sync)
    save_choice(model_id)                                # kept in localStorage across visits

Shipped models are the build's (`build_info["models"]`, manifests under models/<id>/, their
header facts written at build time by tools/pwa.py); user models exist only in the Cache API
(models/user/<id>/manifest.json, written by webgpu_llm.model_import), so listing them reads the
cache. The pure parts (ids, the choice, facts, limits) are unit-tested natively.
"""
import hashlib
from dataclasses import dataclass

from . import protocol as P

CHOICE_KEY = "todo-assistant:model"
USER_MANIFEST_PART = "/models/user/"


@dataclass
class ModelEntry:
    model_id: str
    name: str
    origin: str              # "shipped", or one of protocol.USER_ORIGINS
    size: int | None         # bytes of the GGUF
    info: dict | None        # model_info.ModelInfo.to_json(); None if the header was not read
    stored: bool             # every shard is in the Cache API
    file_name: str = ""
    source_url: str = ""     # for "url": where it came from

    @property
    def is_user(self):
        return self.origin != "shipped"


def user_model_id(origin, key):
    """"file-…" / "url-…" + 16 hex digits of sha256(key): the same file (name, size, date) or URL
    maps to the same id, so adding it again resumes or reuses its copy."""
    if origin not in P.USER_ORIGINS:
        raise ValueError(f"unknown model origin {origin!r}")
    return f"{origin}-{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def file_key(name, size, last_modified):
    return f"{name}\0{size}\0{last_modified}"


def shipped_ids(build_info):
    """Model ids of the build, its default first ("models/<id>/manifest.json" -> id)."""
    return [path.split("/")[-2] for path in (build_info or {}).get("models") or []]


def pick_model(shipped, wanted="", saved="", known=None):
    """The model to use: `wanted` (?model=) if it is an id, else `saved` (the picker's choice) if
    it is still there (known: the ids present, None = not checked), else the first shipped."""
    if P.valid_model_id(wanted):
        return wanted
    if P.valid_model_id(saved) and (saved in shipped or (known is None or saved in known)):
        return saved
    return shipped[0] if shipped else ""


def initial_model(build_info):
    from urllib.parse import parse_qs

    from js import localStorage, location
    wanted = parse_qs(str(location.search).lstrip("?")).get("model", [""])[0]
    return pick_model(shipped_ids(build_info), wanted, str(localStorage.getItem(CHOICE_KEY) or ""))


def page_base_url():
    """The app's folder URL (ends with "/"): the page's URL without query, fragment and file."""
    from js import location
    return str(location.href).split("?")[0].split("#")[0].rsplit("/", 1)[0] + "/"


def save_choice(model_id):
    from js import localStorage
    localStorage.setItem(CHOICE_KEY, model_id)


def facts_text(entry):
    """"llama · 135M parameters · Q4_1 79%, Q8_0 21% · 98.4 MB on disk" (what the header says)."""
    from webgpu_llm.model_info import bytes_text, parameters_text
    info = entry.info or {}
    parts = []
    if info.get("architecture"):
        parts.append(info["architecture"])
    if info.get("parameters"):
        parts.append(f"{parameters_text(info['parameters'])} parameters")
    if info.get("quantization"):
        parts.append(info["quantization"])
    if entry.size:
        parts.append(f"{bytes_text(entry.size)}" + (" on disk" if entry.stored else " to download"))
    return " · ".join(parts)


def load_limits(report, backend):
    """What model_info.fit_problem checks against, for the device the app would load on: a real
    GPU's binding limit (WebGPU on, not CPU-emulated or forced), else the CPU kernels' memory.
    report: main.check_webgpu()'s; backend: the Diagnostics choice (protocol.BACKENDS)."""
    from webgpu_llm.model_info import WASM_MEMORY
    gpu = report.get("ok") and backend != "wasm" and (backend == "webgpu" or not report.get("cpu_backed"))
    if gpu and report.get("max_binding_size"):
        size = int(report["max_binding_size"])
        return {"backend": "webgpu", "max_buffer": size, "max_binding": size, "budget": None}
    return {"backend": "wasm", "max_buffer": 1 << 30, "max_binding": 1 << 30, "budget": WASM_MEMORY}


def entry_from_manifest(manifest, stored):
    model_id = manifest["model_id"]
    origin = model_id.split("-", 1)[0] if P.is_user_model(model_id) else "shipped"
    name = P.MODEL_NAMES.get(model_id) or manifest.get("name") or (manifest.get("info") or {}).get("name") \
        or manifest.get("file_name") or model_id
    return ModelEntry(model_id, name, origin, manifest.get("size"), manifest.get("info"), stored,
                      manifest.get("file_name", ""), manifest.get("source_url", ""))


# -- browser ------------------------------------------------------------------------------------

async def load_catalog(base_url, build_info):
    """Every model: the build's (stored or not) then the person's, in the order they were added."""
    from webgpu_llm import weights_cache as W
    entries = []
    for model_id in shipped_ids(build_info):
        url = P.manifest_url(base_url, model_id)
        try:
            manifest = await W.fetch_manifest(url)
        except W.WeightsError:
            continue  # offline before its first download: the panel says so when it is chosen
        entries.append(entry_from_manifest(manifest, await W.model_cached(url)))
    for manifest in await user_manifests():
        entries.append(entry_from_manifest(manifest, True))
    return entries


async def user_manifests():
    """The manifests of the models the person brought (whole copies only: the manifest is
    written after the last shard), oldest first."""
    import json

    from webgpu_llm import weights_cache as W
    try:
        cache = await W.open_cache()
    except W.StorageError:
        return []
    found = []
    for request in await cache.keys():
        url = str(request.url)
        if USER_MANIFEST_PART in url and url.endswith("/manifest.json"):
            response = await cache.match(request)
            try:
                manifest = json.loads(await response.text())
            except ValueError:
                continue
            if P.valid_model_id(manifest.get("model_id")) and P.is_user_model(manifest["model_id"]):
                found.append(manifest)
    return sorted(found, key=lambda m: m.get("added", 0))
