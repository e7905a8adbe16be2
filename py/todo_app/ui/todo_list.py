"""The to-do list view + controller: add, edit in place, complete, delete with undo, filters, counts,
clear completed, export/import. Every change is saved (one IndexedDB transaction) right away.
Rows are built by todo_item.py, the toast by toast.py, export/import by todo_transfer.py.

Test hooks (stable ids): #todo-new-title, #todo-new-due, #todo-add, #todo-form-error,
[data-testid=filter-all|filter-open|filter-done], #todo-search, #todo-counts, #todo-list > li[data-id]
(.todo-title, [data-action=toggle|edit|delete], edit form: [data-field=title|due],
[data-action=save|cancel]), #todo-empty, #todo-clear-done, #todo-export, #todo-import-file,
#todo-message, #toast, #toast-text, #toast-undo.
"""
from js import document

from ..todos import FILTERS, TodoError, TodoList
from . import snapshot
from .dom import closest_data, h, listen, local_today, run_task, set_attr
from .toast import Toast
from .row_list import RowList
from .todo_item import count_todos
from .todo_transfer import (ImportFailed, fill_message_area, import_chosen_file, save_json_file,
                            transfer_controls)

FILTER_LABELS = {"all": "All", "open": "Open", "done": "Done"}
EMPTY_FILTER_TEXT = {"open": "No open to-dos. Well done!", "done": "Nothing is done yet."}


