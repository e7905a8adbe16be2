"""The to-do list model: plain Python, no browser imports (unit-tested in CPython).

    todos = TodoList()
    item = todos.add("Buy milk", due="2026-12-01")
    todos.update(item.id, title="Buy oat milk")
    todos.set_done(item.id, True)
    todos.delete(item.id); todos.undo()          # the last removal can be undone
    todos.visible("open"), todos.counts()
    text = todos.export_json(); report = other.import_json(text)

Order is insertion order: new to-dos go to the end; undo puts removed ones back where they were.
Import never removes or changes an existing to-do: it only adds valid entries and reports the rest.
"""
import datetime as _dt
import json
import re
import secrets
import time
from dataclasses import dataclass, field, replace

from .merge import clean_stamps

FILTERS = ("all", "open", "done")
MAX_TITLE = 300
MAX_IMPORT_ENTRIES = 10_000
MAX_IMPORT_BYTES = 5_000_000
EXPORT_FORMAT = "todo-assistant"
EXPORT_VERSION = 1
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


class TodoError(ValueError):
    """A user-facing validation error; the message is meant to be shown as is."""


def new_id():
    return "t" + secrets.token_hex(6)


def now_iso():
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def clean_title(title):
    """Validate and normalise a title: a string, control characters become spaces, trimmed."""
    if not isinstance(title, str):
        raise TodoError("The title must be text.")
    title = _CONTROL_RE.sub(" ", title).strip()
    if not title:
        raise TodoError("A to-do needs a title.")
    if len(title) > MAX_TITLE:
        raise TodoError(f"A title can have at most {MAX_TITLE} characters (this one has {len(title)}).")
    return title


def clean_due(due):
    """None/"" for no due date, else an ISO date string YYYY-MM-DD (validated)."""
    if due is None or due == "":
        return None
    if isinstance(due, _dt.date):
        return due.isoformat()
    if not isinstance(due, str) or not _DATE_RE.match(due):
        raise TodoError(f"The due date must look like 2026-12-31 (got {str(due)[:40]!r}).")
    try:
        _dt.date.fromisoformat(due)
    except ValueError:
        raise TodoError(f"{due} is not a real date.") from None
    return due


def _as_date(today):
    if isinstance(today, str):
        return _dt.date.fromisoformat(today)
    return today


@dataclass
class Todo:
    id: str
    title: str
    done: bool = False
    due: str | None = None        # "YYYY-MM-DD" or None
    created: str = ""             # ISO timestamp (UTC)
    completed: str | None = None  # ISO timestamp when marked done
    stamps: dict = field(default_factory=dict, compare=False)  # field -> ms of its last change (tabs merge)

    def to_dict(self):
        return {"id": self.id, "title": self.title, "done": self.done, "due": self.due,
                "created": self.created, "completed": self.completed}

    def is_overdue(self, today):
        return not self.done and self.due is not None and self.due < _as_date(today).isoformat()

    def is_due_today(self, today):
        return not self.done and self.due == _as_date(today).isoformat()


@dataclass
class Removal:
    """What the last delete/clear removed, with positions, so it can be undone."""
    label: str
    items: list = field(default_factory=list)  # [(index, Todo)] in ascending index order


@dataclass
class ImportReport:
    added: int = 0
    duplicates: int = 0
    errors: list = field(default_factory=list)  # human-readable, one per bad entry
    fatal: str | None = None                   # the file as a whole was unusable: nothing changed

    @property
    def ok(self):
        return self.fatal is None

    def summary(self):
        if self.fatal:
            return f"Nothing was imported: {self.fatal}"
        parts = [f"Imported {self.added} to-do{'' if self.added == 1 else 's'}."]
        if self.duplicates:
            parts.append(f"{self.duplicates} already in your list, skipped.")
        if self.errors:
            n = len(self.errors)
            parts.append(f"{n} entr{'y' if n == 1 else 'ies'} skipped because of problems:")
        return " ".join(parts)


