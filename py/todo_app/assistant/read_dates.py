"""The date a request names, read by Python, and the model's date word checked against it.

The model writes a date *word* from dates.py's vocabulary; on dates it has seen little of ("the
27th", "12 December", "Samstag", "per lunedì") a 135M model picks a wrong one. When the request
names exactly one date plainly, that date is the answer whatever the model wrote:

    named_date("what's due on the 3rd?", today)        -> "december 3"
    named_date("Füge 'Zahnarzt anrufen' für Dienstag hinzu", today) -> "tuesday"
    named_date("move it from tuesday to friday", today) -> None   (two dates: the model decides)
"""
import datetime as _dt
import re

from . import dates
from .cue_words import SELF_CORRECTION
from .matching import word_matches, words_of

MONTH_NAMES = {  # every language people write to the app in, lowercase
    1: "january jan januar janvier enero gennaio janeiro januari",
    2: "february feb februar février fevrier febrero febbraio fevereiro februari",
    3: "march mar märz maerz mars marzo março marco maart",
    4: "april apr avril abril aprile",
    5: "may mai mayo maggio maio mei",
    6: "june jun juni juin junio giugno junho",
    7: "july jul juli juillet julio luglio julho",
    8: "august aug août aout agosto augustus",
    9: "september sep sept septembre septiembre settembre setembro",
    10: "october oct oktober octobre octubre ottobre outubro",
    11: "november nov novembre noviembre novembro",
    12: "december dec dezember décembre decembre diciembre dicembre dezembro",
}
MONTHS = {name: number for number, names in MONTH_NAMES.items() for name in names.split()}
ORDINAL = re.compile(r"^(\d{1,2})(st|nd|rd|th|er|e|º|ª)$")
ISO = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
IN_DAYS = re.compile(r"\bin (\d{1,2}) days?\b")
DAY_AFTER_TOMORROW = re.compile(r"day after tomorrow|übermorgen|après-demain|apres-demain|pasado mañana"
                                r"|dopodomani|depois de amanhã|overmorgen")
NEXT_WEEK = re.compile(r"\bnext week\b")
SPANS = re.compile(r"\b(this|coming|following|past|last)\s+(week|month|few)\b|\bnext\s+(month|few)\b|\b(within|every|each|ago"
                   r"|until|till|between|since)\b|\b\d+\s+weeks?\b")   # a range or a repeat, not one day
# "until" after a word for moving a date names the new day, not a range: "not due until the 4th"
UNTIL_A_DAY = re.compile(r"(\bnot|n't|n’t|\bisnt|\barent)\s+(\S+\s+)?due\s+(until|till)\b|\b(postpone[sd]?|push(ed)?"
                         r"|delay(ed)?|moved?|wait|extend(ed)?|extension|off)(\s+\S+){0,3}?\s+(until|till)\b")


COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14}
FROM_TODAY = re.compile(r"\b(a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|\d{1,2})"
                        r"\s+(days?|weeks?|fortnights?)\s+(from|after)\s+(today|now)\b")   # "a week from today" = in 7 days
IN_A_FORTNIGHT = re.compile(r"\bin (a|one) fortnight\b|\ba fortnight (today|on)\b")
WEEKDAY = "(" + "|".join(dates.WEEKDAYS) + ")"
OF_NEXT_WEEK = re.compile(rf"\b{WEEKDAY}\s+(of\s+|in\s+)?next week\b|\bnext week(\s+on|,)?\s+{WEEKDAY}\b"
                          rf"|\b(a week on|a week from)\s+{WEEKDAY}\b|\b{WEEKDAY} week\b")   # "friday next week", "friday week"
_SPAN = r"(a|one|two|three|four|five|six|\d+|a couple of|a few)\s+(more\s+)?(days?|weeks?)"
SHIFTED = re.compile(r"\b" + _SPAN + r"\s+(later|earlier|before|after|back)\b|\b(back|forward|out|along)\s+(by\s+)?" + _SPAN
                     + r"\b|\bby\s+" + _SPAN + r"\b|\bthe day (before|after)\b(?!\s+(tomorrow|yesterday))")
PAST = re.compile(r"\b(was|were|did|had|last|ago|yesterday|past|war|waren|était|étaient|era|eran|fue|foi)\b")
END_OF_MONTH = re.compile(r"\b(the )?end of (the |this )?month\b|\bmonth[- ]end\b|\bfin (du|de) mois\b|\bende des monats\b"
                          r"|\bmonatsende\b|\bfinal (del|de) mes\b|\bfine (del )?mese\b|\beind van de maand\b")