class TodoView:
    def __init__(self, root, todos: TodoList, store, on_change=None):
        self.root = root
        self.todos = todos
        self.store = store
        self.filter = "all"
        self.query = ""  # the search box's text
        self.editing = None  # id of the to-do being edited
        self.on_change = on_change
        self.on_saved = None  # called with True when a save kept another tab's later change
        self.saves_issued = 0
        self._pending_saves = 0  # mirrored in #todo-root[data-pending-saves] (tests wait for 0)
        self.root.dataset.pendingSaves = 0
        self.today = local_today()
        handed = snapshot.take_over()  # what was typed into the start-up snapshot (site/snapshot.js)
        self._build()
        self.render()
        snapshot.continue_from(self, handed)

    # -- skeleton ----------------------------------------------------------------------------
    def _build(self):
        form = self._build_add_form()
        filters = self._build_filters()
        self.counts = h("p", {"id": "todo-counts", "class": "counts", "aria-live": "polite"})
        self.search_input = h("input", {"id": "todo-search", "type": "search", "class": "search",
                                        "aria-label": "Search to-dos", "placeholder": "Search",
                                        "autocomplete": "off", "maxlength": "300"})
        self.list = h("ul", {"id": "todo-list", "class": "todo-list", "aria-label": "To-dos"})
        self.rows = RowList(self.list)
        self.empty = h("p", {"id": "todo-empty", "class": "muted empty"})
        self.clear_button = h("button", {"type": "button", "id": "todo-clear-done", "class": "button"},
                              text="Clear completed")
        self.export_button, self.import_input, import_label = transfer_controls()
        actions = h("div", {"class": "list-actions"}, self.clear_button, self.export_button,
                    self.import_input, import_label)
        self.message = h("div", {"id": "todo-message", "class": "message", "role": "status",
                                 "aria-live": "polite"})
        self.storage_note = h("p", {"id": "todo-storage-note", "class": "form-error", "hidden": True})
        self.root.dataset.owner = "python"
        self.root.replaceChildren(form, self.form_error, h("div", {"class": "toolbar"}, filters, self.search_input, self.counts),
                                  self.list, self.empty, actions, self.message, self.storage_note)
        self.toast = Toast(self.root)
        self._listen(form, filters)
        self._show_storage_note()

    def _build_add_form(self):
        self.title_input = h("input", {"id": "todo-new-title", "type": "text", "name": "title",
                                       "autocomplete": "off", "maxlength": "300",
                                       "placeholder": "e.g. Buy milk",
                                       "aria-describedby": "todo-form-error"})
        self.due_input = h("input", {"id": "todo-new-due", "type": "date", "name": "due"})
        self.form_error = h("p", {"id": "todo-form-error", "class": "form-error", "role": "alert"})
        return h("form", {"id": "todo-add-form", "class": "add-form", "novalidate": True,
                          "aria-label": "Add a to-do"},
                 h("div", {"class": "field grow"},
                   h("label", {"for": "todo-new-title"}, text="New to-do"), self.title_input),
                 h("div", {"class": "field"},
                   h("label", {"for": "todo-new-due"}, text="Due date (optional)"), self.due_input),
                 h("button", {"type": "submit", "id": "todo-add", "class": "button primary"}, text="Add"))

    def _build_filters(self):
        self.filter_buttons = {}
        filters = h("div", {"class": "filters", "role": "group", "aria-label": "Show to-dos"})
        for name in FILTERS:
            button = h("button", {"type": "button", "class": "button filter", "data-filter": name,
                                  "data-testid": f"filter-{name}", "aria-pressed": "false"})
            self.filter_buttons[name] = button
            filters.appendChild(button)
        return filters

    def _listen(self, form, filters):
        listen(form, "submit", self._on_add)
        listen(self.title_input, "input", lambda ev: self._form_error(None))
        listen(filters, "click", self._on_filter)
        listen(self.search_input, "input", self._on_search)
        for event, handler in (("change", self._on_list_change), ("click", self._on_list_click),
                               ("dblclick", self._on_list_dblclick), ("submit", self._on_edit_submit),
                               ("keydown", self._on_list_keydown)):
            listen(self.list, event, handler)
        listen(self.clear_button, "click", self._on_clear)
        listen(self.export_button, "click", self._on_export)
        listen(self.import_input, "change", self._on_import)
        listen(document, "keydown", self._on_document_keydown)

    def _show_storage_note(self):
        if getattr(self.store, "reason", None):
            self.storage_note.textContent = (f"Your list cannot be saved in this browser "
                                             f"({self.store.reason}); changes are lost on reload.")
            self.storage_note.hidden = False

    # -- rendering ---------------------------------------------------------------------------
    def render(self, focus=None):
        """Redraw list, counts and filters. focus: (todo id, selector in its <li>), "new", or None."""
        self.today = local_today()
        visible = self.shown()
        keep = focus[0] if isinstance(focus, tuple) else None  # drawn even if far from the viewport
        self.rows.show(visible, self.today, self.editing, {t.id for t in self.todos}, keep)
        self._render_counts(self.todos.counts(self.today))
        self.list.hidden = not visible
        if visible:
            self.empty.textContent = ""
        elif not len(self.todos):
            self.empty.textContent = "Nothing here yet. Add your first to-do above."
        elif self.query.strip():
            self.empty.textContent = f"No to-dos match “{self.query.strip()}”."
        else:
            self.empty.textContent = EMPTY_FILTER_TEXT.get(self.filter, "")
        self.clear_button.disabled = False
        self._focus(focus)

    def _render_counts(self, counts):
        for name, button in self.filter_buttons.items():
            button.textContent = f"{FILTER_LABELS[name]} ({counts[name]})"
            button.setAttribute("aria-pressed", "true" if name == self.filter else "false")
        overdue = f" · {counts['overdue']} overdue" if counts.get("overdue") else ""
        self.counts.textContent = f"{counts['open']} open · {counts['done']} done{overdue}"

    def _focus(self, focus):
        if focus is None:
            return
        if focus == "new":
            self.title_input.focus()
            return
        todo_id, selector = focus
        li = self.list.querySelector(f'li[data-id="{todo_id}"]') if todo_id else None
        target = li.querySelector(selector) if li else None
        if target:
            target.focus()
        else:
            self.title_input.focus()

    def _focus_after_removal(self, index):
        """Focus the item now at the old visible index (or the one before), else the new-title box."""
        shown = self.shown()
        if shown:
            return (shown[min(index, len(shown) - 1)].id, "[data-action=toggle]")
        return "new"

    # -- changes -----------------------------------------------------------------------------
    def changed(self, focus=None):
        self.render(focus)
        snapshot.write_soon(self.todos)  # painted at the next start before Python is ready
        try:
            pending = self.store.save(self.todos.records())  # the transaction is issued right here
        except Exception as error:
            self.show_message(f"Could not save your list: {error}", "error")
        else:
            self._pending_saves += 1
            self.saves_issued += 1
            self.root.dataset.pendingSaves = self._pending_saves
            run_task(self._saved(pending))
        if self.on_change:
            self.on_change()

    async def _saved(self, pending):
        try:
            kept_other_changes = await pending
        except Exception as error:
            self.show_message(f"Could not save your list: {error}", "error")
        else:
            if self.on_saved:
                self.on_saved(bool(kept_other_changes))
        finally:
            self._pending_saves -= 1
            self.root.dataset.pendingSaves = self._pending_saves

    def show_records(self, records):
        """Show the list as stored (another tab changed it): tab_sync.show_records."""
        from .tab_sync import show_records
        show_records(self, records)

    def _form_error(self, text):
        self.form_error.textContent = text or ""
        set_attr(self.title_input, "aria-invalid", "true" if text else None)

    def _on_add(self, ev):
        ev.preventDefault()
        try:
            todo = self.todos.add(self.title_input.value, self.due_input.value or None)
        except TodoError as error:
            self._form_error(str(error))
            self.title_input.focus()
            return
        self._form_error(None)
        self.title_input.value = ""
        self.due_input.value = ""
        if self.filter == "done":
            self.filter = "all"  # show where the new to-do went
        if all(t is not todo for t in self.shown()):
            self.query = self.search_input.value = ""
        self.changed("new")

    def _on_filter(self, ev):
        name = closest_data(ev.target, "filter")
        if name in FILTERS and name != self.filter:
            self.filter = name
            self.render()

    def shown(self):
        """The to-dos on screen: the filter's, narrowed by the search box."""
        return self.todos.visible(self.filter, self.query)

    def _on_search(self, ev):
        self.query = str(self.search_input.value)
        self.render()

    def _visible_index(self, todo_id):
        ids = [t.id for t in self.shown()]
        return ids.index(todo_id) if todo_id in ids else 0

    def _on_list_change(self, ev):
        if closest_data(ev.target, "action") != "toggle":
            return
        todo_id = closest_data(ev.target, "id")
        index = self._visible_index(todo_id)
        todo = self.todos.set_done(todo_id, bool(ev.target.checked))
        still_visible = any(t.id == todo_id for t in self.shown())
        focus = (todo_id, "[data-action=toggle]") if still_visible else self._focus_after_removal(index)
        self.changed(focus)
        if not still_visible:
            self.toast.show(f"Marked “{todo.title}” as {'done' if todo.done else 'open'}.")

    def _on_list_click(self, ev):
        action = closest_data(ev.target, "action")
        todo_id = closest_data(ev.target, "id")
        if not todo_id or action not in ("edit", "delete", "cancel"):
            return
        if action == "edit":
            self.start_edit(todo_id)
        elif action == "cancel":
            self.editing = None
            self.render((todo_id, "[data-action=edit]"))
        elif action == "delete":
            self.delete(todo_id)

    def _on_list_dblclick(self, ev):
        if ev.target.classList.contains("todo-title"):
            self.start_edit(closest_data(ev.target, "id"))

    def _on_list_keydown(self, ev):
        if ev.key == "Escape" and self.editing:
            ev.preventDefault()
            todo_id, self.editing = self.editing, None
            self.render((todo_id, "[data-action=edit]"))

    def _on_document_keydown(self, ev):
        """Ctrl/Cmd+Z outside text fields = the toast's Undo (keyboard users need not reach it)."""
        if (ev.ctrlKey or ev.metaKey) and not ev.shiftKey and str(ev.key).lower() == "z":
            tag = str(getattr(ev.target, "tagName", "")).lower()
            if tag in ("input", "textarea") and getattr(ev.target, "type", "") != "checkbox":
                return
            if self.toast.on_undo is not None:
                ev.preventDefault()
                self.toast._undo(ev)

    def start_edit(self, todo_id):
        self.editing = todo_id
        self.render((todo_id, "[data-field=title]"))
        field = self.list.querySelector(f'li[data-id="{todo_id}"] [data-field=title]')
        if field:
            field.select()

    def _on_edit_submit(self, ev):
        ev.preventDefault()
        todo_id = closest_data(ev.target, "id")
        form = ev.target
        title = form.querySelector("[data-field=title]").value
        due = form.querySelector("[data-field=due]").value or None
        try:
            self.todos.update(todo_id, title=title, due=due)
        except TodoError as error:
            form.querySelector(".edit-error").textContent = str(error)
            form.querySelector("[data-field=title]").focus()
            return
        self.editing = None
        self.changed((todo_id, "[data-action=edit]"))

    def delete(self, todo_id):
        index = self._visible_index(todo_id)
        removal = self.todos.delete(todo_id)
        self.changed(self._focus_after_removal(index))
        self.toast.show(removal.label, self.undo)

    def apply_action(self, action):
        """Apply a change the assistant proposed, once the person pressed Apply: stored, shown and
        undoable from the toast like any edit. Returns the toast's sentence."""
        op, todo_id = action["op"], action.get("id")
        if op == "delete":
            self.todos.get(todo_id)  # KeyError if it went meanwhile
            self.delete(todo_id)
            return "Deleted."
        if op == "add":
            todo = self.todos.add(action["title"], action.get("due"))
            undo = lambda: self._forget(todo.id)  # noqa: E731
            note = f"Added “{todo.title}”."
        else:
            todo = self.todos.get(todo_id)
            before = (todo.title, todo.due, todo.done)
            if op in ("complete", "reopen"):
                self.todos.set_done(todo_id, op == "complete")
            elif op == "rename":
                self.todos.update(todo_id, title=action["new_title"])
            elif op == "set_due":
                self.todos.update(todo_id, due=action.get("due"))
            else:
                raise TodoError(f"unknown change {op!r}")
            undo = lambda: self._restore(todo_id, before)  # noqa: E731
            note = f"Changed “{todo.title}”."
        if self.filter != "all" and todo not in self.todos.visible(self.filter):
            self.filter = "all"
        self.changed()
        self.toast.show(note, lambda: (undo(), self.changed()))
        return note

    def _forget(self, todo_id):
        self.todos.delete(todo_id)
        self.todos.last_removal = None  # undoing an add is not itself undoable

    def _restore(self, todo_id, before):
        title, due, done = before
        self.todos.update(todo_id, title=title, due=due)
        self.todos.set_done(todo_id, done)

    def undo(self):
        restored = self.todos.undo()
        if not restored:
            return
        if self.filter != "all" and not any(t in self.todos.visible(self.filter) for t in restored):
            self.filter = "all"
        self.changed((restored[0].id, "[data-action=toggle]"))
        self.toast.show(f"Restored {count_todos(len(restored))}.")

    def _on_clear(self, ev):
        removal = self.todos.clear_completed()
        if removal is None:
            self.toast.show("There are no completed to-dos to clear.")
            return
        self.changed()
        self.toast.show(removal.label, self.undo)

    # -- export / import ---------------------------------------------------------------------
    def _on_export(self, ev):
        save_json_file(self.todos.export_json())
        self.show_message(f"Exported {count_todos(len(self.todos))} to a file.", "ok")

    async def _on_import(self, ev):
        try:
            imported = await import_chosen_file(self.import_input, self.todos)
        except ImportFailed as error:
            self.show_message(str(error), "error")
            return
        if imported is None:
            return
        name, report = imported
        if report.added:
            self.filter = "all"
            self.changed()
        kind = "error" if not report.ok else ("warning" if report.errors else "ok")
        self.show_message(f"{name}: {report.summary()}", kind, report.errors)

    def show_message(self, text, kind="ok", details=()):
        fill_message_area(self.message, text, kind, details)
