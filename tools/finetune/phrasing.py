"""How users say things, for the generator: date phrases, slips of the keyboard, chatty dressing,
ways of naming a to-do ("the passport task", "I booked the flights") and new titles."""
import datetime as dt
import re

from todo_app.assistant import dates

from . import words as W

def date_phrase(rng, today):
    """(phrase as the user says it, the vocabulary word the model must pick)."""
    kind = rng.choice(["today", "tomorrow", "weekday", "weekday", "next week", "in", "month", "iso", "extra"])
    if kind == "extra":
        word = rng.choice(list(W.EXTRA_DATE_PHRASES))
        return rng.choice(W.EXTRA_DATE_PHRASES[word]), word
    if kind in ("today", "tomorrow", "next week"):
        return rng.choice(W.DATE_PHRASES[kind]), kind
    if kind == "weekday":
        day = rng.choice(dates.WEEKDAYS)
        shown = day.capitalize() if rng.random() < 0.4 else day
        return rng.choice(W.DATE_PHRASES[kind]).format(x=shown), day
    if kind == "in":
        n = rng.choice(list(dates.IN_DAYS))
        return f"in {n} days", f"in {n} days"
    if kind == "month":
        day = today + dt.timedelta(days=rng.randint(1, 300))
        month = dates.MONTHS[day.month - 1]
        shown = month.capitalize() if rng.random() < 0.5 else month
        return rng.choice(W.DATE_PHRASES[kind]).format(m=shown, n=day.day), f"{month} {day.day}"
    iso = (today + dt.timedelta(days=rng.randint(-30, 200))).isoformat()
    return rng.choice(W.DATE_PHRASES[kind]).format(x=iso), iso


def slip(rng, word):
    """One small slip in a word: a known short-word typo, or swap, drop or double a letter."""
    if word.lower() in W.SHORT_TYPOS and rng.random() < 0.5:
        return rng.choice(W.SHORT_TYPOS[word.lower()])
    if len(word) < 4:
        return word
    j = rng.randrange(1, len(word) - 2)
    return rng.choice([word[:j] + word[j + 1] + word[j] + word[j + 2:], word[:j] + word[j + 1:],
                       word[:j] + word[j] + word[j:]])


def typo(rng, text, slips=1):
    """`slips` slips in different words of four letters or more (or known short words)."""
    parts = text.split(" ")
    spots = [i for i, p in enumerate(parts) if p.isalpha() and (len(p) >= 4 or p.lower() in W.SHORT_TYPOS)]
    for i in rng.sample(spots, min(slips, len(spots))):
        parts[i] = slip(rng, parts[i])
    return " ".join(parts)


def refer(rng, todo, shown):
    """How the user names a to-do: exact, lower case, its object, or with a slip."""
    title = todo.title
    r = rng.random()
    if r < 0.25:
        low = title.lower()
        if sum(t.title.lower() == low for t in shown) == 1:
            return low
    elif r < 0.5 and " " in title:
        tail = title.split(" ", 1)[1]
        if sum(tail.lower() in t.title.lower() for t in shown) == 1:
            return rng.choice([tail, f"the {tail} one", tail.lower()])
    elif r < 0.62:
        return typo(rng, title)
    elif r < 0.72 and " " in title:
        tail = title.split(" ", 1)[1]
        if sum(tail.lower() in t.title.lower() for t in shown) == 1:
            return rng.choice(W.REFER_TASK).format(x=tail.lower() if rng.random() < 0.5 else tail)
    return title


TITLE_TAILS = (" and eggs", " for the kids", " before the trip", " now", " with Anna", " at the bank",
               " and the charger", " for next term", " again", " properly this time", " and cards")


def new_title(rng):
    verb, objects = rng.choice(W.VERBS_OBJECTS)
    text = f"{verb} {rng.choice(objects)}"
    if rng.random() < 0.25:     # longer titles, so a new title is never cut at its old length
        text += rng.choice(TITLE_TAILS)
    return text.lower() if rng.random() < 0.6 else text


def dress(rng, text):
    """Chatty prefixes/suffixes and sometimes a slip in the template's own words (no suffix after a
    slot the target copies)."""
    if rng.random() < 0.25:
        text = typo(rng, text, slips=rng.choice((1, 1, 2, 3)))
    suffix = "" if text.endswith(("{new}", "{w}", "{d}")) else rng.choice(W.SUFFIXES + W.SUFFIXES_MORE)
    text = rng.choice(W.PREFIXES + W.PREFIXES_MORE) + text + suffix
    return text.lower() if rng.random() < 0.1 else text


NO_ARTICLE = {"mom", "grandma", "rent", "taxes", "passport", "kevin", "jonas", "my", "the", "a", "an",
              "to", "kids", "library", "photos", "slides", "dinner", "chapter", "phone", "next"}

def verb_parts(title):
    """(verb, object) when a title starts with one of the word lists' verbs."""
    for verb in sorted(W.PAST, key=len, reverse=True):
        if title.lower().startswith(verb.lower() + " ") and len(title) > len(verb) + 1:
            return verb, title[len(verb) + 1:]
    return None


def object_ref(rng, obj, todos):
    """How the user names the object of a to-do ("the flights", "milk", "mom"), unique in the list
    (case-insensitive substring of exactly one title), or None."""
    short = re.split(r" (?:to|for|about|from|with|in|on|at) ", obj, maxsplit=1)[0]
    options = [short, obj] if rng.random() < 0.7 else [obj, short]
    for core in options:
        low = core.lower()
        if sum(low in t.title.lower() for t in todos) != 1:
            continue
        first = core.split(" ")[0]
        if first.lower() not in NO_ARTICLE and not first[:1].isupper() and rng.random() < 0.65:
            core = "the " + core
        return core
    return None


def verb_slots(rng, todo, todos):
    parts = verb_parts(todo.title)
    if not parts:
        return None
    verb, obj = parts
    ref = object_ref(rng, obj, todos)
    if ref is None:
        return None
    past, pp = W.PAST[verb]
    if rng.random() < 0.1:
        ref = ref.lower()
    return {"past": f"{past} {ref}", "pp": pp, "obj": ref, "inf": f"{verb.lower()} {ref}"}
