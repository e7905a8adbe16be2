"""Dates the model may say, and what they mean: the model picks words, Python does the calendar.

The assistant never writes a date itself. Its grammar offers this closed vocabulary (lowercase):

    today, tomorrow, yesterday, monday … sunday (the next such day after today),
    next week (Monday of next week), in N days (N = 2 … 14),
    <month> <day> (the next such date on or after today, e.g. "december 3"),
    YYYY-MM-DD (from a year ago to two years ahead)

`resolve(word, today)` turns one of them into an ISO date; `vocabulary(today)` lists them all.
"""
import datetime as _dt


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
RELATIVE = {"today": 0, "tomorrow": 1, "yesterday": -1}
IN_DAYS = range(2, 15)
ISO_BACK_DAYS, ISO_AHEAD_DAYS = 365, 730


class DateError(ValueError):
    """A word outside the vocabulary, or a month/day pair no calendar has (e.g. "february 30")."""


def next_weekday(today, index):
    """The next date after `today` that falls on weekday `index` (0 = Monday); never today."""
    ahead = (index - today.weekday()) % 7 or 7
    return today + _dt.timedelta(days=ahead)


def month_day(today, month, day):
    """The first date on or after today with this month and day (skipping years without it)."""
    for year in range(today.year, today.year + 9):
        try:
            date = _dt.date(year, month, day)
        except ValueError:
            continue
        if date >= today:
            return date
    raise DateError(f"{MONTHS[month - 1]} {day} is not a date")


def resolve(word, today):
    """The ISO date ("YYYY-MM-DD") a vocabulary word stands for, relative to `today` (a date)."""
    word = " ".join(str(word).lower().split())
    if word in RELATIVE:
        return (today + _dt.timedelta(days=RELATIVE[word])).isoformat()
    if word in WEEKDAYS:
        return next_weekday(today, WEEKDAYS.index(word)).isoformat()
    if word == "next week":
        return next_weekday(today, 0).isoformat()
    parts = word.split(" ")
    if len(parts) == 3 and parts[0] == "in" and parts[2] == "days" and parts[1].isdigit():
        return (today + _dt.timedelta(days=int(parts[1]))).isoformat()
    if len(parts) == 2 and parts[0] in MONTHS and parts[1].isdigit():
        return month_day(today, MONTHS.index(parts[0]) + 1, int(parts[1])).isoformat()
    try:
        return _dt.date.fromisoformat(word).isoformat() if len(word) == 10 else _fail(word)
    except ValueError:
        _fail(word)


def _fail(word):
    raise DateError(f"{word!r} is not a date the assistant knows")


def vocabulary(today):
    """Every date word the grammar offers, for `today`."""
    words = list(RELATIVE) + list(WEEKDAYS) + ["next week"] + [f"in {n} days" for n in IN_DAYS]
    for month, name in enumerate(MONTHS, start=1):
        last = 29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31
        words += [f"{name} {day}" for day in range(1, last + 1)]
    start = today - _dt.timedelta(days=ISO_BACK_DAYS)
    words += [(start + _dt.timedelta(days=n)).isoformat() for n in range(ISO_BACK_DAYS + ISO_AHEAD_DAYS + 1)]
    return words


def spoken(iso, today):
    """A short human form of an ISO date, for the app's sentences: "today", "tomorrow",
    "Thu 3 Dec", or with the year when it is not this year."""
    date = _dt.date.fromisoformat(iso)
    delta = (date - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    text = f"{date.strftime('%a')} {date.day} {date.strftime('%b')}"
    return text if date.year == today.year else f"{text} {date.year}"


# Words for today/tomorrow in the languages people write to the app in (the model copies them into
# a title now and then: "acheter du fromage pour demain").
SPOKEN = {"tomorrow": ("tomorrow", "tmrw", "tmr", "2moro", "2morrow", "2mrw", "morgen", "demain", "mañana", "manana",
                       "domani", "amanhã", "amanha", "imorgon", "morgon", "jutro", "yarın", "yarin"),
          "today": ("today", "tonight", "2day", "2nite", "tday", "tdy", "tody", "2dy", "heute", "aujourd'hui", "hoy",
                    "oggi", "hoje", "vandaag", "idag", "dziś", "dzis", "dzisiaj", "bugün", "bugun"),
          "monday": ("montag", "lundi", "lunes", "lunedì", "lunedi", "segunda-feira", "segunda", "maandag"),
          "tuesday": ("dienstag", "mardi", "martes", "martedì", "martedi", "terça-feira", "terça", "terca",
                      "dinsdag"),
          "wednesday": ("mittwoch", "mercredi", "miércoles", "miercoles", "mercoledì", "mercoledi",
                        "quarta-feira", "quarta", "woensdag"),
          "thursday": ("donnerstag", "jeudi", "jueves", "giovedì", "giovedi", "quinta-feira", "quinta",
                       "donderdag"),
          "friday": ("freitag", "vendredi", "viernes", "venerdì", "venerdi", "sexta-feira", "sexta", "vrijdag"),
          "saturday": ("samstag", "samedi", "sábado", "sabado", "sabato", "zaterdag"),
          "sunday": ("sonntag", "dimanche", "domingo", "domenica", "zondag")}
LEADS = ("for", "on", "by", "due", "until", "before", "next", "this", "für", "am", "bis", "pour",
         "le", "para", "el", "per", "entro", "voor", "op", "in")


def day_word(token):
    """The vocabulary word a (possibly misspelt, possibly foreign) token stands for, or None."""
    token = token.strip(".,!?;:").lower()
    for word, spellings in SPOKEN.items():
        if token in spellings:
            return word
    if token in WEEKDAYS or token in RELATIVE:
        return token
    import difflib
    close = difflib.get_close_matches(token, WEEKDAYS + tuple(RELATIVE), n=3, cutoff=0.8)
    if len(token) < 5 or not close:
        return None
    ties = [w for w in close if difflib.SequenceMatcher(None, token, w).ratio()
            == difflib.SequenceMatcher(None, token, close[0]).ratio()]
    if len(ties) > 1:     # "munday" is as near sunday as monday: the first letter is seldom the slip
        ties = [w for w in ties if w[0] == token[0]]
    return ties[0] if len(ties) == 1 else None


def split_trailing(title, today):
    """(title, ISO date) when the title ends with a date phrase ("book a table for Friday",
    "buy bred tomorow", "call mom on december 3"), else (title, None). Python reads the date:
    the model only copied the words."""
    words = title.split()
    for size in (3, 2, 1):  # "december 3", "next week", "in 3 days", single words
        if len(words) <= size:
            continue
        tail = " ".join(words[-size:]).lower().strip(".,!?")
        word = day_word(tail) if size == 1 else tail
        try:
            iso = resolve(word, today) if word else None
        except DateError:
            iso = None
        if iso:
            head = words[:-size]
            while len(head) > 1 and head[-1].lower() in LEADS:
                head = head[:-1]
            return " ".join(head), iso
    return title, None


SIMPLE = tuple(RELATIVE) + WEEKDAYS
