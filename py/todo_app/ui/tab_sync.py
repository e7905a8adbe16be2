"""Two tabs in sync (issue #15): after each save, this tab says so on a BroadcastChannel; every
other open tab of the app then reloads the list from IndexedDB and redraws it (in well under a
second). The store merges each write with what is stored, per field (store.py), so edits made in
two tabs at once both survive; when a save kept another tab's later change, this tab reloads too.
"""
from js import BroadcastChannel, document
from pyodide.ffi import create_proxy

from ..todos import TodoList
from . import snapshot
from .dom import run_task

CHANNEL = "todo-assistant-sync"


class TabSync:
    def __init__(self, view, store):
        self.view, self.store = view, store
        self.paused = False  # tests: hold this tab's view stale (messages are then ignored)
        self._running = False
        self._again = False
        self._proxy = create_proxy(self._on_message)
        self.channel = BroadcastChannel.new(CHANNEL)
        self.channel.onmessage = self._proxy
        view.on_saved = self._after_save

    def _after_save(self, kept_other_changes):
        self.channel.postMessage("changed")
        if kept_other_changes and not self.paused:
            run_task(self.refresh())

    def _on_message(self, event):
        if not self.paused:
            run_task(self.refresh())

    async def refresh(self):
        """Reload from IndexedDB and show it; a save issued meanwhile makes it read again."""
        if self._running:
            self._again = True
            return
        self._running = True
        try:
            while True:
                self._again = False
                issued = self.view.saves_issued
                records = await self.store.load()
                if self.view.saves_issued == issued:
                    self.view.show_records(records)
                if not self._again and self.view.saves_issued == issued:
                    break
        finally:
            self._running = False


def show_records(view, records):
    """The TodoView `view` shows the list as stored (another tab changed it); an edit in
    progress and the focus are kept."""
    fresh = TodoList.from_records(records)
    if fresh.records() == view.todos.records():
        return
    view.todos.replace_all(fresh.items)
    editing = None
    if view.editing:
        form = view.list.querySelector(f'li[data-id="{view.editing}"] form')
        editing = form and [form.querySelector(f"[data-field={n}]").value for n in ("title", "due")]
        if not any(t.id == view.editing for t in view.todos):
            view.editing, editing = None, None
    active = document.activeElement
    focus = None
    if active and view.list.contains(active):
        li = active.closest("li[data-id]")
        key = next((k for k in ("data-action", "data-field") if active.hasAttribute(k)), None)
        if li and key:
            focus = (li.getAttribute("data-id"), f"[{key}={active.getAttribute(key)}]")
    view.render(focus)
    if editing:
        form = view.list.querySelector(f'li[data-id="{view.editing}"] form')
        for name, value in zip(("title", "due"), editing):
            form.querySelector(f"[data-field={name}]").value = value
    snapshot.write(view.todos)
    if view.on_change:
        view.on_change()
