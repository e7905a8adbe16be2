"""`answer` replies that Python can ground: an order to work in, a summary, groups by due date.

The model chose `answer`; for the requests whose answer is a fact about the list, the app builds
it here instead of letting a 135M model write numbers and dates it may invent (measured: it did).
Only what Python cannot do (translating the list, grouping by theme, free advice) is left to the
model's text, which the app marks as such.
"""
import datetime as _dt
import re

from .tools import reply

KINDS = (
    ("order", re.compile(r"\b(order|first|priorit\w*|plan\w*|tackle|start with|next|sequence)\b")),
    ("summary", re.compile(r"\b(summar\w*|overview|status|recap|how am i doing|describe"
                           r"|what (kind|sort)s? of)\b")),
    ("dates", re.compile(r"\b(group|sort|organi[sz]e)\w*\b.*\b(due|date|deadline|day|week|when)\b")),
)
MAX_SHOWN = 20


def kind_of(request):
    """"order", "summary", "dates" (grouped by due date) or None (left to the model)."""
    text = " ".join(str(request).lower().split())
    return next((kind for kind, pattern in KINDS if pattern.search(text)), None)


def by_urgency(todos, today):
    """Open to-dos: overdue first (oldest first), then by due date, then those without one."""
    open_items = [t for t in todos if not t.done]
    dated = sorted((t for t in open_items if t.due), key=lambda t: t.due)
    return dated + [t for t in open_items if not t.due]


def buckets(todos, today):
    """[(label, to-dos)] of the open to-dos by due date; empty buckets left out."""
    iso, week = today.isoformat(), (today + _dt.timedelta(days=6)).isoformat()
    rules = [("Overdue", lambda d: d and d < iso), ("Due today", lambda d: d == iso),
             ("Due in the next 7 days", lambda d: d and iso < d <= week),
             ("Due later", lambda d: d and d > week), ("No due date", lambda d: not d)]
    open_items = [t for t in todos if not t.done]
    groups = [(label, [t for t in open_items if rule(t.due)]) for label, rule in rules]
    return [(label, items) for label, items in groups if items]


def grounded(kind, values, todos, today):
    """The reply for an `answer` request of a kind Python can answer from the list."""
    todos = list(todos)
    if not any(not t.done for t in todos):
        return reply("answer", "You have no open to-dos.", values=values)
    if kind == "order":
        items = by_urgency(todos, today)
        return reply("answer", "A suggested order: overdue first, then by due date, then the rest "
                               f"({len(items)} open):", items[:MAX_SHOWN], values=values)
    groups = buckets(todos, today)
    if kind == "summary":
        n_open = sum(len(items) for _, items in groups)
        parts = ", ".join(f"{label.lower()}: {len(items)}" for label, items in groups)
        done = sum(t.done for t in todos)
        return reply("answer", f"You have {n_open} open to-dos ({parts}) and {done} done.",
                     by_urgency(todos, today)[:5], values=values)
    result = reply("answer", "Your open to-dos by due date:", [t for _, items in groups for t in items],
                   values=values)
    result["groups"] = [{"label": label, "ids": [t.id for t in items]} for label, items in groups]
    return result
