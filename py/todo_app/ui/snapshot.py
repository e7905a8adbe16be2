"""The start-up snapshot (issue #15): what site/snapshot.js paints before Python has started.

`write(todos)` stores the list's ids, titles, done flags and due dates in localStorage whenever the
list is saved; `take_over()` asks snapshot.js (once) for what the person did meanwhile: the text in
the new-to-do inputs, where the focus was, and the adds queued with Enter.
"""
import json

from js import Object, window
from pyodide.ffi import create_proxy, to_js

from ..todos import TodoError

KEY = "todo-snapshot-v1"


def snapshot_data(todos):
    """The compact form snapshot.js reads (plain data, rendered there as text only)."""
    return {"v": 1, "todos": [{"id": t.id, "title": t.title, "done": t.done, "due": t.due} for t in todos]}


def write(todos):
    try:
        window.localStorage.setItem(KEY, json.dumps(snapshot_data(todos), ensure_ascii=False))
    except Exception:  # storage full or blocked: the next start is just slower
        pass


_due = []  # [the TodoList whose snapshot is still to be written], at most one
_callbacks = []  # the idle callback's and the pagehide listener's proxies (made once)


def write_soon(todos):
    """write(todos) once the browser is idle (within a second) or the page is left: serialising
    1,000 to-dos takes ~2 ms that a click's frame need not pay. Several changes, one write."""
    if not _callbacks:
        _callbacks.extend((create_proxy(_write_due), create_proxy(_write_due)))
        window.addEventListener("pagehide", _callbacks[1])
    if not _due:
        window.requestIdleCallback(_callbacks[0], to_js({"timeout": 1000}, dict_converter=Object.fromEntries))
    _due[:] = [todos]


def _write_due(*_):
    if _due:
        write(_due.pop())


def take_over():
    """What snapshot.js handed over (dict), or an empty hand-over when it did not run."""
    empty = {"painted": False, "title": "", "due": "", "focus": None, "pending": []}
    helper = getattr(window, "todoSnapshot", None)
    if not helper:
        return empty
    try:
        return {**empty, **json.loads(str(helper.takeOver()))}
    except Exception:
        return empty


def continue_from(view, handed):
    """The TodoView `view` keeps what the person typed before Python was ready; add what they queued with Enter."""
    view.title_input.value = handed.get("title") or ""
    view.due_input.value = handed.get("due") or ""
    if handed.get("focus") == "title":
        view.title_input.focus()
        start, end = handed.get("selectionStart"), handed.get("selectionEnd")
        if isinstance(start, int) and isinstance(end, int):
            view.title_input.setSelectionRange(start, end)
    elif handed.get("focus") == "due":
        view.due_input.focus()
    added, problems = 0, []
    for item in handed.get("pending") or []:
        try:
            view.todos.add(item.get("title"), item.get("due") or None)
            added += 1
        except (TodoError, AttributeError) as error:
            problems.append(f"“{str(item.get('title'))[:60]}”: {error}")
    if problems:
        view.show_message("Some to-dos typed while the app was starting were not added.",
                          "error", problems)
    if added:
        view.changed()
    else:
        write(view.todos)
