"""The assistant panel's state machine (assistant/session.py), the UnavailableAssistant placeholder
and the reply formatter's parser, in CPython with a scripted client (test code only)."""
import asyncio
import datetime as dt

import pytest

from todo_app.assistant import client as ac
from todo_app.assistant import protocol as P
from todo_app.assistant import session as S
from todo_app.reply_format import inline, parse, plain_text
from todo_app.todos import TodoList


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


class Scripted(ac.AssistantClient):
    def __init__(self, state=P.NOT_DOWNLOADED, fail=None, pieces=("Hel", "lo"), reply=None):
        self.state, self.fail, self.pieces = state, fail or {}, pieces
        self.reply = reply or {"tool": "answer", "text": "", "items": [], "actions": [], "choices": []}
        self.calls, self.seen, self.clock = [], None, None

    async def model_status(self):
        self.calls.append("status")
        if "status" in self.fail:
            raise P.AssistantError(self.fail.pop("status"))
        return P.ModelStatus(self.state, "Tiny", 1_000_000)

    async def download(self, progress_cb):
        self.calls.append("download")
        if "download" in self.fail:
            raise P.AssistantError(self.fail.pop("download"))
        for done in (0, 250_000, 500_000, 1_000_000):
            self.clock.t += 0.5
            progress_cb(done, 1_000_000)

    async def load(self, progress_cb, **options):
        self.calls.append("load" if not options else ("load", options))
        if "load" in self.fail:
            raise RuntimeError(self.fail.pop("load"))
        progress_cb(1, 2)
        progress_cb(2, 2)
        return {"backend": options.get("backend", "webgpu"), "summary": "running somewhere"}

    async def ask(self, request, todos, today, force_tool=None):
        self.seen = {"request": request, "todos": [t.title for t in todos], "today": today,
                     "force_tool": force_tool}
        for piece in self.pieces:
            await asyncio.sleep(0)
            yield {"text": piece}
        yield {"reply": self.reply}

    async def stop(self):
        self.calls.append("stop")

    async def reset(self):
        self.calls.append("reset")


def session_with(client):
    clock = Clock()
    client.clock = clock
    todos = TodoList()
    todos.add("Buy milk")
    s = S.AssistantSession(client, lambda: todos.items, lambda: dt.date(2026, 11, 25), clock=clock)
    events = []
    s.on_change(lambda kind: events.append((kind, s.state)))
    return s, events


def run(coro):
    return asyncio.run(coro)


def test_download_load_ready_then_chat():
    client = Scripted()
    s, events = session_with(client)

    async def scenario():
        await s.refresh()
        assert s.state == S.NOT_DOWNLOADED and s.size_bytes == 1_000_000 and s.model_name == "Tiny"
        await s.download()
        assert s.state == S.READY
        assert client.calls == ["status", "download", "load"]
        assert await s.send("  What is open?  ")
        return s

    run(scenario())
    states = [state for kind, state in events if kind == "state"]
    assert states == [S.CHECKING, S.NOT_DOWNLOADED, S.DOWNLOADING, S.LOADING, S.READY]
    assert ("progress", S.DOWNLOADING) in events and ("progress", S.LOADING) in events
    assert [m["content"] for m in s.conversation] == ["What is open?", "Hello"]
    assert s.conversation[-1]["status"] == "done" and not s.generating
    assert client.seen == {"request": "What is open?", "todos": ["Buy milk"],
                           "today": dt.date(2026, 11, 25), "force_tool": None}
    assert s.conversation[-1]["reply"]["tool"] == "answer"
    assert [k for k, _ in events].count("reply") == 2


