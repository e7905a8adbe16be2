"""One to-do's row in the list (checkbox, title, due date, Edit/Delete) or its in-place edit form.

Test hooks: li[data-id] with .todo-title, .todo-due[data-due], [data-action=toggle|edit|delete];
the edit form's [data-field=title|due], [data-action=save|cancel], .edit-error.
"""
import datetime as _dt

from .dom import h


def nice_date(iso):
    d = _dt.date.fromisoformat(iso)
    return f"{d:%a} {d.day} {d:%b} {d.year}"


def due_text(todo, today):
    """(text, kind) of the to-do's due date; kind is the CSS class: due, today or overdue."""
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


def count_todos(n):
    """ "1 to-do", "3 to-dos"."""
    return f"{n} to-do{'' if n == 1 else 's'}"


def todo_row(todo, today, editing=False):
    """The <li> of one to-do: its row, or its edit form while it is being edited."""
    if editing:
        li = h("li", {"class": "todo editing" + (" done" if todo.done else ""), "data-id": todo.id,
                      "data-testid": "todo-item", "data-done": "true" if todo.done else "false"})
        li.appendChild(edit_form(todo))
        return li
    # A clone of a blank row, filled in: ~20 calls into the DOM instead of ~45 (a scroll or a
    # search draws a few dozen rows within one frame). Text goes in as text only.
    li = _blank_row().cloneNode(True)
    li.setAttribute("data-id", todo.id)
    li.setAttribute("data-done", "true" if todo.done else "false")
    check = li.firstElementChild
    check.id = f"todo-check-{todo.id}"
    check.setAttribute("aria-labelledby", f"todo-title-{todo.id}")
    if todo.done:
        li.className = "todo done"
        check.checked = True
    main = check.nextElementSibling
    title = main.firstElementChild
    title.id = f"todo-title-{todo.id}"
    title.textContent = todo.title
    text, kind = due_text(todo, today)
    if text:
        main.appendChild(h("span", {"class": f"todo-due {kind}", "data-due": todo.due}, text=text))
    edit = main.nextElementSibling.firstElementChild
    edit.setAttribute("aria-label", f"Edit: {todo.title}")
    edit.nextElementSibling.setAttribute("aria-label", f"Delete: {todo.title}")
    return li


_BLANK = []  # the blank row, made once


def _blank_row():
    if not _BLANK:
        _BLANK.append(h(
            "li", {"class": "todo", "data-testid": "todo-item"},
            h("input", {"type": "checkbox", "class": "todo-check", "data-action": "toggle"}),
            h("div", {"class": "todo-main"}, h("span", {"class": "todo-title"})),
            h("div", {"class": "todo-actions"},
              h("button", {"type": "button", "class": "button small", "data-action": "edit"}, text="Edit"),
              h("button", {"type": "button", "class": "button small danger", "data-action": "delete"},
                text="Delete"))))
    return _BLANK[0]


def edit_form(todo):
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
