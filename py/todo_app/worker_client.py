"""The real AssistantClient: the engine runs in a PyScript worker (site/engine_worker.py).

The worker (a second Pyodide, plus the model) starts only when it is needed: when the person asks
to download the model, or when the model is already cached and gets loaded. Until then the model's
state is read on the page from the Cache API. Every call is a short JSON round trip; long jobs are
polled, so the page stays responsive while the model downloads, loads or writes.
"""
import asyncio
import json

from webgpu_llm import weights_cache

from .assistant_client import (AssistantClient, AssistantError, ModelStatus, DOWNLOADED, ERROR,
                               NOT_DOWNLOADED, READY)

POLL_S = 0.1
MODEL_NAMES = {"smollm2-135m-instruct-q4-1": "SmolLM2-135M-Instruct (4-bit)"}


class WorkerAssistant(AssistantClient):
    def __init__(self, base_url, model_id):
        self.base_url = base_url
        self.model_id = model_id
        self.manifest_url = f"{base_url}models/{model_id}/manifest.json"
        self.name = MODEL_NAMES.get(model_id, model_id)
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
                                           config=self.base_url + "pyscript.json")
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
            status = await self._call("status")
        else:
            status = await self._status_from_cache()
        state = status["state"]
        if state not in (NOT_DOWNLOADED, DOWNLOADED, READY):
            return ModelStatus(ERROR, self.name, reason=status.get("reason", "unknown model state"))
        return ModelStatus(state, self.name, size_bytes=status.get("size"))

    async def _status_from_cache(self):
        try:
            manifest = await weights_cache.fetch_manifest(self.manifest_url)
            cached = await weights_cache.model_cached(self.manifest_url)
        except weights_cache.WeightsError as error:
            return {"state": ERROR, "reason": str(error)}
        return {"state": DOWNLOADED if cached else NOT_DOWNLOADED, "size": manifest["size"]}

    async def _job(self, method, progress_cb):
        await self._call(method)
        while True:
            progress = await self._call("progress")
            if progress["total"]:
                progress_cb(progress["done"], progress["total"])
            if progress["finished"]:
                if progress["error"]:
                    raise AssistantError(progress["error"])
                return
            await asyncio.sleep(POLL_S)

    async def download(self, progress_cb):
        await self._job("download", progress_cb)

    async def load(self, progress_cb):
        await self._job("load", progress_cb)

    async def chat(self, messages):
        await self._call("chat_start", messages=messages)
        while True:
            step = await self._call("chat_next")
            if step["text"]:
                yield step["text"]
            if step.get("error"):
                raise AssistantError(step["error"])
            if step["done"]:
                return

    async def stop(self):
        if self.worker is not None:
            await self._call("stop")

    async def reset(self):
        if self.worker is not None:
            await self._call("reset")
