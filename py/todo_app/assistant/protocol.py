"""The page ⇄ engine-worker contract, defined once: model states, the calls and their replies.

The page (client.py) calls the worker (host.py, in a PyScript worker: site/engine_worker.py) with
`call(method, json_args)`; the worker answers `{"ok": result}` or `{"error": sentence}`.

    status                        -> {"state": STATE, "size"?: bytes, "name"?: a user model's
                                      name, "reason"?: sentence,
                                      "device"?: DEVICE (when READY)}
    download                      -> True; then poll:
    load {backend?, threads?}     -> True; then poll (backend: BACKENDS; threads: None = all cores):
    progress                      -> {"stage", "done", "total", "error", "finished"}
    ask {request, todos, today, force_tool?}  -> True; then poll:
    ask_next                      -> {"text": streamed answer text since the last call,
                                      "done": bool, "reply": tools.py reply (when done) | None,
                                      "error": sentence | None}
    stop                          -> True   (ends a streamed answer soon)
    reset                         -> True   (forget the KV cache)
    use {model_id}                -> True   (status/download/load now mean this model; a loaded
                                             model is let go; refused while a job runs)

`todos` travel as [{"id", "title", "done", "due"}]; `today` as "YYYY-MM-DD". DEVICE says what runs
the model: {"backend": "webgpu"|"wasm", "name", "threads", "summary": e.g. "running on CPU (2
threads)", "reason": why this backend, "choice": the BACKENDS entry asked for}.
"""
from dataclasses import dataclass

NOT_DOWNLOADED = "not-downloaded"   # weights not cached: offer "Download model (size)"
DOWNLOADED = "downloaded"           # cached on this device but not on the GPU yet: the panel loads it
READY = "ready"                     # loaded: ask() works
ERROR = "error"                     # unusable; `reason` says why
STATES = (NOT_DOWNLOADED, DOWNLOADED, READY, ERROR)

BACKENDS = ("auto", "webgpu", "wasm")  # Diagnostics' choices: auto = a real GPU, else the CPU
BACKEND_LABELS = {"auto": "Automatic (a real GPU, else the CPU)", "webgpu": "WebGPU",
                  "wasm": "CPU (WebAssembly)"}

STATUS, DOWNLOAD, LOAD, PROGRESS, ASK, ASK_NEXT, STOP, RESET, USE = (
    "status", "download", "load", "progress", "ask", "ask_next", "stop", "reset", "use")
METHODS = (STATUS, DOWNLOAD, LOAD, PROGRESS, ASK, ASK_NEXT, STOP, RESET, USE)

MODEL_NAMES = {"smollm2-135m-instruct-todo-q4-1": "SmolLM2-135M-Instruct tuned for to-dos (4-bit)",
               "smollm2-135m-instruct-q4-1": "SmolLM2-135M-Instruct (4-bit)"}


class AssistantError(RuntimeError):
    """Something the user should read (why the assistant cannot work right now)."""


@dataclass
class ModelStatus:
    state: str                    # one of STATES
    model_name: str = ""          # e.g. "SmolLM2-135M-Instruct (4-bit)"
    size_bytes: int | None = None # download size, shown on the Download button
    reason: str = ""              # for ERROR: a sentence for the user
    device: dict | None = None    # for READY: DEVICE (see above)

    def __post_init__(self):
        if self.state not in STATES:
            raise ValueError(f"unknown model state {self.state!r}")


# Models the person brought (the model picker, catalog.py): ids "file-<hex>" / "url-<hex>", stored
# under models/user/ (never on the server: only in the Cache API). Shipped ids never start so.
USER_ORIGINS = ("file", "url")


def is_user_model(model_id):
    return model_id.startswith(tuple(origin + "-" for origin in USER_ORIGINS))


def valid_model_id(model_id):
    """Ids are URL path segments and cache keys: letters, digits, "-" and "_" only."""
    return isinstance(model_id, str) and bool(model_id) and model_id.replace("-", "").replace("_", "").isalnum()


def manifest_url(base_url, model_id):
    if not valid_model_id(model_id):
        raise ValueError(f"not a model id: {model_id!r}")
    folder = "models/user/" if is_user_model(model_id) else "models/"
    return f"{base_url}{folder}{model_id}/manifest.json"


async def cached_status(url):
    """The model's state as the Cache API tells it (page and worker alike)."""
    from webgpu_llm import weights_cache  # browser only
    try:
        manifest = await weights_cache.fetch_manifest(url)
        cached = await weights_cache.model_cached(url)
    except weights_cache.WeightsError as error:
        return {"state": ERROR, "reason": str(error)}
    return {"state": DOWNLOADED if cached else NOT_DOWNLOADED, "size": manifest["size"],
            "name": manifest.get("name") or ""}


def todo_records(todos):
    """The to-dos as the worker receives them."""
    return [{"id": t.id, "title": t.title, "done": bool(t.done), "due": t.due} for t in todos]
