"""Grounding for the assistant: the system prompt built from the to-dos, and the message list.

Pure Python (unit-tested in CPython). A 135M-parameter model cannot count or compare dates
reliably, so every fact a question is likely to need is computed here and stated in plain words:
counts, today's date, overdue and due-today items, the exact open titles. The to-dos also go in
as JSON. Titles are user text and go in verbatim (the tokenizer keeps special-token look-alikes
as plain text).
"""
import datetime as _dt
import json

MAX_LISTED = 40                 # titles named one by one in the facts section
MAX_JSON_ITEMS = 60             # to-dos included in the JSON block
MAX_HISTORY_CHARS = 4000        # conversation kept (newest first) besides the system prompt
MAX_MESSAGE_CHARS = 2000        # one message longer than this is cut

RULES = """You are the assistant inside a private to-do list app. Answer only questions about the user's to-dos listed below.
Rules:
- Use only the facts and the to-dos given here. Never invent to-dos, dates or numbers.
- Be brief: one or two short sentences, or a short bullet list.
- If a question is not about the to-do list, say that you can only help with the to-do list.
- You cannot change the list; the user edits it in the app."""


def _plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _quote(title):
    return f"\"{title}\""


def _due_words(due, today):
    day = _dt.date.fromisoformat(due)
    delta = (day - today).days
    if delta == 0:
        return f"due today ({due})"
    if delta == 1:
        return f"due tomorrow ({due})"
    if delta < 0:
        return f"overdue: was due {due}, {_plural(-delta, 'day')} ago"
    return f"due {day.strftime('%A')} {due}, in {_plural(delta, 'day')}"


def facts(todos, today):
    """The computed facts, one per line (a list of strings)."""
    items = list(todos)
    open_items = [t for t in items if not t.done]
    done_items = [t for t in items if t.done]
    today_iso = today.isoformat()
    overdue = [t for t in open_items if t.due is not None and t.due < today_iso]
    due_today = [t for t in open_items if t.due == today_iso]
    lines = [f"Today is {today.strftime('%A')}, {today_iso}.",
             f"The user has {_plural(len(open_items), 'open to-do')} and "
             f"{_plural(len(done_items), 'done to-do')} ({len(items)} in all)."]
    if not items:
        lines.append("The list is empty.")
    if open_items:
        lines.append(f"Open to-dos ({len(open_items)}), exact titles:")
        for n, t in enumerate(open_items[:MAX_LISTED], start=1):
            extra = f" ({_due_words(t.due, today)})" if t.due else ""
            lines.append(f"{n}. {_quote(t.title)}{extra}")
        if len(open_items) > MAX_LISTED:
            lines.append(f"... and {len(open_items) - MAX_LISTED} more open to-dos not named here.")
    else:
        lines.append("There are no open to-dos.")
    if overdue:
        lines.append(f"Overdue ({len(overdue)}): " + ", ".join(_quote(t.title) for t in overdue[:MAX_LISTED]) + ".")
    else:
        lines.append("Nothing is overdue.")
    if due_today:
        lines.append(f"Due today ({len(due_today)}): " + ", ".join(_quote(t.title) for t in due_today[:MAX_LISTED]) + ".")
    if done_items:
        lines.append(f"Done ({len(done_items)}): " + ", ".join(_quote(t.title) for t in done_items[:MAX_LISTED]) + ".")
    return lines


def todos_json(todos):
    items = [{"title": t.title, "done": t.done, "due": t.due} for t in list(todos)[:MAX_JSON_ITEMS]]
    return json.dumps(items, ensure_ascii=False)


def system_prompt(todos, today):
    """The system message: rules, computed facts, then the to-dos as JSON."""
    todos = list(todos)
    parts = [RULES, "", "Facts:", *facts(todos, today), "", "To-dos as JSON:", todos_json(todos)]
    if len(todos) > MAX_JSON_ITEMS:
        parts.append(f"(only the first {MAX_JSON_ITEMS} of {len(todos)} to-dos are in the JSON)")
    return "\n".join(parts)


def _clip(text):
    text = str(text)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + " …"


def build_messages(todos, conversation, today):
    """[system] + the newest turns of the conversation that fit MAX_HISTORY_CHARS.

    conversation: [{"role": "user"|"assistant", "content": str}], oldest first; the last one is the
    user's new question. Empty assistant turns (stopped before any text) are left out, and the kept
    history always starts with a user turn.
    """
    turns = [{"role": m["role"], "content": _clip(m["content"])} for m in conversation
             if m.get("role") in ("user", "assistant") and str(m.get("content", "")).strip()]
    kept, used = [], 0
    for message in reversed(turns):
        if kept and used + len(message["content"]) > MAX_HISTORY_CHARS:
            break
        kept.append(message)
        used += len(message["content"])
    kept.reverse()
    while kept and kept[0]["role"] != "user":
        kept.pop(0)
    return [{"role": "system", "content": system_prompt(todos, today)}, *kept]
