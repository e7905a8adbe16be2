"""A reply of the assistant as the person sees it: the app's sentence, the to-dos it is about, and
proposed changes as cards with Apply and Cancel (or, when the assistant is unsure, the likeliest
tools as buttons). Built from elements and text nodes only; the panel handles clicks by
delegation through the data-* attributes:

    button[data-reply-action=apply|cancel][data-entry=N][data-index=K]
    button[data-reply-action=choose][data-entry=N][data-tool=T]
"""
from ..assistant import dates
from ..assistant.actions import describe
from ..assistant.session import APPLIED, CANCELLED
from .dom import h, local_today


def _due_text(due, today):
    return f"due {dates.spoken(due, today)}" if due else ""


def todo_items(items, today):
    """The to-dos a read tool found, as a list: title (and due date, and "done")."""
    lst = h("ul", {"class": "reply-items"})
    for item in items:
        notes = [n for n in ("done" if item.get("done") else "", _due_text(item.get("due"), today)) if n]
        li = h("li", {"data-id": item["id"]}, h("span", {"class": "reply-title"}, text=item["title"]))
        if notes:
            li.appendChild(h("span", {"class": "muted small"}, text=" · " + ", ".join(notes)))
        lst.appendChild(li)
    return lst


def action_card(entry_index, index, action, outcome, today):
    """One proposed change. Until it is settled: Apply / Cancel; then what happened."""
    label = describe(action, today)
    card = h("div", {"class": "action-card", "role": "group", "aria-label": "Proposed change",
                     "data-op": action["op"], "data-outcome": outcome or "proposed"},
             h("p", {"class": "action-text"}, text=label))
    if outcome == APPLIED:
        card.appendChild(h("p", {"class": "action-outcome", "role": "status"}, text="Done: applied to your list."))
    elif outcome == CANCELLED:
        card.appendChild(h("p", {"class": "action-outcome muted small"}, text="Not applied."))
    elif outcome:
        card.appendChild(h("p", {"class": "action-outcome form-error"}, text=f"Could not apply: {outcome}"))
    else:
        attrs = {"type": "button", "data-entry": entry_index, "data-index": index}
        card.appendChild(h("div", {"class": "action-buttons"},
                           h("button", {**attrs, "class": "button primary", "data-reply-action": "apply",
                                        "aria-label": f"Apply: {label}"}, text="Apply"),
                           h("button", {**attrs, "class": "button", "data-reply-action": "cancel",
                                        "aria-label": f"Cancel: {label}"}, text="Cancel")))
    return card


def choice_buttons(entry_index, choices, picked):
    box = h("div", {"class": "reply-choices", "role": "group", "aria-label": "What did you mean?"})
    for choice in choices:
        box.appendChild(h("button", {"type": "button", "class": "button", "data-reply-action": "choose",
                                     "data-entry": entry_index, "data-tool": choice["tool"],
                                     "disabled": picked is not None,
                                     "aria-pressed": "true" if picked == choice["tool"] else None},
                          text=choice["label"]))
    return box


def reply_nodes(entry_index, entry, today=None):
    """The elements showing a finished tool reply (the streamed answer text is shown elsewhere).
    A single proposed change is said by its card alone (its sentence would only repeat it)."""
    reply = entry.get("reply") or {}
    today = today or local_today()
    if reply.get("unsure"):
        return [h("p", {}, text="I am not sure what you mean. Did you want to:"),
                choice_buttons(entry_index, reply["choices"], entry["outcomes"].get("choice"))]
    nodes = []
    if reply.get("tool") == "answer" and entry.get("content"):
        nodes.append(h("p", {"class": "muted small reply-note"},
                       text="Written by the model from your list: check it against the list."))
    elif reply.get("text") and len(reply.get("actions") or []) != 1:
        nodes.append(h("p", {"class": "reply-text"}, text=reply["text"]))
    if reply.get("groups"):
        by_id = {i["id"]: i for i in reply["items"]}
        for group in reply["groups"]:
            nodes.append(h("p", {"class": "reply-group"}, h("strong", {}, text=group["label"])))
            nodes.append(todo_items([by_id[i] for i in group["ids"] if i in by_id], today))
    elif reply.get("items"):
        nodes.append(todo_items(reply["items"], today))
    for index, action in enumerate(reply.get("actions") or []):
        nodes.append(action_card(entry_index, index, action, entry["outcomes"].get(index), today))
    return nodes
