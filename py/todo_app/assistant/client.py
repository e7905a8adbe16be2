"""The assistant panel's side of the engine: an `AssistantClient`.

    status = await client.model_status()          # protocol.ModelStatus
    await client.download(progress_cb)            # progress_cb(done, total) in bytes
    device = await client.load(progress_cb, backend="auto")  # weights -> GPU or CPU; protocol DEVICE
    async for event in client.ask(request, todos, today, force_tool=None):
        ...                                       # {"text": piece} while an answer streams,
                                                  # then {"reply": tools.py reply}
    await client.stop(); await client.reset()
    await client.select(model_id, name)           # the model picker's choice (protocol USE)

Errors raise `AssistantError(sentence)`. `WorkerAssistant` runs the engine in a PyScript worker
(protocol.py is the contract); `UnavailableAssistant` stands in when a build ships no model.
"""
import asyncio
import json

from . import protocol as P
from .protocol import AssistantError, ModelStatus

POLL_S = 0.1
ENGINE_MISSING = "The assistant engine is not installed yet."


class AssistantClient:
    """Base class / protocol. Subclass it for a real engine; every method must be overridden."""

    async def model_status(self) -> ModelStatus:
        raise NotImplementedError

    async def download(self, progress_cb) -> None:
        raise NotImplementedError

    async def load(self, progress_cb, **options) -> dict | None:
        """options: backend, threads (protocol LOAD); returns the protocol's DEVICE, if known."""
        raise NotImplementedError

    def ask(self, request, todos, today, force_tool=None):
        """An async iterator of events (an `async def` generator is the easy way)."""
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def reset(self) -> None:
        raise NotImplementedError

    async def select(self, model_id, name) -> None:
        """Later calls mean this model (protocol USE); a loaded one is let go."""
        raise NotImplementedError


class UnavailableAssistant(AssistantClient):
    """Always the ERROR state, never an answer."""

    def __init__(self, reason=ENGINE_MISSING):
        self.reason = reason

    async def model_status(self):
        return ModelStatus(P.ERROR, reason=self.reason)

    async def download(self, progress_cb):
        raise AssistantError(self.reason)

    async def load(self, progress_cb, **options):
        raise AssistantError(self.reason)

    async def ask(self, request, todos, today, force_tool=None):
        raise AssistantError(self.reason)
        yield  # pragma: no cover  (makes this an async generator)

    async def stop(self):
        return None

    async def reset(self):
        return None

    async def select(self, model_id, name):
        raise AssistantError(self.reason)


class WorkerAssistant(AssistantClient):
    """The engine in a PyScript worker, started only when needed (download, or a cached model to
    load); until then the model's state is read on the page from the Cache API."""

    def __init__(self, base_url, model_id):
        self.base_url = base_url
        self.model_id = model_id
        self.manifest_url = P.manifest_url(base_url, model_id)
        self.name = P.MODEL_NAMES.get(model_id, "")
        self.worker = None
        self._starting = None

    async def _connect(self):
        if self.worker is None:
            if self._starting is None:
                self._starting = asyncio.ensure_future(self._start_worker())
            self.worker = await self._starting
        return self.worker

    async def _start_worker(self):
        from pyscript import create_named_worker
        worker = await create_named_worker(src=self.base_url + "engine_worker.py", name="engine",
                                           config=self.base_url + "pyscript-worker.json")
        from js import location
        await worker.init(self.base_url, self.model_id, "testhooks" in str(location.search))
        return worker

    async def _call(self, method, **args):
        worker = await self._connect()
        reply = json.loads(await worker.call(method, json.dumps(args)))
        if "error" in reply:
            raise AssistantError(reply["error"])
        return reply["ok"]

    async def model_status(self):
        if self.worker is not None:
            status = await self._call(P.STATUS)
        else:
            status = await P.cached_status(self.manifest_url)
        state = status["state"]
        if state not in (P.NOT_DOWNLOADED, P.DOWNLOADED, P.READY):
            return ModelStatus(P.ERROR, self.name, reason=status.get("reason", "unknown model state"))
        self.name = self.name or status.get("name") or self.model_id
        return ModelStatus(state, self.name, size_bytes=status.get("size"), device=status.get("device"))

    async def _job(self, method, progress_cb, **args):
        await self._call(method, **args)
        while True:
            progress = await self._call(P.PROGRESS)
            if progress["total"]:
                progress_cb(progress["done"], progress["total"])
            if progress["finished"]:
                if progress["error"]:
                    raise AssistantError(progress["error"])
                return
            await asyncio.sleep(POLL_S)

    async def download(self, progress_cb):
        await self._job(P.DOWNLOAD, progress_cb)
        await _keep_stored()

    async def load(self, progress_cb, **options):
        await self._job(P.LOAD, progress_cb, **options)
        await _keep_stored()  # a browser that said no at the download may agree on a later visit
        return (await self._call(P.STATUS)).get("device")

    async def ask(self, request, todos, today, force_tool=None):
        await self._call(P.ASK, request=request, todos=P.todo_records(todos), today=today.isoformat(),
                         force_tool=force_tool)
        while True:
            step = await self._call(P.ASK_NEXT)
            if step["text"]:
                yield {"text": step["text"]}
            if step.get("error"):
                raise AssistantError(step["error"])
            if step["done"]:
                yield {"reply": step["reply"]}
                return

    async def stop(self):
        if self.worker is not None:
            await self._call(P.STOP)

    async def reset(self):
        if self.worker is not None:
            await self._call(P.RESET)

    async def select(self, model_id, name):
        url = P.manifest_url(self.base_url, model_id)
        if self.worker is not None or self._starting is not None:
            await self._call(P.USE, model_id=model_id)
        self.model_id, self.manifest_url, self.name = model_id, url, name


async def _keep_stored():
    """Ask the browser to keep the stored model under storage pressure (navigator.storage.persist).
    StorageManager.persist() is offered to pages only, not to the engine's worker: the page asks."""
    from webgpu_llm.weights_cache import request_persistence
    await request_persistence()


def create_client(build_info=None):
    """The client the app uses: the engine in a PyScript worker, for the model the page names with
    `?model=ID` (tests use a tiny one), else the one chosen in the model picker, else the build's
    first model (catalog.initial_model)."""
    from .catalog import initial_model, page_base_url
    model_id = initial_model(build_info)
    if not model_id:
        return UnavailableAssistant("This build ships no model.")
    base_url = page_base_url()
    return WorkerAssistant(base_url, model_id)
