"""The to-do list view + controller: add, edit in place, complete, delete with undo, filters, counts,
clear completed, export/import. Every change is saved (one IndexedDB transaction) right away.

Test hooks (stable ids): #todo-new-title, #todo-new-due, #todo-add, #todo-form-error,
[data-testid=filter-all|filter-open|filter-done], #todo-counts, #todo-list > li[data-id]
(.todo-title, [data-action=toggle|edit|delete], edit form: [data-field=title|due],
[data-action=save|cancel]), #todo-empty, #todo-clear-done, #todo-export, #todo-import-file,
#todo-message, #toast, #toast-text, #toast-undo.
"""
import asyncio
import datetime as _dt

from js import Blob, Object, URL, document, setTimeout
from pyodide.ffi import create_once_callable, to_js

from ..todos import FILTERS, MAX_IMPORT_BYTES, TodoError, TodoList
from .dom import closest_data, h, listen, local_today, run_task, set_attr

TOAST_SECONDS = 10
FILTER_LABELS = {"all": "All", "open": "Open", "done": "Done"}


def nice_date(iso):
    d = _dt.date.fromisoformat(iso)
    return f"{d:%a} {d.day} {d:%b} {d.year}"


def due_text(todo, today):
    if not todo.due:
        return None, None
    text = f"Due {nice_date(todo.due)}"
    if todo.done:
        return text, "due"
    delta = (_dt.date.fromisoformat(todo.due) - today).days
    if delta < 0:
        return f"{text} · overdue", "overdue"
    if delta == 0:
        return f"{text} · today", "today"
    if delta == 1:
        return f"{text} · tomorrow", "due"
    return text, "due"


class Toast:
    """One toast at a time in a persistent live region; optional Undo action."""

    def __init__(self, parent):
        self.region = h("div", {"id": "toast-region", "class": "toast-region", "role": "status",
                                "aria-live": "polite"})
        self.text = h("span", {"id": "toast-text"})
        self.undo_button = h("button", {"type": "button", "id": "toast-undo", "class": "button",
                                        "aria-keyshortcuts": "Control+Z"}, text="Undo")
        self.close_button = h("button", {"type": "button", "id": "toast-close", "class": "button ghost",
                                         "aria-label": "Dismiss message"}, text="✕")
        self.box = h("div", {"id": "toast", "class": "toast", "hidden": True},
                     self.text, self.undo_button, self.close_button)
        self.region.appendChild(self.box)
        parent.appendChild(self.region)
        self.on_undo = None
        self._serial = 0
        listen(self.undo_button, "click", self._undo)
        listen(self.close_button, "click", lambda ev: self.hide())
        listen(self.box, "keydown", self._keydown)

    def show(self, message, on_undo=None):
        self._serial += 1
        self.on_undo = on_undo
        self.text.textContent = message
        self.undo_button.hidden = on_undo is None
        self.box.hidden = False
        run_task(self._hide_later(self._serial))

    async def _hide_later(self, serial):
        await asyncio.sleep(TOAST_SECONDS)
        # Keyboard users get the time they need: never hide while focus is inside the toast.
        while serial == self._serial and self.box.contains(document.activeElement):
            await asyncio.sleep(1)
        if serial == self._serial:
            self.hide()

    def hide(self):
        self._serial += 1
        had_focus = self.box.contains(document.activeElement)
        self.box.hidden = True
        self.text.textContent = ""
        self.on_undo = None
        if had_focus:
            document.getElementById("todo-new-title").focus()

    def _undo(self, ev):
        action, self.on_undo = self.on_undo, None
        self.hide()
        if action is not None:
            action()

    def _keydown(self, ev):
        if ev.key == "Escape":
            self.hide()


