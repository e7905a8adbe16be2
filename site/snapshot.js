// Paints the last saved list at once, before Python starts (issue #15): the Python app writes a
// snapshot (ids, titles, done, due) to localStorage whenever it saves; this file shows it
// read-only, marked "Starting…", and keeps the new-to-do input usable: the text typed stays, and
// Enter queues an add. When Python takes over it calls todoSnapshot.takeOver(), which stops this
// and hands over the typed text, the focus and the queued adds (each handed over exactly once).
// DOM is built with createElement/textContent only (no HTML strings: CSP with Trusted Types).
(function () {
  "use strict";
  const KEY = "todo-snapshot-v1";
  // Rows painted: more than a screen holds. Laying out all of a 1,000-row list took ~150 ms; the
  // Python list that takes over draws only the rows near the viewport (ui/row_list.py).
  const PAINTED_ROWS = 100;
  const root = document.getElementById("todo-root");
  const state = {pending: [], active: false};
  let snapshot = null;
  try {
    snapshot = JSON.parse(localStorage.getItem(KEY) || "null");
  } catch (error) {
    snapshot = null;  // no storage or a damaged entry: Python shows the list when it is ready
  }
  const todos = snapshot && Array.isArray(snapshot.todos) ? snapshot.todos : null;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function localToday() {
    const d = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }

  function dueText(todo, today) {  // as todo_item.due_text, so the takeover does not flicker
    if (typeof todo.due !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(todo.due)) return null;
    const date = new Date(todo.due + "T00:00:00Z");
    const part = (options) => date.toLocaleDateString("en-GB", {timeZone: "UTC", ...options});
    let text = `Due ${part({weekday: "short"})} ${date.getUTCDate()} ${part({month: "short"})} ${date.getUTCFullYear()}`;
    let kind = "due";
    if (!todo.done && todo.due < today) [text, kind] = [text + " · overdue", "overdue"];
    else if (!todo.done && todo.due === today) [text, kind] = [text + " · today", "today"];
    return [text, kind];
  }

  function row(todo, today, pending) {
    const li = el("li", {"class": "todo" + (todo.done ? " done" : "") + (pending ? " pending" : ""),
                         "data-testid": "todo-item", "data-done": todo.done ? "true" : "false"});
    if (todo.id) li.dataset.id = todo.id;
    const check = el("input", {type: "checkbox", "class": "todo-check", disabled: "",
                                "aria-label": "Available once the app has started"});
    check.checked = !!todo.done;
    const main = el("div", {"class": "todo-main"});
    main.append(el("span", {"class": "todo-title"}, String(todo.title)));
    const due = dueText(todo, today);
    if (due) main.append(el("span", {"class": "todo-due " + due[1], "data-due": todo.due}, due[0]));
    if (pending) main.append(el("span", {"class": "todo-due"}, "will be added when the app has started"));
    li.append(check, main);
    return li;
  }

  function field(labelText, input, grow) {
    const wrap = el("div", {"class": grow ? "field grow" : "field"});
    wrap.append(el("label", {"for": input.id}, labelText), input);
    return wrap;
  }

  function paint() {
    const today = localToday();
    const title = el("input", {id: "todo-new-title", type: "text", name: "title", autocomplete: "off",
                               maxlength: "300", placeholder: "e.g. Buy milk"});
    const due = el("input", {id: "todo-new-due", type: "date", name: "due"});
    const form = el("form", {id: "todo-add-form", "class": "add-form", novalidate: "",
                             "aria-label": "Add a to-do"});
    form.append(field("New to-do", title, true), field("Due date (optional)", due, false),
                el("button", {type: "submit", id: "todo-add", "class": "button primary"}, "Add"));
    const note = el("p", {id: "todo-snapshot-note", "class": "muted snapshot-note", role: "status"},
                    todos ? "Starting… showing your list as last saved. You can type a new to-do already."
                          : "Starting… your list appears in a moment. You can type a new to-do already.");
    const shown = todos || [];
    const done = shown.filter((t) => t && t.done).length;
    const counts = el("p", {id: "todo-counts", "class": "counts"},
                      todos ? `${shown.length - done} open · ${done} done` : "");
    const list = el("ul", {id: "todo-list", "class": "todo-list", "aria-label": "To-dos (starting)"});
    const valid = shown.filter((todo) => todo && typeof todo.title === "string");
    for (const todo of valid.slice(0, PAINTED_ROWS)) list.append(row(todo, today, false));
    if (valid.length > PAINTED_ROWS) {
      list.append(el("li", {"class": "todo snapshot-more muted"}, `… and ${valid.length - PAINTED_ROWS} more`));
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!state.active || !title.value.trim()) return;
      state.pending.push({title: title.value, due: due.value || null});
      list.append(row({title: title.value.trim(), due: due.value, done: false}, today, true));
      title.value = "";
      due.value = "";
    });
    root.dataset.owner = "snapshot";
    root.replaceChildren(form, note, counts, list);
    state.active = true;
    performance.mark("todo:snapshot-shown");
  }

  // Called once by the Python app (todo_app/ui/snapshot.py) just before it replaces the snapshot.
  function takeOver() {
    const title = document.getElementById("todo-new-title");
    const due = document.getElementById("todo-new-due");
    const active = document.activeElement;
    const handed = {
      painted: state.active,
      title: title ? title.value : "",
      due: due ? due.value : "",
      focus: active && active === title ? "title" : active && active === due ? "due" : null,
      selectionStart: title ? title.selectionStart : null,
      selectionEnd: title ? title.selectionEnd : null,
      pending: state.pending.splice(0),
    };
    state.active = false;
    return JSON.stringify(handed);
  }

  window.todoSnapshot = Object.freeze({takeOver, key: KEY});
  // No snapshot (first visit): an empty list, but the input works all the same.
  if (root && root.dataset.owner !== "python") paint();
})();
