"""The assistant panel's state machine and conversation, independent of the DOM (unit-tested).

    checking ──> unsupported                     (no WebGPU: set by the app, final)
    checking ──> not-downloaded ──Download──> downloading ──> loading ──> ready
    checking ──> downloaded ────────────────────────────────> loading ──> ready
    any step ──> error (reason) ──Retry──> the step that failed (or checking)

The view subscribes with `on_change(kind)`; kind is "state", "progress", "conversation" or "reply"
(a streamed piece arrived in the last message).
"""
import time

from . import assistant_client as ac
from .assistant import build_messages

CHECKING, UNSUPPORTED, NOT_DOWNLOADED, DOWNLOADING, LOADING, READY, ERROR = (
    "checking", "unsupported", ac.NOT_DOWNLOADED, "downloading", "loading", ac.READY, ac.ERROR)
SPEED_WINDOW_S = 3.0


class Progress:
    """done/total of the running step, with a speed averaged over the last few seconds."""

    def __init__(self, clock):
        self.clock = clock
        self.done = 0
        self.total = None
        self.samples = []  # (t, done)

    def update(self, done, total):
        now = self.clock()
        self.done = max(0, int(done))
        self.total = int(total) if total else None
        self.samples.append((now, self.done))
        while len(self.samples) > 2 and now - self.samples[1][0] >= SPEED_WINDOW_S:
            self.samples.pop(0)

    @property
    def fraction(self):
        if not self.total:
            return None
        return min(1.0, self.done / self.total)

    @property
    def speed(self):
        """Units per second (bytes/s while downloading), None until there is enough to say."""
        if len(self.samples) < 2:
            return None
        (t0, d0), (t1, d1) = self.samples[0], self.samples[-1]
        if t1 - t0 < 0.2:
            return None
        return max(0.0, (d1 - d0) / (t1 - t0))


class AssistantSession:
    def __init__(self, client, todos_source, today_source, clock=time.monotonic):
        self.client = client
        self.todos_source = todos_source      # () -> iterable of Todo
        self.today_source = today_source      # () -> datetime.date (the user's local date)
        self.clock = clock
        self.state = CHECKING
        self.reason = ""
        self.model_name = ""
        self.size_bytes = None
        self.progress = Progress(clock)
        self.conversation = []  # {"role", "content", "status": done|streaming|stopped|error, "error"?}
        self.generating = False
        self._stop_requested = False
        self._retry = None
        self._listeners = []

    # -- observers ---------------------------------------------------------------------------
    def on_change(self, listener):
        self._listeners.append(listener)

    def _notify(self, kind):
        for listener in list(self._listeners):
            listener(kind)

    def _set(self, state, reason=""):
        self.state, self.reason = state, reason
        self._notify("state")

    def _fail(self, error, retry):
        reason = str(error) if isinstance(error, ac.AssistantError) else f"Unexpected error: {error}"
        self._retry = retry
        self._set(ERROR, reason or "Unknown error.")

    # -- model lifecycle ---------------------------------------------------------------------
    def set_unsupported(self, reason):
        self._set(UNSUPPORTED, reason)

    async def refresh(self):
        """Ask the engine where the model is; load it if it is cached but not on the GPU."""
        if self.state in (UNSUPPORTED, DOWNLOADING, LOADING):
            return
        self._set(CHECKING)
        try:
            status = await self.client.model_status()
        except Exception as error:
            self._fail(error, self.refresh)
            return
        self.model_name = status.model_name or self.model_name
        self.size_bytes = status.size_bytes if status.size_bytes is not None else self.size_bytes
        if status.state == ac.DOWNLOADED:
            await self.load()
        elif status.state == ac.ERROR:
            self._retry = self.refresh
            self._set(ERROR, status.reason or "The assistant is unavailable.")
        else:
            self._set(status.state)

    def _progress_cb(self, done, total=None):
        self.progress.update(done, total)
        self._notify("progress")

    async def download(self):
        if self.state not in (NOT_DOWNLOADED, ERROR):
            return
        self.progress = Progress(self.clock)
        self.progress.total = self.size_bytes
        self._set(DOWNLOADING)
        try:
            await self.client.download(self._progress_cb)
        except Exception as error:
            self._fail(error, self.download)
            return
        await self.load()

    async def load(self):
        self.progress = Progress(self.clock)
        self._set(LOADING)
        try:
            await self.client.load(self._progress_cb)
        except Exception as error:
            self._fail(error, self.load)
            return
        self._retry = None
        self._set(READY)

    async def retry(self):
        action, self._retry = self._retry or self.refresh, None
        if action is self.download:
            self.state = NOT_DOWNLOADED  # download() starts from there
        elif action is self.refresh:
            self.state = CHECKING
        await action()

    # -- conversation ------------------------------------------------------------------------
    @property
    def can_send(self):
        return self.state == READY and not self.generating

    async def send(self, text):
        """Ask a question; the reply streams into the last conversation entry. False if not sent."""
        text = str(text).strip()
        if not text or not self.can_send:
            return False
        self.conversation.append({"role": "user", "content": text, "status": "done"})
        messages = build_messages(self.todos_source(), self.conversation, self.today_source())
        reply = {"role": "assistant", "content": "", "status": "streaming"}
        self.conversation.append(reply)
        self.generating, self._stop_requested = True, False
        self._notify("conversation")
        stream = None
        try:
            stream = self.client.chat(messages).__aiter__()
            async for piece in stream:
                if self._stop_requested:
                    break
                if piece:
                    reply["content"] += str(piece)
                    self._notify("reply")
            reply["status"] = "stopped" if self._stop_requested else "done"
        except Exception as error:
            reply["status"] = "error"
            reply["error"] = str(error) if isinstance(error, ac.AssistantError) else f"Unexpected error: {error}"
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                try:
                    await aclose()
                except Exception:
                    pass
            self.generating = False
            self._notify("conversation")
        if reply["status"] == "error":
            await self.refresh()  # the model may have gone with the error (a lost GPU device)
        return True

    async def stop(self):
        if not self.generating:
            return
        self._stop_requested = True
        self._notify("state")
        try:
            await self.client.stop()
        except Exception:
            pass

    async def clear(self):
        if self.generating:
            await self.stop()
        self.conversation = []
        self._notify("conversation")
        try:
            await self.client.reset()
        except Exception:
            pass