class TodoView:
    def __init__(self, root, todos: TodoList, store, on_change=None):
        self.root = root
        self.todos = todos
        self.store = store
        self.filter = "all"
        self.editing = None  # id of the to-do being edited
        self.on_change = on_change
        self._pending_saves = 0  # mirrored in #todo-root[data-pending-saves] (tests wait for 0)
        self.root.dataset.pendingSaves = 0
        self.today = local_today()
        self._build()
        self.render()

    # -- skeleton ----------------------------------------------------------------------------
    def _build(self):
        self.title_input = h("input", {"id": "todo-new-title", "type": "text", "name": "title",
                                       "autocomplete": "off", "maxlength": "300",
                                       "placeholder": "e.g. Buy milk",
                                       "aria-describedby": "todo-form-error"})
        self.due_input = h("input", {"id": "todo-new-due", "type": "date", "name": "due"})
        self.form_error = h("p", {"id": "todo-form-error", "class": "form-error", "role": "alert"})
        form = h("form", {"id": "todo-add-form", "class": "add-form", "novalidate": True,
                          "aria-label": "Add a to-do"},
                 h("div", {"class": "field grow"},
                   h("label", {"for": "todo-new-title"}, text="New to-do"), self.title_input),
                 h("div", {"class": "field"},
                   h("label", {"for": "todo-new-due"}, text="Due date (optional)"), self.due_input),
                 h("button", {"type": "submit", "id": "todo-add", "class": "button primary"}, text="Add"))
        self.filter_buttons = {}
        filters = h("div", {"class": "filters", "role": "group", "aria-label": "Show to-dos"})
        for name in FILTERS:
            button = h("button", {"type": "button", "class": "button filter", "data-filter": name,
                                  "data-testid": f"filter-{name}", "aria-pressed": "false"})
            self.filter_buttons[name] = button
            filters.appendChild(button)
        self.counts = h("p", {"id": "todo-counts", "class": "counts", "aria-live": "polite"})
        self.list = h("ul", {"id": "todo-list", "class": "todo-list", "aria-label": "To-dos"})
        self.empty = h("p", {"id": "todo-empty", "class": "muted empty"})
        self.clear_button = h("button", {"type": "button", "id": "todo-clear-done", "class": "button"},
                              text="Clear completed")
        self.export_button = h("button", {"type": "button", "id": "todo-export", "class": "button"},
                               text="Export to file")
        self.import_input = h("input", {"type": "file", "id": "todo-import-file",
                                        "class": "visually-hidden", "accept": "application/json,.json"})
        import_label = h("label", {"for": "todo-import-file", "id": "todo-import-label",
                                   "class": "button file-button"}, text="Import from file")
        actions = h("div", {"class": "list-actions"}, self.clear_button, self.export_button,
                    self.import_input, import_label)
        self.message = h("div", {"id": "todo-message", "class": "message", "role": "status",
                                 "aria-live": "polite"})
        self.storage_note = h("p", {"id": "todo-storage-note", "class": "form-error", "hidden": True})
        self.root.replaceChildren(form, self.form_error, h("div", {"class": "toolbar"}, filters, self.counts),
                                  self.list, self.empty, actions, self.message, self.storage_note)
        self.toast = Toast(self.root)

        listen(form, "submit", self._on_add)
        listen(self.title_input, "input", lambda ev: self._form_error(None))
        listen(filters, "click", self._on_filter)
        listen(self.list, "change", self._on_list_change)
        listen(self.list, "click", self._on_list_click)
        listen(self.list, "dblclick", self._on_list_dblclick)
        listen(self.list, "submit", self._on_edit_submit)
        listen(self.list, "keydown", self._on_list_keydown)
        listen(self.clear_button, "click", self._on_clear)
        listen(self.export_button, "click", self._on_export)
        listen(self.import_input, "change", self._on_import)
        listen(document, "keydown", self._on_document_keydown)
        if getattr(self.store, "reason", None):
            self.storage_note.textContent = (f"Your list cannot be saved in this browser "
                                             f"({self.store.reason}); changes are lost on reload.")
            self.storage_note.hidden = False

    # -- rendering ---------------------------------------------------------------------------
    def render(self, focus=None):
        """Redraw list, counts and filters. focus: (todo id, selector in its <li>), "new", or None."""
        self.today = local_today()
        counts = self.todos.counts(self.today)
        for name, button in self.filter_buttons.items():
            button.textContent = f"{FILTER_LABELS[name]} ({counts[name]})"
            button.setAttribute("aria-pressed", "true" if name == self.filter else "false")
        overdue = f" · {counts['overdue']} overdue" if counts.get("overdue") else ""
        self.counts.textContent = f"{counts['open']} open · {counts['done']} done{overdue}"
        visible = self.todos.visible(self.filter)
        self.list.replaceChildren(*[self._item(t) for t in visible])
        self.list.hidden = not visible
        if visible:
            self.empty.textContent = ""
        elif not len(self.todos):
            self.empty.textContent = "Nothing here yet. Add your first to-do above."
        else:
            self.empty.textContent = {"open": "No open to-dos. Well done!",
                                      "done": "Nothing is done yet."}.get(self.filter, "")
        self.clear_button.disabled = False
        self._focus(focus)

    def _item(self, todo):
        title_id = f"todo-title-{todo.id}"
        li = h("li", {"class": "todo" + (" done" if todo.done else ""), "data-id": todo.id,
                      "data-testid": "todo-item", "data-done": "true" if todo.done else "false"})
        if self.editing == todo.id:
            li.classList.add("editing")
            li.appendChild(self._edit_form(todo))
            return li
        check = h("input", {"type": "checkbox", "class": "todo-check", "data-action": "toggle",
                            "id": f"todo-check-{todo.id}", "aria-labelledby": title_id})
        check.checked = todo.done
        main = h("div", {"class": "todo-main"},
                 h("span", {"class": "todo-title", "id": title_id}, text=todo.title))
        text, kind = due_text(todo, self.today)
        if text:
            main.appendChild(h("span", {"class": f"todo-due {kind}", "data-due": todo.due}, text=text))
        actions = h("div", {"class": "todo-actions"},
                    h("button", {"type": "button", "class": "button small", "data-action": "edit",
                                 "aria-label": f"Edit: {todo.title}"}, text="Edit"),
                    h("button", {"type": "button", "class": "button small danger", "data-action": "delete",
                                 "aria-label": f"Delete: {todo.title}"}, text="Delete"))
        li.append(check, main, actions)
        return li

    def _edit_form(self, todo):
        title = h("input", {"type": "text", "class": "edit-title", "data-field": "title", "maxlength": "300",
                            "aria-label": "Title", "autocomplete": "off"})
        title.value = todo.title
        due = h("input", {"type": "date", "class": "edit-due", "data-field": "due", "aria-label": "Due date"})
        due.value = todo.due or ""
        error = h("p", {"class": "form-error edit-error", "role": "alert"})
        return h("form", {"class": "edit-form", "aria-label": "Edit to-do", "novalidate": True},
                 title, due,
                 h("button", {"type": "submit", "class": "button small primary", "data-action": "save"},
                   text="Save"),
                 h("button", {"type": "button", "class": "button small", "data-action": "cancel"},
                   text="Cancel"),
                 error)

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
        items = self.list.querySelectorAll("li[data-id]")
        if items.length:
            li = items.item(min(index, items.length - 1))
            return (li.getAttribute("data-id"), "[data-action=toggle]")
        return "new"

    # -- changes -----------------------------------------------------------------------------
    def changed(self, focus=None):
        self.render(focus)
        try:
            pending = self.store.save(self.todos.records())  # the transaction is issued right here
        except Exception as error:
            self.show_message(f"Could not save your list: {error}", "error")
        else:
            self._pending_saves += 1
            self.root.dataset.pendingSaves = self._pending_saves
            run_task(self._saved(pending))
        if self.on_change:
            self.on_change()

    async def _saved(self, pending):
        try:
            await pending
        except Exception as error:
            self.show_message(f"Could not save your list: {error}", "error")
        finally:
            self._pending_saves -= 1
            self.root.dataset.pendingSaves = self._pending_saves

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
        self.changed("new")

    def _on_filter(self, ev):
        name = closest_data(ev.target, "filter")
        if name in FILTERS and name != self.filter:
            self.filter = name
            self.render()

    def _visible_index(self, todo_id):
        ids = [t.id for t in self.todos.visible(self.filter)]
        return ids.index(todo_id) if todo_id in ids else 0

    def _on_list_change(self, ev):
        if closest_data(ev.target, "action") != "toggle":
            return
        todo_id = closest_data(ev.target, "id")
        index = self._visible_index(todo_id)
        todo = self.todos.set_done(todo_id, bool(ev.target.checked))
        self.render()
        still_visible = any(t.id == todo_id for t in self.todos.visible(self.filter))
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
        self.render()
        self.changed(self._focus_after_removal(index))
        self.toast.show(removal.label, self.undo)

    def undo(self):
        restored = self.todos.undo()
        if not restored:
            return
        if self.filter != "all" and not any(t in self.todos.visible(self.filter) for t in restored):
            self.filter = "all"
        self.changed((restored[0].id, "[data-action=toggle]"))
        n = len(restored)
        self.toast.show(f"Restored {n} to-do{'' if n == 1 else 's'}.")

    def _on_clear(self, ev):
        removal = self.todos.clear_completed()
        if removal is None:
            self.toast.show("There are no completed to-dos to clear.")
            return
        self.changed()
        self.toast.show(removal.label, self.undo)

    # -- export / import ---------------------------------------------------------------------
    def _on_export(self, ev):
        text = self.todos.export_json()
        blob = Blob.new(to_js([text]), to_js({"type": "application/json"}, dict_converter=Object.fromEntries))
        url = URL.createObjectURL(blob)
        link = h("a", {"href": url, "download": f"todos-{local_today().isoformat()}.json", "hidden": True})
        document.body.appendChild(link)
        link.click()
        link.remove()
        setTimeout(create_once_callable(lambda: URL.revokeObjectURL(url)), 10_000)
        n = len(self.todos)
        self.show_message(f"Exported {n} to-do{'' if n == 1 else 's'} to a file.", "ok")

    async def _on_import(self, ev):
        files = self.import_input.files
        file = files.item(0) if files and files.length else None
        if not file:
            return
        name = str(file.name)
        try:
            if file.size > MAX_IMPORT_BYTES:
                self.show_message(f"Nothing was imported: {name} is larger than "
                                  f"{MAX_IMPORT_BYTES // 1_000_000} MB.", "error")
                return
            text = await file.text()
            report = self.todos.import_json(str(text))
        except Exception as error:
            self.show_message(f"Nothing was imported: could not read {name} ({error}).", "error")
            return
        finally:
            self.import_input.value = ""  # picking the same file again fires "change" again
        if report.added:
            if self.filter != "all":
                self.filter = "all"
            self.changed()
        kind = "error" if not report.ok else ("warning" if report.errors else "ok")
        self.show_message(f"{name}: {report.summary()}", kind, report.errors)

    def show_message(self, text, kind="ok", details=()):
        self.message.dataset.kind = kind
        children = [h("p", {}, text=text)]
        details = list(details)
        if details:
            shown = details[:10]
            items = [h("li", {}, text=line) for line in shown]
            if len(details) > len(shown):
                items.append(h("li", {}, text=f"… and {len(details) - len(shown)} more."))
            children.append(h("ul", {"class": "message-details"}, *items))
        self.message.replaceChildren(*children)