# Holidays on a fixed day, in the app's languages: names that are always that day, and names that
# are a day only after a word for when ("by christmas", "vor Weihnachten"; not "buy the christmas tree").
HOLIDAY_NAMES = {
    (12, 24): r"christmas eve|xmas eve|heiligabend|heiligen abend|veille de no[eë]l|nochebuena|vigilia di natale"
              r"|v[eé]spera de natal|kerstavond",
    (12, 25): r"christmas day|xmas day",
    (12, 26): r"boxing day|(zweite[nr]?|2\.) weihnachtstag|tweede kerstdag",
    (12, 31): r"new years? eve|new year[’']s eve|nye|silvester|saint[- ]sylvestre|r[eé]veillon du nouvel an"
              r"|nochevieja|notte di capodanno|v[eé]spera de ano novo|oudejaarsavond",
    (1, 1): r"new years? day|new year[’']s day|neujahr|jour de l[’']an|d[ií]a de a[nñ]o nuevo|capodanno|ano novo"
            r"|nieuwjaarsdag",
    (2, 14): r"valentine[’']?s day|saint[- ]valentin|san valent[ií]n|san valentino|valentinstag",
}
HOLIDAYS_AFTER_WHEN = {
    (12, 25): r"christmas|xmas|weihnachten|no[eë]l|navidad|natale|natal|kerstmis|kerst",
    (10, 31): r"halloween",
}
WHEN = (r"(on|by|for|before|at|over|until|till|til|after|to|an|zu|vor|bis|à|a|pour|avant|para|en|antes de|per"
        r"|entro|prima di|até|voor|tegen)\s+((the|la|le|el|il|der|den|dem)\s+)?")
NOT_A_DAY = (r"(?!\s+(tree|present|card|party|gift|shopping|dinner|lunch|costume|decoration|light|market|baum|geschenk"
             r"|sapin|cadeau|[aá]rbol|regalo|albero))")   # "for the christmas party" is a thing, not a day
HOLIDAYS = [(day, re.compile(rf"\b({names})\b")) for day, names in HOLIDAY_NAMES.items()] + \
           [(day, re.compile(rf"\b{WHEN}({names})\b{NOT_A_DAY}")) for day, names in HOLIDAYS_AFTER_WHEN.items()]


# Not dates, but a request that says one asks about some day ("what's due this evening?").
DAY_PARTS = re.compile(r"\bthis (morning|afternoon|evening)\b|\bweeks?\b|\bweek-?ends?\b|\bwochenende\b|\bce soir\b"
                       r"|\bheute abend\b|\besta noche\b|\bstasera\b|\bvanavond\b|\bfin de semana\b|\bfim de semana\b")
AND_THE_NEXT = re.compile(r",?\s+and\s+(?=(the|my|that)\s)")   # "… to friday and the gutters to monday"


def names_a_day(request, today):
    """Whether the request names a day at all: a date, a day word (perhaps misspelt or foreign), a
    part of today or a week. "What's on my plate right now?" names none."""
    text = " ".join(str(request).casefold().split())
    return bool(_dates_in(text, today) or DAY_PARTS.search(text)
                or any(dates.day_word(token) is not None for token in words_of(text)))


def first_requests_date(word, request, today):
    """With two requests in one ("move the passport renewal to friday and the gutters to monday"),
    the first one's date, since the app acts on the first to-do named; else the word."""
    parts = AND_THE_NEXT.split(" ".join(str(request).casefold().split()), maxsplit=1)
    if len(parts) < 3 or named_date(request, today) is not None:
        return word
    first, second = _dates_in(parts[0], today), _dates_in(parts[2], today)
    if len(first) != 1 or not any(_same_day(word, other, today) for other in second):
        return word
    return first.pop()


def looking_back(word, request, today):
    """A month and day asked about in the past tense ("what was due on the 26th of November?") as
    the date this year, not the next one the word resolves to."""
    month = str(word).split()[0] if len(str(word).split()) == 2 else None
    if month not in dates.MONTHS or not PAST.search(str(request).casefold()):
        return word
    try:
        day = _dt.date.fromisoformat(dates.resolve(word, today))
        return day.replace(year=day.year - 1).isoformat() if day > today else word
    except (dates.DateError, ValueError):   # ValueError: February 29th a year earlier
        return word


def named_date(request, today):
    """The one date the request names, as a vocabulary word (or ISO date), else None. After a
    correction ("due Monday — actually no, make it Tuesday") the date after it counts."""
    text = " ".join(str(request).casefold().split())
    if SHIFTED.search(text):
        return None     # "whatever's due tomorrow, push it back a week": the day named is not the date
    found = _dates_in(SELF_CORRECTION.split(text)[-1], today) if SELF_CORRECTION.search(text) else set()
    found = found or _dates_in(text, today)
    return found.pop() if len(found) == 1 else None


