"""The real AssistantClient: talks to the engine in the PyScript worker (site/engine_worker.py).

Every call is a short JSON round trip; long jobs are polled, so the page stays responsive.
"""
import asyncio
import json

from .assistant_client import (AssistantClient, AssistantError, ModelStatus, DOWNLOADED, ERROR,
                               NOT_DOWNLOADED, READY)

POLL_S = 0.15
MODEL_NAME = "SmolLM2-135M-Instruct (4-bit)"


class WorkerAssistant(AssistantClient):
    def __init__(self, worker):
        self.worker = worker  # the PyScript worker proxy (exports init and call)

    @classmethod
    async def connect(cls, base_url, model_id, name="engine"):
        from pyscript import workers
        worker = await workers[name]
        await worker.init(base_url, model_id)
        return cls(worker)

    async def _call(self, method, **args):
        reply = json.loads(await self.worker.call(method, json.dumps(args)))
        if "error" in reply:
            raise AssistantError(reply["error"])
        return reply["ok"]

    async def model_status(self):
        status = await self._call("status")
        state = status["state"]
        if state == ERROR:
            return ModelStatus(ERROR, MODEL_NAME, reason=status.get("reason", ""))
        return ModelStatus(state if state in (NOT_DOWNLOADED, DOWNLOADED, READY) else ERROR,
                           MODEL_NAME, size_bytes=status.get("size"))

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
        await self._call("stop")

    async def reset(self):
        await self._call("reset")