class TodoList:
    def __init__(self, todos=(), id_factory=new_id, clock=now_iso, stamp_clock=None):
        self._items = [replace(t, stamps=dict(t.stamps)) for t in todos]
        self._id_factory = id_factory
        self._clock = clock
        self._stamp_clock = stamp_clock or (lambda: int(time.time() * 1000))
        self.last_removal = None

    # -- reading -------------------------------------------------------------------------------
    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(list(self._items))

    @property
    def items(self):
        return list(self._items)

    def get(self, todo_id):
        for t in self._items:
            if t.id == todo_id:
                return t
        raise KeyError(todo_id)

    def index_of(self, todo_id):
        for i, t in enumerate(self._items):
            if t.id == todo_id:
                return i
        raise KeyError(todo_id)

    def visible(self, which="all", query=""):
        """The to-dos a filter shows; `query`: only those whose title holds every word of it
        (case-insensitive)."""
        if which not in FILTERS:
            raise ValueError(f"unknown filter {which!r}")
        items = self._items
        if which != "all":
            items = [t for t in items if t.done == (which == "done")]
        words = str(query or "").casefold().split()
        if words:
            items = [t for t in items if all(w in t.title.casefold() for w in words)]
        return list(items)

    def counts(self, today=None):
        done = sum(1 for t in self._items if t.done)
        counts = {"all": len(self._items), "open": len(self._items) - done, "done": done}
        if today is not None:  # is_overdue(today) for each, the date written once
            day = _as_date(today).isoformat()
            counts["overdue"] = sum(1 for t in self._items if not t.done and t.due is not None and t.due < day)
        return counts

    def replace_all(self, todos):
        """Take another tab's version of the list (the undo of this tab's last removal is kept)."""
        self._items = [replace(t, stamps=dict(t.stamps)) for t in todos]

    # -- changing ------------------------------------------------------------------------------
    def _unique_id(self):
        taken = {t.id for t in self._items}
        for _ in range(100):
            candidate = self._id_factory()
            if candidate not in taken:
                return candidate
        raise RuntimeError("could not make a unique id")

    def _stamp(self, todo, *fields):
        now = self._stamp_clock()
        for name in fields:
            todo.stamps[name] = max(now, todo.stamps.get(name, 0) + 1)

    def add(self, title, due=None):
        todo = Todo(id=self._unique_id(), title=clean_title(title), due=clean_due(due),
                    created=self._clock())
        self._stamp(todo, "title", "due", "done")
        self._items.append(todo)
        return todo

    def update(self, todo_id, *, title=None, due=...):
        """Change the title and/or the due date (pass due=None to remove it)."""
        todo = self.get(todo_id)
        new_title = clean_title(title) if title is not None else todo.title
        new_due = clean_due(due) if due is not ... else todo.due
        changed = [n for n, old, new in (("title", todo.title, new_title), ("due", todo.due, new_due))
                   if old != new]
        todo.title, todo.due = new_title, new_due
        self._stamp(todo, *changed)
        return todo

    def set_done(self, todo_id, done=True):
        todo = self.get(todo_id)
        if bool(done) != todo.done:
            todo.done = bool(done)
            todo.completed = self._clock() if todo.done else None
            self._stamp(todo, "done")
        return todo

    def toggle(self, todo_id):
        return self.set_done(todo_id, not self.get(todo_id).done)

    def _remove(self, predicate, label):
        removed = [(i, t) for i, t in enumerate(self._items) if predicate(t)]
        if not removed:
            return None
        ids = {t.id for _, t in removed}
        self._items = [t for t in self._items if t.id not in ids]
        self.last_removal = Removal(label, removed)
        return self.last_removal

    def delete(self, todo_id):
        todo = self.get(todo_id)
        return self._remove(lambda t: t.id == todo_id, f"Deleted “{todo.title}”.")

    def clear_completed(self):
        n = sum(1 for t in self._items if t.done)
        return self._remove(lambda t: t.done, f"Cleared {n} completed to-do{'' if n == 1 else 's'}.")

    def undo(self):
        """Put back what the last delete/clear removed, at the old positions. Returns the items."""
        removal, self.last_removal = self.last_removal, None
        if removal is None:
            return []
        taken = {t.id for t in self._items}
        restored = []
        for index, todo in removal.items:  # ascending: earlier inserts keep later indices right
            if todo.id in taken:
                continue
            self._items.insert(min(index, len(self._items)), todo)
            self._stamp(todo, "restored")  # later than its tombstone: the undo wins in every tab
            restored.append(todo)
        return restored

    # -- export / import -------------------------------------------------------------------------
    def export_data(self, exported=None):
        return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION,
                "exported": exported or self._clock(),
                "todos": [t.to_dict() for t in self._items]}

    def export_json(self, exported=None):
        return json.dumps(self.export_data(exported), indent=2, ensure_ascii=False) + "\n"

    def import_json(self, text):
        """Add the valid entries of an export file; report the rest. Never removes or changes existing
        to-dos. If the file as a whole is unusable (not JSON, wrong shape, no valid entry), nothing
        changes and report.fatal says why."""
        report = ImportReport()
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8-sig")
            except UnicodeDecodeError:
                report.fatal = "the file is not UTF-8 text."
                return report
        if len(text) > MAX_IMPORT_BYTES:
            report.fatal = f"the file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB."
            return report
        try:
            data = json.loads(text.lstrip("\ufeff"))
        except (ValueError, RecursionError) as error:
            report.fatal = f"the file is not valid JSON ({error})."
            return report
        if isinstance(data, dict):
            if data.get("format") not in (None, EXPORT_FORMAT):
                report.fatal = f"the file is a {str(data.get('format'))[:40]!r} file, not a to-do export."
                return report
            entries = data.get("todos")
        else:
            entries = data
        if not isinstance(entries, list):
            report.fatal = "the file holds no list of to-dos (expected {\"todos\": [...]})."
            return report
        if len(entries) > MAX_IMPORT_ENTRIES:
            report.fatal = f"the file has more than {MAX_IMPORT_ENTRIES} entries."
            return report

        existing = {t.id: t for t in self._items}
        seen = {(t.title, t.done, t.due) for t in self._items}
        new = []
        for number, entry in enumerate(entries, start=1):
            try:
                todo = self._validate_entry(entry)
            except TodoError as error:
                report.errors.append(f"Entry {number}: {error}")
                continue
            key = (todo.title, todo.done, todo.due)
            if key in seen:
                report.duplicates += 1
                continue
            if todo.id is None or todo.id in existing:
                todo.id = None
            seen.add(key)
            new.append(todo)
            if todo.id is not None:
                existing[todo.id] = todo
        if not new and report.errors and not report.duplicates:
            report.fatal = "no entry in the file is a valid to-do."
            return report
        for todo in new:
            if todo.id is None:
                todo.id = self._unique_id_excluding(existing)
                existing[todo.id] = todo
            self._stamp(todo, "title", "due", "done", "restored")  # brings back a deleted id too
            self._items.append(todo)
        report.added = len(new)
        return report

    def _unique_id_excluding(self, taken):
        for _ in range(100):
            candidate = self._id_factory()
            if candidate not in taken:
                return candidate
        raise RuntimeError("could not make a unique id")

    def _validate_entry(self, entry):
        if not isinstance(entry, dict):
            raise TodoError(f"expected an object, got {type(entry).__name__}.")
        if "title" not in entry:
            raise TodoError("the title is missing.")
        title = clean_title(entry["title"])
        done = entry.get("done", False)
        if not isinstance(done, bool):
            raise TodoError("“done” must be true or false.")
        due = clean_due(entry.get("due"))
        todo_id = entry.get("id")
        if todo_id is not None and not (isinstance(todo_id, str) and _ID_RE.match(todo_id)):
            todo_id = None  # a strange id is replaced, not a reason to reject the entry
        created = entry.get("created")
        if not _is_timestamp(created):
            created = self._clock()
        completed = entry.get("completed") if done else None
        if done and not _is_timestamp(completed):
            completed = None
        return Todo(id=todo_id, title=title, done=done, due=due, created=created, completed=completed)

    # -- storage records -------------------------------------------------------------------------
    def records(self):
        """Plain dicts for storage, each with its position in the list."""
        return [{**t.to_dict(), "pos": i, "stamps": dict(t.stamps)} for i, t in enumerate(self._items)]

    @classmethod
    def from_records(cls, records, **kwargs):
        """Rebuild from stored records (sorted by position); damaged records are skipped."""
        todos = []
        for record in sorted((r for r in records if isinstance(r, dict)),
                             key=lambda r: (r.get("pos") if isinstance(r.get("pos"), int) else 1 << 30)):
            try:
                todo_id = record.get("id")
                if not (isinstance(todo_id, str) and _ID_RE.match(todo_id)):
                    continue
                done = bool(record.get("done", False))
                todos.append(Todo(id=todo_id, title=clean_title(record.get("title")), done=done,
                                  due=clean_due(record.get("due")),
                                  created=str(record.get("created") or ""),
                                  completed=(str(record["completed"]) if done and record.get("completed")
                                             else None),
                                  stamps=clean_stamps(record.get("stamps"))))
            except TodoError:
                continue
        return cls(todos, **kwargs)


def _is_timestamp(value):
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
