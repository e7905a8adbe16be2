"""The assistant's tools: their grammar (what the model may say) and what each one does.

The model only chooses; Python computes every fact from the list and turns date words into dates.
Read tools answer at once. Write tools never change the list: they propose actions, which the app
shows as cards with Apply and Cancel.

A reply is plain data (JSON-able), the same in the app's worker, `build.py ask` and the eval:

    {"tool": str, "text": str,            # the app's sentence (facts computed here)
     "items": [{"id", "title", "done", "due"}],   # to-dos to show under it (read tools)
     "actions": [{"op", "id", "title", "due", "new_title"}],   # proposed changes (write tools)
     "choices": [{"label", "tool"}],       # when unsure: the likeliest tools, offered as buttons
     "values": {...}}                      # what the model chose (tool, status, filter, date words…)
"""
import datetime as _dt

from webgpu_llm.constrain import Choice, Free, Option, literal

from . import dates, matching
from .grounding import MAX_LISTED, clip_title

READ_TOOLS = ("count", "list", "duplicates", "search")
TARGET_TOOLS = ("complete", "reopen", "delete", "rename", "set_due")
TOOLS = READ_TOOLS + ("add",) + TARGET_TOOLS + ("answer", "decline")
STATUSES = ("open", "done", "all")
FILTERS = ("open", "done", "all", "overdue", "week")   # or a date word
NO_TARGET = "none"
LABELS = {"count": "Count my to-dos", "list": "Show a list of to-dos", "duplicates": "Find duplicates",
          "search": "Search my to-dos", "add": "Add a to-do", "complete": "Mark a to-do done",
          "reopen": "Mark a to-do not done", "delete": "Delete a to-do", "rename": "Rename a to-do",
          "set_due": "Change a due date", "answer": "Answer in words", "decline": "Something else"}


# -- grammar -----------------------------------------------------------------------------------
def _field(key, node):
    return literal(f"\n{key}:", node)


def _words(name, words):
    return Choice(name, [Option(f" {w}", w) for w in words])


_GRAMMARS = {}


def tool_grammar(today, only=None):
    """Phase 1: `tool: NAME` and the arguments that come from the request alone. `only`: force
    one tool (the user picked it from the offered choices)."""
    key = (today, only)
    if key not in _GRAMMARS:
        if len(_GRAMMARS) > 8:
            _GRAMMARS.clear()
        date_words = dates.vocabulary(today)
        due = _words("due", ("none", *date_words))
        branches = {
            "count": _field("status", _words("status", STATUSES)),
            "list": _field("filter", _words("filter", FILTERS + tuple(w for w in date_words if w not in FILTERS))),
            "search": _field("words", Free("words", max_tokens=16)),
            "add": _field("title", Free("title", end="\n", max_tokens=40, next=literal("due:", due))),
            "rename": _field("title", Free("title", max_tokens=40)),
            "set_due": _field("due", due),
        }
        names = [only] if only else TOOLS
        _GRAMMARS[key] = literal("tool:", Choice("tool", [Option(f" {t}", t, branches.get(t)) for t in names]))
    return _GRAMMARS[key]


def call_text(values):
    """The phase-1 text that gives these values (tool_grammar's format)."""
    fields = [f"\n{key}: {values[key]}" for key in ("status", "filter", "words", "title", "due") if key in values]
    return f"tool: {values['tool']}" + "".join(fields)


_TARGET_GRAMMARS = {}


def target_grammar(shown):
    """Phase 2: `todo: TITLE`, one of the shown to-dos' titles, or `none`. The same titles give
    the same grammar object: the engine keeps each grammar's token tries by object, so a new one
    per question grew the worker's memory by ~400 Python objects a question (bench --soak)."""
    titles = tuple(dict.fromkeys(clip_title(t.title) for t in shown))
    if titles not in _TARGET_GRAMMARS:
        if len(_TARGET_GRAMMARS) > 8:
            _TARGET_GRAMMARS.clear()
        options = [Option(f" {title}", title) for title in titles if title != NO_TARGET]
        _TARGET_GRAMMARS[titles] = literal("todo:", Choice("target", options + [Option(f" {NO_TARGET}", NO_TARGET)]))
    return _TARGET_GRAMMARS[titles]


# -- helpers -----------------------------------------------------------------------------------
def normalize(title):
    return " ".join(str(title).casefold().split())


