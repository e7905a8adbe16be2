"""The engine side of the assistant, living in the PyScript worker (protocol.py is the contract).

The page drives it with small JSON calls (site/engine_worker.py). Long jobs (download, load, a
reply) run as tasks in the worker; the page polls `progress` / `ask_next`, so each call returns
quickly and the page's main thread never waits on the model.
"""
import asyncio
import datetime as _dt
import time

from webgpu_llm import weights_cache
from webgpu_llm.backend_choice import choose_device_alongside, describe
from webgpu_llm.engine import Engine
from webgpu_llm.gpu import GPUUnavailable

from ..todos import Todo
from . import protocol as P
from .pipeline import ask


class EngineHost:
    def __init__(self, base_url, model_id):
        self.base_url = base_url
        self.model_id = model_id
        self.manifest_url = P.manifest_url(base_url, model_id)
        self.engine = None
        self.job = None          # the running download/load task
        self.progress = {"stage": "idle", "done": 0, "total": 0, "error": None, "finished": True}
        self.reply = None        # the running reply: {"queue": asyncio.Queue, "task": Task}
        self.device = None       # protocol's device info of the loaded model (backend_choice.describe)

    async def handle(self, method, args):
        if method not in P.METHODS:
            raise ValueError(f"unknown call {method!r}")
        return await getattr(self, "rpc_" + method)(**args)

    # -- model lifecycle -----------------------------------------------------------------------
    def _device_lost(self, forget=True):
        """A sentence for the user if the GPU device was lost (driver reset, tab in background too
        long…), else None. A lost device takes the loaded model with it: forget the engine (the
        next status says so) so Retry reloads it."""
        reason = getattr(self.engine.model.device, "lost", None) if self.engine else None
        if not reason:
            return None
        if forget:
            self.engine = None
        return f"The GPU device was lost ({reason}). Press Retry to load the model again."

    async def rpc_status(self):
        lost = self._device_lost()
        if lost:
            return {"state": P.ERROR, "reason": lost}
        if self.engine is not None:
            return {"state": P.READY, "device": self.device}
        return await P.cached_status(self.manifest_url)

    async def rpc_download(self):
        self._start("downloading", weights_cache.download_model(self.manifest_url, self._progress))
        return True

    async def rpc_load(self, backend="auto", threads=None):
        """Load the cached model onto the device backend_choice picks ("auto"), or the one forced
        ("webgpu", "wasm"; threads for the CPU: None = the core count); a loaded model is let go."""
        self._start("loading", self._load(backend, threads))
        return True

    async def rpc_use(self, model_id):
        """The model picker chose another model: later calls mean it; the loaded one is freed."""
        url = P.manifest_url(self.base_url, model_id)  # refuses an id that is not one
        if model_id == self.model_id:
            return True
        if self.job is not None and not self.job.done():
            raise RuntimeError(f"busy: {self.progress['stage']}")
        if self.reply is not None:
            raise RuntimeError("busy: answering")
        if self.engine is not None:
            self.engine.model.device.destroy()
            self.engine = self.device = None
        self.model_id, self.manifest_url = model_id, url
        self.progress = {"stage": "idle", "done": 0, "total": 0, "error": None, "finished": True}
        return True

    async def rpc_progress(self):
        return self.progress

    def _start(self, stage, job):
        if self.job is not None and not self.job.done():
            raise RuntimeError(f"busy: {self.progress['stage']}")
        self.progress = {"stage": stage, "done": 0, "total": 0, "error": None, "finished": False,
                         "started": time.time()}
        self.job = asyncio.ensure_future(self._run(job))

    async def _run(self, job):
        try:
            await job
        except Exception as error:
            self.progress["error"] = str(error) or type(error).__name__
        self.progress["finished"] = True

    def _progress(self, done, total):
        self.progress["done"], self.progress["total"] = done, total

    async def _load(self, backend, threads):
        if self.engine is not None:  # a reload on another backend: free the old device first
            self.engine.model.device.destroy()
            self.engine = self.device = None
        try:
            source, device, reason = await choose_device_alongside(
                weights_cache.open_model(self.manifest_url, self._progress), backend,
                kernel_base=self.base_url + "kernels/", threads=threads)
        except GPUUnavailable as error:
            raise RuntimeError(str(error)) from None
        except weights_cache.DownloadError:
            if not P.is_user_model(self.model_id):
                raise
            # a model the person brought has no server copy to repair a part from
            raise RuntimeError("The stored copy of this model is damaged (a part no longer matches "
                               "its checksum). Delete it in the model picker and add the file again.") from None
        info = {**describe(device), "reason": reason, "choice": backend}
        self.progress["stage"] = "loading onto the " + ("CPU" if info["backend"] == "wasm" else "GPU")
        self.engine = await Engine.load(source, device=device)
        self.device = info
        asyncio.ensure_future(self._save_snapshot_when_idle())

    async def _save_snapshot_when_idle(self, quiet_s=2.0):
        """Once no reply has run for quiet_s, ask for the Pyodide snapshot (_save_snapshot): its
        worker takes a few seconds of a core, better spent after the first answers than during."""
        quiet = 0.0
        while quiet < quiet_s:
            await asyncio.sleep(0.25)
            quiet = 0.0 if self.reply is not None else quiet + 0.25
        _save_snapshot()

    # -- replies -------------------------------------------------------------------------------
    async def rpc_ask(self, request, todos, today, force_tool=None):
        if self.engine is None:
            raise RuntimeError("the model is not loaded")
        if self.reply is not None:
            self.engine.interrupt()
            await self.reply["task"]
        items = [Todo(id=str(t["id"]), title=str(t["title"]), done=bool(t["done"]), due=t.get("due"))
                 for t in todos]
        queue = asyncio.Queue()
        task = asyncio.ensure_future(self._ask(str(request), items, _dt.date.fromisoformat(today),
                                               force_tool, queue))
        self.reply = {"queue": queue, "task": task}
        return True

    async def _ask(self, request, todos, today, force_tool, queue):
        try:
            reply = await ask(self.engine, request, todos, today, force_tool=force_tool,
                              on_text=lambda piece: queue.put_nowait({"text": piece}))
            queue.put_nowait({"text": "", "reply": reply, "done": True})
        except Exception as error:
            await asyncio.sleep(0.1)  # a pending GPU read fails before `device.lost` settles
            reason = self._device_lost(forget=False) or str(error) or type(error).__name__
            queue.put_nowait({"text": "", "done": True, "error": reason})

    async def rpc_ask_next(self):
        """Everything produced since the last call (waiting for at least one event)."""
        if self.reply is None:
            return {"text": "", "done": True, "reply": None, "error": "no request is running"}
        queue = self.reply["queue"]
        items = [await queue.get()]
        while not queue.empty():
            items.append(queue.get_nowait())
        last = items[-1]
        done = bool(last.get("done"))
        if done:
            self.reply = None
        return {"text": "".join(i["text"] for i in items), "done": done, "reply": last.get("reply"),
                "error": last.get("error")}

    async def rpc_stop(self):
        if self.engine is not None:
            self.engine.interrupt()
        return True

    async def rpc_reset(self):
        if self.engine is not None and self.reply is None:
            self.engine.reset_chat()
        return True


def _save_snapshot():
    """Ask site/pyodide-boot.mjs to keep a Pyodide memory snapshot for the next start of this
    worker (made in a worker of its own, once per build; nothing to do when this start restored
    one). Outside the browser, or under another interpreter module, there is nothing to ask."""
    try:
        from js import globalThis
        snapshot = getattr(globalThis, "pyodideSnapshot", None)
    except ImportError:
        return
    if snapshot is not None and not snapshot.restored:
        snapshot.save()  # a promise; the model is already usable, nothing waits for it
