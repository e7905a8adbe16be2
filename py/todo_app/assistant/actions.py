"""Write tools: what the assistant proposes to change. Nothing here touches the list; the app shows
each action as a card and applies it only when the person presses Apply.

    action = {"op": "add"|"complete"|"reopen"|"delete"|"rename"|"set_due",
              "id": the to-do's id (not for add), "title": its title (the new title for add),
              "due": "YYYY-MM-DD" or None (add, set_due), "new_title": str (rename)}
"""
from . import dates
from .cue_words import RENAME_PHRASE
from .tools import NO_TARGET, _quoted, clip_title, normalize, reply

APPLIES = {"complete": lambda t: not t.done, "reopen": lambda t: t.done}


def describe(action, today):
    """The card's sentence for an action."""
    op, title = action["op"], _quoted(action["title"])
    due = f", due {dates.spoken(action['due'], today)}" if action.get("due") else ""
    return {"add": f"Add {title}{due}",
            "complete": f"Mark {title} done",
            "reopen": f"Mark {title} not done",
            "delete": f"Delete {title}",
            "rename": f"Rename {title} to {_quoted(action.get('new_title', ''))}",
            "set_due": f"Set the due date of {title} to {dates.spoken(action['due'], today)}"
                       if action.get("due") else f"Remove the due date of {title}",
            }[op]


def _due(values, today):
    word = values.get("due", "none")
    return None if word in (None, "none") else dates.resolve(word, today)


def add_reply(values, today):
    title = " ".join(str(values.get("title", "")).split()).strip(" \"'“”")
    if not title:
        return reply("add", "I could not tell what to add. Try: “add buy bread for tomorrow”.", values=values)
    due = _due(values, today)
    if due is None:  # the model left the date in the title: Python reads it
        title, due = dates.split_trailing(title, today)
    action = {"op": "add", "id": None, "title": title, "due": due}
    return reply("add", describe(action, today) + "?", actions=[action], values=values)


def matching(todos, chosen_title):
    """The to-dos the model's chosen title may mean: equal after clipping, else equal ignoring
    case and spacing (so "buy milk" and "Buy  milk" are both candidates)."""
    exact = [t for t in todos if clip_title(t.title) == chosen_title]
    loose = [t for t in todos if normalize(clip_title(t.title)) == normalize(chosen_title)]
    return loose if len(loose) > len(exact) else exact


def target_reply(tool, values, chosen_title, todos, today):
    """The proposed action for a tool that acts on one to-do, once the model chose its title."""
    values = {**values, "target": chosen_title}
    if not todos:
        return reply(tool, "Your list is empty.", values=values)
    if chosen_title == NO_TARGET:
        return reply(tool, "I could not find that to-do in your list.", values=values)
    found = matching(todos, chosen_title)
    applicable = [t for t in found if APPLIES.get(tool, lambda t: True)(t)]
    if not applicable:
        state = "done" if tool == "complete" else "not done"
        return reply(tool, f"{_quoted(found[0].title)} is already {state}.", items=found[:1], values=values)
    if tool == "rename" and normalize(values.get("title", "")) in ("", normalize(chosen_title)):
        fixed = new_title_from_request(values.get("request", ""), chosen_title)
        if not fixed:
            return reply(tool, "I could not tell the new title. Try: “rename X to Y”.", values=values)
        values = {**values, "title": fixed}
    actions = [_action(tool, values, t, today) for t in applicable]
    if len(actions) == 1:
        return reply(tool, describe(actions[0], today) + "?", actions=actions, values=values)
    return reply(tool, f"{len(actions)} to-dos match {_quoted(chosen_title)}. Which one do you mean?",
                 actions=actions, values=values)


def _action(tool, values, todo, today):
    action = {"op": tool, "id": todo.id, "title": todo.title}
    if tool == "set_due":
        action["due"] = _due(values, today)
    if tool == "rename":
        action["new_title"] = " ".join(str(values["title"]).split()).strip(" \"'“”")
    return action


def new_title_from_request(request, old_title):
    """The new title for a rename whose model-copied title is no change ("rename buy milk to buy
    oat milk" copied as "buy milk"): the request's words after its last " to " / " as " / " into "."""
    lowered = f" {' '.join(str(request).split())} "
    for word in (" to ", " as ", " into "):
        cut = lowered.lower().rfind(word)
        if cut >= 0:
            candidate = lowered[cut + len(word):].strip(" .!?\"'“”")
            if RENAME_PHRASE.search(candidate.casefold()):
                return None    # "…to Porto now, not Lisbon - update the wording": no title to propose
            if candidate and normalize(candidate) != normalize(old_title):
                return candidate
    return None
