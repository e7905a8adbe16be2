"""The engine side of the assistant, living in the PyScript worker.

The page drives it with small JSON calls (see site/engine_worker.py). Long jobs (download, load,
a chat reply) run as tasks in the worker; the page polls `progress` / `chat_next`, so each call
returns quickly and the page's main thread never waits on the model.
"""
import asyncio
import time

from webgpu_llm import weights_cache
from webgpu_llm.engine import Engine
from webgpu_llm.gpu import GPUUnavailable, open_device

CHAT_DEFAULTS = {"temperature": 0.3, "top_p": 0.9, "max_tokens": 256, "repetition_penalty": 1.15}


class EngineHost:
    def __init__(self, base_url, model_id):
        self.base_url = base_url
        self.manifest_url = f"{base_url}models/{model_id}/manifest.json"
        self.engine = None
        self.job = None          # the running download/load task
        self.progress = {"stage": "idle", "done": 0, "total": 0, "error": None, "finished": True}
        self.reply = None        # the running chat reply: an asyncio.Queue of chunks

    async def handle(self, method, args):
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
            return {"state": "error", "reason": lost}
        if self.engine is not None:
            return {"state": "ready"}
        try:
            manifest = await weights_cache.fetch_manifest(self.manifest_url)
        except weights_cache.WeightsError as error:
            return {"state": "error", "reason": str(error)}
        cached = await weights_cache.model_cached(self.manifest_url)
        return {"state": "downloaded" if cached else "not-downloaded",
                "size": manifest["size"], "name": manifest.get("file_name", manifest["model_id"])}

    async def rpc_download(self):
        self._start("downloading", weights_cache.download_model(self.manifest_url, self._progress))
        return True

    async def rpc_load(self):
        self._start("loading", self._load())
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

    async def _load(self):
        source = await weights_cache.open_model(self.manifest_url, self._progress)
        try:
            device = await open_device(kernel_base=self.base_url + "kernels/")
        except GPUUnavailable as error:
            raise RuntimeError(str(error)) from None
        self.progress["stage"] = "loading onto the GPU"
        self.engine = await Engine.load(source, device=device)

    # -- chat ----------------------------------------------------------------------------------
    async def rpc_chat_start(self, messages, options=None):
        if self.engine is None:
            raise RuntimeError("the model is not loaded")
        if self.reply is not None:
            self.engine.interrupt()
            await self.reply["task"]
        queue = asyncio.Queue()
        task = asyncio.ensure_future(self._chat(messages, {**CHAT_DEFAULTS, **(options or {})}, queue))
        self.reply = {"queue": queue, "task": task}
        return True

    async def _chat(self, messages, options, queue):
        try:
            stream = await self.engine.chat.completions.create(messages=messages, stream=True, **options)
            async for chunk in stream:
                choice = chunk.choices[0]
                queue.put_nowait({"text": choice.delta.content, "finish_reason": choice.finish_reason,
                                  "usage": _usage(chunk.usage)})
        except Exception as error:
            await asyncio.sleep(0.1)  # a pending GPU read fails before `device.lost` settles
            reason = self._device_lost(forget=False) or str(error)
            queue.put_nowait({"text": "", "finish_reason": "error", "error": reason})

    async def rpc_chat_next(self):
        """Everything produced since the last call (waiting for at least one piece)."""
        if self.reply is None:
            return {"text": "", "done": True}
        queue = self.reply["queue"]
        items = [await queue.get()]
        while not queue.empty():
            items.append(queue.get_nowait())
        last = items[-1]
        done = last["finish_reason"] is not None
        if done:
            self.reply = None
        return {"text": "".join(i["text"] for i in items), "done": done,
                "finish_reason": last["finish_reason"], "usage": last.get("usage"),
                "error": last.get("error")}

    async def rpc_stop(self):
        if self.engine is not None:
            self.engine.interrupt()
        return True

    async def rpc_reset(self):
        if self.engine is not None and self.reply is None:
            self.engine.reset_chat()
        return True


def _usage(usage):
    if usage is None:
        return None
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "prefilled_tokens": usage.prefilled_tokens, "trimmed_messages": usage.trimmed_messages,
            "timings": usage.timings}