def test_progress_speed_and_fraction():
    clock = Clock()
    p = S.Progress(clock)
    assert p.fraction is None and p.speed is None
    p.update(0, 100_000_000)
    clock.t = 1.0
    p.update(10_000_000, 100_000_000)
    assert p.fraction == 0.1 and p.speed == pytest.approx(10_000_000)
    for i in range(2, 10):
        clock.t = float(i)
        p.update(10_000_000 + (i - 1) * 20_000_000 // 1, 100_000_000)
    assert p.speed == pytest.approx(20_000_000, rel=0.01)  # old samples leave the window
    assert p.fraction == 1.0  # capped


def test_cached_model_is_loaded_without_asking():
    client = Scripted(state=P.DOWNLOADED)
    s, _ = session_with(client)
    run(s.refresh())
    assert s.state == S.READY and client.calls == ["status", "load"]


def test_errors_show_the_reason_and_retry_repeats_the_failed_step():
    client = Scripted(fail={"download": "Disk full.", "load": "GPU lost"})
    s, _ = session_with(client)

    async def scenario():
        await s.refresh()
        await s.download()
        assert (s.state, s.reason) == (S.ERROR, "Disk full.")
        await s.retry()  # download again: succeeds, then load fails (unexpected error)
        assert s.state == S.ERROR and s.reason == "Unexpected error: GPU lost"
        await s.retry()  # only the load is repeated
        assert s.state == S.READY

    run(scenario())
    assert client.calls == ["status", "download", "download", "load", "load"]


def test_status_error_then_retry_asks_again():
    client = Scripted(state=P.READY, fail={"status": "Worker crashed."})
    s, _ = session_with(client)
    run(s.refresh())
    assert (s.state, s.reason) == (S.ERROR, "Worker crashed.")
    run(s.retry())
    assert s.state == S.READY


def test_unavailable_assistant_is_an_error_and_never_answers():
    client = ac.UnavailableAssistant()
    s = S.AssistantSession(client, lambda: [], lambda: dt.date(2026, 11, 25))

    async def scenario():
        await s.refresh()
        assert s.state == S.ERROR and s.reason == ac.ENGINE_MISSING
        assert not s.can_send
        assert not await s.send("hello")
        await s.retry()
        assert s.state == S.ERROR
        with pytest.raises(P.AssistantError):
            await client.download(lambda *a: None)
        with pytest.raises(P.AssistantError):
            async for _ in client.ask("hi", [], dt.date(2026, 11, 25)):
                pass

    run(scenario())
    assert s.conversation == []


def test_unsupported_is_final():
    client = Scripted()
    s, _ = session_with(client)
    s.set_unsupported("no adapter")
    run(s.refresh())
    assert s.state == S.UNSUPPORTED and client.calls == []


def test_stop_ends_the_reply_and_clear_resets():
    client = Scripted(state=P.READY, pieces=[f"w{i} " for i in range(50)])
    s, events = session_with(client)

    async def scenario():
        await s.refresh()
        task = asyncio.ensure_future(s.send("go"))
        while len(s.conversation) < 2 or not s.conversation[-1]["content"]:
            await asyncio.sleep(0)
        assert s.generating and not s.can_send
        assert not await s.send("second question while busy")
        await s.stop()
        await task
        assert s.conversation[-1]["status"] == "stopped"
        assert len(s.conversation[-1]["content"].split()) < 50
        await s.clear()

    run(scenario())
    assert s.conversation == [] and "stop" in client.calls and client.calls[-1] == "reset"


def test_chat_errors_are_shown_on_the_reply():
    class Broken(Scripted):
        async def ask(self, request, todos, today, force_tool=None):
            yield {"text": "Par"}
            raise P.AssistantError("Out of memory.")

    s, _ = session_with(Broken(state=P.READY))

    async def scenario():
        await s.refresh()
        await s.send("hi")

    run(scenario())
    reply = s.conversation[-1]
    assert reply["status"] == "error" and reply["error"] == "Out of memory." and reply["content"] == "Par"
    assert s.state == S.READY and s.can_send


def test_model_status_validates_its_state():
    with pytest.raises(ValueError):
        P.ModelStatus("maybe")


# -- reply formatter (parsing; the DOM side is tested in tests/browser/test_xss.py) ----------------
def test_paragraphs_lists_and_bold():
    blocks = parse("Hello **there**.\nSecond line.\n\n- one\n* two `x`\n1. first\n2) second\n\n# Title")
    assert blocks == [
        ("p", [[("text", "Hello "), ("bold", "there"), ("text", ".")], [("text", "Second line.")]]),
        ("ul", [[("text", "one")], [("text", "two "), ("code", "x")]]),
        ("ol", [[("text", "first")], [("text", "second")]]),
        ("p", [[("bold", "Title")]]),
    ]


def test_html_stays_text_and_unclosed_markers_are_literal():
    text = '<img src=x onerror="alert(1)"> **<b>bold</b>** and **open'
    blocks = parse(text)
    assert plain_text(blocks) == '<img src=x onerror="alert(1)"> <b>bold</b> and **open'
    assert inline("** not bold **") == [("text", "** not bold **")]
    assert parse("") == [] and parse("\n\n \n") == []


ADD_BREAD = {"tool": "add", "text": "Add “Buy bread”?", "items": [], "choices": [],
             "actions": [{"op": "add", "id": None, "title": "Buy bread", "due": "2026-11-26"}]}


def ready_session(reply, applied):
    client = Scripted(state=P.READY, pieces=(), reply=reply)
    todos = TodoList()
    todos.add("Buy milk")
    s = S.AssistantSession(client, lambda: todos.items, lambda: dt.date(2026, 11, 25),
                           apply_action=lambda action: applied.append(action) or "Added.")
    run(s.refresh())
    return s, client


def test_a_proposed_change_applies_only_on_apply_and_only_once():
    applied = []
    s, _ = ready_session(ADD_BREAD, applied)
    run(s.send("add bread for tomorrow"))
    entry = s.conversation[-1]
    assert entry["reply"]["actions"][0]["title"] == "Buy bread" and applied == []
    assert s.apply(entry, 0) == "Added."
    assert applied == [ADD_BREAD["actions"][0]] and entry["outcomes"] == {0: S.APPLIED}
    assert s.apply(entry, 0) is None and len(applied) == 1      # a second click does nothing
    assert s.apply(entry, 5) is None


def test_cancel_changes_nothing_and_blocks_a_later_apply():
    applied = []
    s, _ = ready_session(ADD_BREAD, applied)
    run(s.send("add bread"))
    entry = s.conversation[-1]
    s.cancel(entry, 0)
    assert entry["outcomes"] == {0: S.CANCELLED}
    assert s.apply(entry, 0) is None and applied == []


def test_which_one_applying_one_settles_the_others():
    reply = {"tool": "complete", "text": "2 to-dos match", "items": [], "choices": [],
             "actions": [{"op": "complete", "id": "a", "title": "Buy milk"},
                         {"op": "complete", "id": "b", "title": "buy milk"}]}
    applied = []
    s, _ = ready_session(reply, applied)
    run(s.send("I bought milk"))
    entry = s.conversation[-1]
    s.apply(entry, 1)
    assert [a["id"] for a in applied] == ["b"] and entry["outcomes"] == {0: S.CANCELLED, 1: S.APPLIED}


def test_a_failing_apply_is_reported_on_the_card():
    s, _ = ready_session(ADD_BREAD, [])
    s.apply_action = lambda action: (_ for _ in ()).throw(KeyError("gone"))
    run(s.send("add bread"))
    entry = s.conversation[-1]
    assert s.apply(entry, 0) is None and entry["outcomes"][0].startswith("failed")


def test_choosing_an_offered_tool_asks_again_with_it_forced():
    reply = {"tool": "count", "text": "", "items": [], "actions": [], "unsure": True,
             "choices": [{"tool": "count", "label": "Count"}, {"tool": "list", "label": "List"}]}
    s, client = ready_session(reply, [])
    run(s.send("overdue?"))
    run(s.choose(s.conversation[-1], "list"))
    assert client.seen["force_tool"] == "list" and client.seen["request"] == "overdue?"
    assert [m["role"] for m in s.conversation] == ["user", "assistant", "assistant"]
    assert s.conversation[1]["outcomes"]["choice"] == "list"


def test_a_backend_choice_reloads_a_loaded_model_there():
    s, _ = session_with(Scripted(P.DOWNLOADED))
    asyncio.run(s.refresh())
    assert s.state == S.READY and s.device["backend"] == "webgpu"
    asyncio.run(s.use_backend("wasm"))
    assert s.state == S.READY and s.device["backend"] == "wasm"
    assert s.client.calls[-1] == ("load", {"backend": "wasm"})
    asyncio.run(s.retry())  # later loads keep the choice
    assert s.load_options == {"backend": "wasm"}


def test_a_backend_choice_before_loading_only_waits_for_the_load():
    s, _ = session_with(Scripted(P.NOT_DOWNLOADED))
    asyncio.run(s.refresh())
    asyncio.run(s.use_backend("wasm"))
    assert s.state == S.NOT_DOWNLOADED and "load" not in str(s.client.calls)
    asyncio.run(s.download())
    assert s.client.calls[-1] == ("load", {"backend": "wasm"}) and s.device["backend"] == "wasm"


# -- the model picker's switch (session.switch_model) ----------------------------------------------
class Switchable(Scripted):
    """Scripted, plus `select`: each model id has its own cached state."""

    def __init__(self, states):
        super().__init__(states["a"])
        self.states, self.model_id = states, "a"

    async def select(self, model_id, name):
        self.calls.append(("select", model_id))
        self.model_id, self.state = model_id, self.states[model_id]


def test_switching_model_selects_it_then_loads_it_when_it_is_stored():
    client = Switchable({"a": P.DOWNLOADED, "b": P.DOWNLOADED, "c": P.NOT_DOWNLOADED})
    s, _ = session_with(client)
    run(s.refresh())
    assert s.state == S.READY and client.calls == ["status", "load"]
    run(s.switch_model("b", "Model B"))
    assert client.calls[2:] == [("select", "b"), "status", "load"] and s.state == S.READY
    run(s.switch_model("c", "Model C"))  # a shipped model not downloaded yet: offered, not loaded
    assert client.calls[5:] == [("select", "c"), "status"] and s.state == S.NOT_DOWNLOADED


def test_switching_model_is_refused_while_a_download_runs_and_stops_a_reply():
    client = Switchable({"a": P.DOWNLOADED, "b": P.DOWNLOADED})
    s, _ = session_with(client)
    s.state = S.DOWNLOADING
    with pytest.raises(P.AssistantError, match="Wait until"):
        run(s.switch_model("b", "Model B"))
    assert client.model_id == "a"
    s.state, s.generating = S.READY, True
    run(s.switch_model("b", "Model B"))
    assert client.calls[:2] == ["stop", ("select", "b")] and client.model_id == "b"


def test_the_unavailable_assistant_refuses_a_model_choice():
    with pytest.raises(P.AssistantError, match="no model"):
        run(ac.UnavailableAssistant("This build ships no model.").select("x", "X"))


def test_a_model_that_cannot_run_here_is_refused_before_its_download():
    client = Scripted(P.NOT_DOWNLOADED)
    s, _ = session_with(client)
    run(s.refresh())
    s.download_check = lambda: "This model cannot run on this GPU: too big."
    run(s.download())
    assert s.state == S.ERROR and s.reason == "This model cannot run on this GPU: too big."
    assert "download" not in client.calls
    s.download_check = lambda: None
    run(s.retry())
    assert client.calls[-2:] == ["download", "load"] and s.state == S.READY
