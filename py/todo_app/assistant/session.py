"""The assistant panel's state machine and conversation, independent of the DOM (unit-tested).

    checking ──> unsupported                     (no WebGPU: set by the app, final)
    checking ──> not-downloaded ──Download──> downloading ──> loading ──> ready
    checking ──> downloaded ────────────────────────────────> loading ──> ready
    any step ──> error (reason) ──Retry──> the step that failed (or checking)

The view subscribes with `on_change(kind)`; kind is "state", "progress", "conversation" or "reply"
(a streamed piece arrived in the last message).

A conversation entry is {"role": "user", "content"} or {"role": "assistant", "content": streamed
text, "reply": the tool reply (tools.py) once it is there, "request": the question it answers,
"status": streaming|done|stopped|error, "error"?, "outcomes": {action index: applied|cancelled}}.
Actions change the list only through `apply(entry, index)`, i.e. a click on the card's Apply.
"""
import time

from . import protocol as P

CHECKING, UNSUPPORTED, NOT_DOWNLOADED, DOWNLOADING, LOADING, READY, ERROR = (
    "checking", "unsupported", P.NOT_DOWNLOADED, "downloading", "loading", P.READY, P.ERROR)
SPEED_WINDOW_S = 3.0
APPLIED, CANCELLED = "applied", "cancelled"


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
    def __init__(self, client, todos_source, today_source, clock=time.monotonic, apply_action=None):
        self.client = client
        self.todos_source = todos_source      # () -> iterable of Todo
        self.today_source = today_source      # () -> datetime.date (the user's local date)
        self.apply_action = apply_action      # (action dict) -> a sentence saying what changed
        self.clock = clock
        self.state = CHECKING
        self.reason = ""
        self.model_name = ""
        self.size_bytes = None
        self.device = None         # protocol DEVICE of the loaded model: what runs it, and why
        self.load_options = {}     # protocol LOAD's backend/threads (Diagnostics' choice)
        self.download_check = None # () -> why the model cannot run here (a sentence) or None:
                                   # the model picker's memory check, before any byte is fetched
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
        reason = str(error) if isinstance(error, P.AssistantError) else f"Unexpected error: {error}"
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
        if status.state == P.DOWNLOADED:
            await self.load()
        elif status.state == P.ERROR:
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
        problem = self.download_check() if self.download_check else None
        if problem:
            self._fail(P.AssistantError(problem), self.download)
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
            self.device = await self.client.load(self._progress_cb, **self.load_options)
        except Exception as error:
            self._fail(error, self.load)
            return
        self._retry = None
        self._set(READY)

    async def use_backend(self, backend):
        """Diagnostics' choice (protocol BACKENDS): kept for later loads (Retry included); a
        loaded model is loaded again on it now."""
        options = {k: v for k, v in self.load_options.items() if k != "backend"}
        self.load_options = options if backend == "auto" else {**options, "backend": backend}
        if self.state == READY and not self.generating:
            await self.load()

    async def switch_model(self, model_id, name):
        """The model picker's choice: later downloads, loads and answers use this model (a
        reply being written is stopped; the loaded model is let go). Then like refresh()."""
        if self.state in (DOWNLOADING, LOADING):
            raise P.AssistantError("Wait until the current download or load has finished.")
        if self.generating:
            await self.stop()
        await self.client.select(model_id, name)
        self.model_name, self.size_bytes, self.device, self._retry = name, None, None, None
        self.state = CHECKING
        await self.refresh()

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

    async def send(self, text, force_tool=None, echo=True):
        """Ask; the reply streams into the last conversation entry. False if not sent.
        force_tool: use this tool (the person picked it from an unsure reply's choices);
        echo: show the request as a new user message (not when it is asked again with a tool)."""
        text = str(text).strip()
        if not text or not self.can_send:
            return False
        if echo:
            self.conversation.append({"role": "user", "content": text, "status": "done"})
        entry = {"role": "assistant", "content": "", "reply": None, "request": text,
                 "status": "streaming", "outcomes": {}}
        self.conversation.append(entry)
        self.generating, self._stop_requested = True, False
        self._notify("conversation")
        stream = None
        try:
            stream = self.client.ask(text, list(self.todos_source()), self.today_source(),
                                     force_tool=force_tool).__aiter__()
            async for event in stream:
                if self._stop_requested:
                    break
                if event.get("text"):
                    entry["content"] += str(event["text"])
                    self._notify("reply")
                if event.get("reply") is not None:
                    entry["reply"] = event["reply"]
            entry["status"] = "stopped" if self._stop_requested else "done"
        except Exception as error:
            entry["status"] = "error"
            entry["error"] = str(error) if isinstance(error, P.AssistantError) else f"Unexpected error: {error}"
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                try:
                    await aclose()
                except Exception:
                    pass
            self.generating = False
            self._notify("conversation")
        if entry["status"] == "error":
            await self.refresh()  # the model may have gone with the error (a lost GPU device)
        return True

    async def choose(self, entry, tool):
        """The person picked one of the tools an unsure reply offered: ask again with it."""
        entry["outcomes"]["choice"] = tool
        return await self.send(entry["request"], force_tool=tool, echo=False)

    def apply(self, entry, index):
        """Apply the index-th proposed action of a reply (the card's Apply button). A reply that
        asks "which one?" offers several actions; applying one settles them all."""
        actions = (entry.get("reply") or {}).get("actions") or []
        if not 0 <= index < len(actions) or entry["outcomes"].get(index) or self.apply_action is None:
            return None
        try:
            note = self.apply_action(actions[index])
        except Exception as error:
            entry["outcomes"][index] = "failed: " + str(error)
            self._notify("conversation")
            return None
        for other in range(len(actions)):
            entry["outcomes"][other] = APPLIED if other == index else CANCELLED
        self._notify("conversation")
        return note

    def cancel(self, entry, index):
        actions = (entry.get("reply") or {}).get("actions") or []
        if 0 <= index < len(actions) and not entry["outcomes"].get(index):
            entry["outcomes"][index] = CANCELLED
            self._notify("conversation")

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
