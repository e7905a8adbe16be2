"""The one interface between the assistant panel and the language-model engine.

The panel (todo_app.assistant_session + ui.chat_panel) only talks to an `AssistantClient`:

    status = await client.model_status()          # ModelStatus: where the model is
    await client.download(progress_cb)            # fetch + cache the weights; progress_cb(done, total) in bytes
    await client.load(progress_cb)                # weights -> GPU; progress_cb(done, total) in any unit
    async for piece in client.chat(messages):     # messages: [{"role": "system"|"user"|"assistant",
        ...                                       #             "content": str}]; yields text pieces
    await client.stop()                           # end the running chat() soon; it then just finishes
    await client.reset()                          # forget any conversation state (KV cache)

Errors: raise `AssistantError(reason)` with a sentence for the user; the panel shows it with a
Retry button. Progress callbacks are plain (synchronous) callables; call them as often as you like.

`create_client()` returns the real one, `worker_client.WorkerAssistant` (the engine in a PyScript
worker); `UnavailableAssistant` stands in when a build ships no model, and never answers.
"""
from dataclasses import dataclass

# Model states an engine reports through model_status(). The panel adds its own transient states
# around them ("checking", "unsupported" (no WebGPU), "downloading", "loading").
NOT_DOWNLOADED = "not-downloaded"   # weights not cached: offer "Download model (size)"
DOWNLOADED = "downloaded"           # cached on this device but not on the GPU yet: the panel calls load()
READY = "ready"                     # loaded: chat() works
ERROR = "error"                     # unusable; `reason` says why
STATES = (NOT_DOWNLOADED, DOWNLOADED, READY, ERROR)


class AssistantError(RuntimeError):
    """Something the user should read (why the assistant cannot work right now)."""


@dataclass
class ModelStatus:
    state: str                    # one of STATES
    model_name: str = ""          # e.g. "SmolLM2-135M-Instruct (4-bit)"
    size_bytes: int | None = None # download size, shown on the Download button
    reason: str = ""              # for ERROR: a sentence for the user

    def __post_init__(self):
        if self.state not in STATES:
            raise ValueError(f"unknown model state {self.state!r}")


class AssistantClient:
    """Base class / protocol. Subclass it for the real engine; every method must be overridden."""

    async def model_status(self) -> ModelStatus:
        raise NotImplementedError

    async def download(self, progress_cb) -> None:
        raise NotImplementedError

    async def load(self, progress_cb) -> None:
        raise NotImplementedError

    def chat(self, messages):
        """Return an async iterator of text pieces (an `async def` generator is the easy way)."""
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def reset(self) -> None:
        raise NotImplementedError


ENGINE_MISSING = "The assistant engine is not installed yet."


class UnavailableAssistant(AssistantClient):
    """The placeholder used until the engine exists: always the ERROR state, never an answer."""

    def __init__(self, reason=ENGINE_MISSING):
        self.reason = reason

    async def model_status(self):
        return ModelStatus(ERROR, reason=self.reason)

    async def download(self, progress_cb):
        raise AssistantError(self.reason)

    async def load(self, progress_cb):
        raise AssistantError(self.reason)

    async def chat(self, messages):
        raise AssistantError(self.reason)
        yield  # pragma: no cover  (makes this an async generator)

    async def stop(self):
        return None

    async def reset(self):
        return None


def create_client(build_info=None):
    """The client the app uses: the engine in a PyScript worker, for the model the page names with
    `?model=ID` (tests use a tiny one) or else the build's first model."""
    from js import location
    from urllib.parse import parse_qs
    models = (build_info or {}).get("models") or []
    wanted = parse_qs(str(location.search).lstrip("?")).get("model", [""])[0]
    model_id = wanted if wanted.replace("-", "").replace("_", "").isalnum() else ""
    if not model_id and models:
        model_id = models[0].split("/")[-2]  # "models/<id>/manifest.json"
    if not model_id:
        return UnavailableAssistant("This build ships no model.")
    from .worker_client import WorkerAssistant
    base_url = str(location.href).split("?")[0].split("#")[0].rsplit("/", 1)[0] + "/"
    return WorkerAssistant(base_url, model_id)