def item(todo):
    return {"id": todo.id, "title": todo.title, "done": todo.done, "due": todo.due}


def _plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _quoted(title):
    return f"“{title}”"


def reply(tool, text, items=(), actions=(), choices=(), values=None):
    return {"tool": tool, "text": text, "items": [item(t) for t in items], "actions": list(actions),
            "choices": list(choices), "values": dict(values or {})}


def candidates(todos, request, most=MAX_LISTED):
    """The to-dos phase 2 shows to pick a target from: a short list whole; of a long one, the
    few whose titles share words with the request (matching.py), so the model chooses among
    likely targets instead of reading 60 titles. `most`: at most that many (fewer when the
    pipeline must fit them into the model's context)."""
    return matching.shortlist(todos, request, most)[:most]


def answer_context(todos, request, most=MAX_LISTED):
    """The to-dos an `answer` is written over: all of them, or the `most` most relevant."""
    return answer_selection(todos, request)(most)


def answer_selection(todos, request):
    """answer_context as select(most), for cutting one list to several sizes: the relevance
    ranking is computed once (at the first cut that needs it), not at every size tried."""
    todos, order = list(todos), []

    def select(most):
        if len(todos) <= most:
            return todos
        if not order:
            scores = matching.relevance(todos, request)
            order.extend(sorted(range(len(todos)), key=lambda i: -scores[i]))
        return [todos[i] for i in sorted(order[:most])]
    return select


# -- read tools --------------------------------------------------------------------------------
def read_reply(tool, values, todos, today):
    todos = list(todos)
    run = {"count": _count, "list": _list, "duplicates": _duplicates, "search": _search,
           "decline": _decline}[tool]
    result = run(values, todos, today)
    result["values"] = dict(values)
    return result


def _count(values, todos, today):
    status = values.get("status", "open")
    n_open = sum(not t.done for t in todos)
    n_done = len(todos) - n_open
    if status == "open":
        text = f"You have {_plural(n_open, 'open to-do')}."
    elif status == "done":
        text = f"You have {_plural(n_done, 'done to-do')}."
    else:
        text = f"You have {_plural(len(todos), 'to-do')} in all: {n_open} open, {n_done} done."
    return reply("count", text)


def select(filter_word, todos, today):
    """(heading, to-dos) for a list filter: open, done, all, overdue, week or a date word."""
    iso = today.isoformat()
    open_items = [t for t in todos if not t.done]
    if filter_word == "open":
        return "Open to-dos", open_items
    if filter_word == "done":
        return "Done to-dos", [t for t in todos if t.done]
    if filter_word == "all":
        return "All to-dos", list(todos)
    if filter_word == "overdue":
        return "Overdue", [t for t in open_items if t.due and t.due < iso]
    if filter_word == "week":
        end = (today + _dt.timedelta(days=6)).isoformat()
        return "Due in the next 7 days", [t for t in open_items if t.due and iso <= t.due <= end]
    day = dates.resolve(filter_word, today)
    return f"Due {dates.spoken(day, today)} ({day})", [t for t in open_items if t.due == day]


def _list(values, todos, today):
    heading, items = select(values.get("filter", "open"), todos, today)
    if not items:
        return reply("list", f"{heading}: none.")
    return reply("list", f"{heading} ({len(items)}):", items)


def duplicate_groups(todos):
    """Lists of to-dos whose titles are equal ignoring case and spacing (two or more each)."""
    groups = {}
    for todo in todos:
        groups.setdefault(normalize(todo.title), []).append(todo)
    return [group for group in groups.values() if len(group) > 1]


def _duplicates(values, todos, today):
    groups = duplicate_groups(todos)
    if not groups:
        return reply("duplicates", "No to-do is listed twice.")
    items = [t for group in groups for t in group]
    names = ", ".join(_quoted(group[0].title) for group in groups)
    return reply("duplicates", f"Listed more than once: {names}.", items)


search = matching.search


def _search(values, todos, today):
    words = matching.widened(values.get("words", ""), values.get("request", ""))
    found = search(words, todos, values.get("request", ""))
    if not found:
        return reply("search", f"No to-do matches {_quoted(words)}.")
    return reply("search", f"Matching {_quoted(words)} ({len(found)}):", found)


def _decline(values, todos, today):
    return reply("decline", "I can only help with your to-do list: ask about it, or ask me to add, "
                            "complete, rename, reschedule or delete a to-do.")