def _dates_in(text, today):
    """{vocabulary word} of the dates named in the text, at most one per distinct day."""
    found = {}

    def add(word):
        try:
            found.setdefault(dates.resolve(word, today), word)
        except dates.DateError:
            pass
    for iso in ISO.findall(text):
        add(iso)
    text_wo_iso = ISO.sub(" ", text)
    if DAY_AFTER_TOMORROW.search(text_wo_iso):
        add("in 2 days")
        text_wo_iso = DAY_AFTER_TOMORROW.sub(" ", text_wo_iso)
    for count, unit, _, _ in FROM_TODAY.findall(text_wo_iso):
        days = (COUNTS.get(count) or int(count)) * {"d": 1, "w": 7, "f": 14}[unit[0]]
        add("tomorrow" if days == 1 else f"in {days} days")
    text_wo_iso = FROM_TODAY.sub(" ", text_wo_iso)
    if IN_A_FORTNIGHT.search(text_wo_iso):
        add("in 14 days")
        text_wo_iso = IN_A_FORTNIGHT.sub(" ", text_wo_iso)
    for match in OF_NEXT_WEEK.finditer(text_wo_iso):
        add(_of_next_week(next(g for g in match.groups() if g in dates.WEEKDAYS), match.group(0), today))
    text_wo_iso = OF_NEXT_WEEK.sub(" ", text_wo_iso)
    for days in IN_DAYS.findall(text_wo_iso):
        add(f"in {int(days)} days")
    if NEXT_WEEK.search(text_wo_iso):
        add("next week")
    for (month, day), holiday in HOLIDAYS:
        if holiday.search(text_wo_iso):
            add(_month_day(month, day))
            text_wo_iso = holiday.sub(" ", text_wo_iso)
    if END_OF_MONTH.search(text_wo_iso):
        add(_end_of_month(today))
        text_wo_iso = END_OF_MONTH.sub(" ", text_wo_iso)
    tokens = words_of(IN_DAYS.sub(" ", NEXT_WEEK.sub(" ", text_wo_iso)))
    for i, token in enumerate(tokens):
        word = dates.day_word(token)
        if word is not None and _day_number_after(tokens, i):
            continue      # "thursday the 10th", "next Friday, the 11th": the number says which one
        if word is not None:
            add(word)
        elif token in MONTHS:
            day = _day_near(tokens, i)
            if day:
                add(_month_day(MONTHS[token], day))
        elif ORDINAL.match(token) and not any(t in MONTHS for t in tokens[max(0, i - 2): i + 3]):
            add(_this_or_next_month(int(ORDINAL.match(token).group(1)), today))
    return set() if SPANS.search(UNTIL_A_DAY.sub(" ", text)) else set(found.values())


def _day_near(tokens, i):
    """The day number written next to a month name: "12 December", "december 12th", "12. Dezember",
    "le 12 décembre", "12 de diciembre"."""
    for j in (i - 1, i + 1, i - 2):
        if 0 <= j < len(tokens):
            digits = ORDINAL.match(tokens[j]) or re.match(r"^(\d{1,2})$", tokens[j])
            if digits and 1 <= int(digits.group(1)) <= 31:
                return int(digits.group(1))
    return None


def _day_number_after(tokens, i):
    """Whether a weekday at tokens[i] is followed by its day of the month ("friday the 11th")."""
    following = [t for t in tokens[i + 1: i + 3] if t != "the"]
    return bool(following) and bool(ORDINAL.match(following[0]))


def _of_next_week(weekday, phrase, today):
    """"friday next week": that day of the week starting next Monday; "friday week", "a week on
    friday": the coming friday and seven days."""
    if "next week" in phrase:
        day = dates.next_weekday(today, 0) + _dt.timedelta(days=dates.WEEKDAYS.index(weekday))
    else:
        day = dates.next_weekday(today, dates.WEEKDAYS.index(weekday)) + _dt.timedelta(days=7)
    return _month_day(day.month, day.day)


def _end_of_month(today):
    last = (today.replace(day=28) + _dt.timedelta(days=4)).replace(day=1) - _dt.timedelta(days=1)
    return _month_day(last.month, last.day)


def _month_day(month, day):
    """The vocabulary word for a day of a month: (12, 24) -> "december 24"."""
    return f"{dates.MONTHS[month - 1]} {day}"


def _this_or_next_month(day, today):
    """"the 3rd": the next such day of a month, today included."""
    month = today.month if day >= today.day else today.month % 12 + 1
    return _month_day(month, day)


def as_requested(word, request, today):
    """The model's date word, or the date the request plainly names when that is another day.
    With no single date named: a plain day word (today, friday…) the request does not say gives
    way to the one day word it does say, perhaps misspelt ("move it to firday")."""
    named = named_date(request, today)
    if named is not None:
        return word if _same_day(word, named, today) or (_in_another_year(word, named) and PAST.search(
            request.casefold())) else named
    if word not in dates.SIMPLE:
        return word
    tokens = words_of(request)
    if word in tokens or any(dates.day_word(t) == word for t in tokens):
        return word
    said = {w for t in tokens for w in dates.SIMPLE if word_matches(t, w)}
    return said.pop() if len(said) == 1 else word


def _in_another_year(iso, month_day):
    """An ISO date the model wrote for a month and day the request names without a year ("what was
    due on the 3rd of December?" -> 2026-12-03, past): a past tense does not rule it out."""
    if not ISO.fullmatch(str(iso)) or len(str(month_day).split()) != 2:
        return False
    month, day = str(month_day).split()
    return month in dates.MONTHS and day.isdigit() and \
        (int(iso[5:7]), int(iso[8:10])) == (dates.MONTHS.index(month) + 1, int(day))


def _same_day(word, other, today):
    try:
        return dates.resolve(word, today) == dates.resolve(other, today)
    except dates.DateError:
        return False
