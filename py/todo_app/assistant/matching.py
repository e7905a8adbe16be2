"""Which to-dos a request's words point at: typo-tolerant word matching, search, and the shortlist
of likely targets shown to the model in phase 2.

Matching is deliberately plain and explainable: two words match when they are equal, share a stem
("booked" / "book", "taxes" / "tax"), the request's word starts the title's ("print" finds "printer", for
words of four letters or more), or differ by one typo (two for long words; in four-letter words only a dropped, added or swapped
letter). Loose similarity ratios matched
"printer" to "print" and "stamps" to "stems"; edit distance with a length rule does not.
"""
import re
import unicodedata
from functools import lru_cache

from . import lexicon

STOP_WORDS = frozenset("""
a an the and or but to of for in on at by with from into onto about as is are was were be been it
its this that these those my me i i'm im you your we our us he she they them his her their please
can could would will shall should may might must do does did done just now then so up out off all
any some one ones thing things item items task tasks todo todos to-do to-dos list mark set make
get got put take want need needs let lets what which who how when where there here not no yes
""".split())
# A language named for its script ("the Japanese one", "the Russian milk task"): the to-dos written
# in that script are the ones meant, though no word of the request is in their titles.
SCRIPT_OF_LANGUAGE = {
    "CYRILLIC": "russian russisch russe ruso russo ukrainian ukrainisch ukrainien bulgarian cyrillic kyrillisch",
    "KANA": "japanese japanisch japonais japonés japones giapponese japonês japans",
    "HAN": "chinese chinesisch chinois chino cinese chinês chinees mandarin",
    "HANGUL": "korean koreanisch coréen coreen coreano koreaans",
    "GREEK": "greek griechisch grec griego greco grego grieks",
    "ARABIC": "arabic arabisch arabe árabe arabo",
    "HEBREW": "hebrew hebräisch hébreu hebreo ebraico hebraico",
    "THAI": "thai thailändisch thaï tailandés tailandese",
    "DEVANAGARI": "hindi nepali marathi",
}
LANGUAGE_SCRIPT = {word: script for script, words in SCRIPT_OF_LANGUAGE.items() for word in words.split()}
INFLECTIONS = frozenset("s es e ie a u y i em om owi ach ami ów ą ę n".split())   # case endings, not "er"
SUFFIXES = (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))
SHORTLIST = 10          # most relevant to-dos shown in phase 2 of a long list
SHORTLIST_FROM = 8      # lists shorter than this are always shown whole


def words_of(text):
    """Lowercase words (letters and digits of any script) of a text."""
    return "".join(c if c.isalnum() else " " for c in str(text).casefold()).split()


def scripts_of(text):
    """The scripts of a text's letters (by Unicode name); Japanese kana and Chinese characters as
    KANA and HAN, and a title holding kana is Japanese (KANA) even where it has HAN too."""
    found = {unicodedata.name(c, "?").split(" ")[0] for c in str(text) if c.isalpha()}
    found = {"KANA" if s in ("HIRAGANA", "KATAKANA") else "HAN" if s == "CJK" else s for s in found}
    return found - {"HAN"} if "KANA" in found else found


def in_named_script(titles, request):
    """The indices of the titles written in the script of a language the request names ("the
    Japanese one"); for Japanese, titles of Chinese characters alone where none holds kana."""
    named = {LANGUAGE_SCRIPT[w] for w in words_of(request) if w in LANGUAGE_SCRIPT}
    if not named:      # most requests: no title's script is looked at
        return []
    scripts = [scripts_of(title) for title in titles]
    found = [i for i, s in enumerate(scripts) if named & s]
    if "KANA" in named and not any("KANA" in scripts[i] for i in found):
        found = [i for i, s in enumerate(scripts) if named & s or "HAN" in s]
    return found


ORDINALS = {**dict.fromkeys("first 1st erste ersten premier première premiere primero primera primo prima eerste".split(), 1),
            **dict.fromkeys("second 2nd zweite zweiten deuxième deuxieme segundo segunda secondo seconda tweede".split(), 2),
            **dict.fromkeys("third 3rd dritte dritten troisième troisieme tercero tercera terzo terza derde".split(), 3),
            **dict.fromkeys("fourth 4th vierte vierten quatrième quatrieme cuarto cuarta quarto quarta vierde".split(), 4),
            **dict.fromkeys("fifth 5th fünfte fünften cinquième cinquieme quinto quinta vijfde".split(), 5),
            **dict.fromkeys("last letzte letzten dernier dernière derniere último última ultimo ultima laatste".split(), -1)}
PLACE = re.compile(r"\b(" + "|".join(sorted(ORDINALS, key=len, reverse=True)) + r")\s+(one|item|task|to-?do|entry|thing(?=\s+(?:on|in)\s+(?:the|my)\s+list)|"
                   r"eintrag|aufgabe|punkt|élément|tâche|tarea|elemento|compito|tarefa|taak)\b"
                   r"|(?<!\w)(item|task|entry|number|no\.|nr\.|#)\s*(\d{1,2})\b")


NEXT_TO_LAST = re.compile(r"\b(second|2nd)[- ](to[- ])?last\b|\bpenultimate\b|\bnext[- ]to[- ]last\b|\blast but one\b")


def named_position(request, titles):
    """The index of the to-do the request names by its place in the list ("the second item",
    "the last one", "task 3", "#2"), or None; a 135M model cannot count, Python can. Not when a
    title holds those words ("Finish task 2 of the course")."""
    text = " ".join(str(request).casefold().split())
    if NEXT_TO_LAST.search(text) and len(titles) >= 2:
        return len(titles) - 2
    match = PLACE.search(text)
    if match is None or any(match.group(0) in " ".join(str(t).casefold().split()) for t in titles):
        return None
    place = ORDINALS[match.group(1)] if match.group(1) else int(match.group(4))
    index = len(titles) - 1 if place == -1 else place - 1
    return index if 0 <= index < len(titles) else None


def stem(word):
    for suffix, replacement in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) + len(replacement) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: len(word) - len(suffix)] + replacement
    return word


def typo_distance(a, b, limit):
    """Edit distance (insert, delete, substitute, swap two neighbours), or limit + 1 once over it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, row = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (ca != cb))
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


@lru_cache(maxsize=4096)
def fold(word):
    """A word's Latin letters without their accents ("café" -> "cafe", "hôtel" -> "hotel"); other
    scripts as they are (a kana's voicing mark changes the word)."""
    kept = []
    for c in unicodedata.normalize("NFD", word):
        if not (unicodedata.combining(c) and kept and kept[-1].isascii()):
            kept.append(c)
    return unicodedata.normalize("NFC", "".join(kept))


def word_matches(word, other):
    """Whether a request word and a title word name the same thing (see the module's rules);
    accents aside: people type "cafe" for "Café"."""
    word, other = fold(word), fold(other)
    if word == other or stem(word) == stem(other):
        return True
    if len(word) >= 4 and other.startswith(word):  # a word typed in part: "print" finds "printer"
        return True
    if len(other) >= 5 and word.startswith(other) and word[len(other):] in INFLECTIONS:
        return True    # an inflected form: "Jürgenie" names "Jürgen" (not "printer" "print")
    shorter = min(len(word), len(other))
    if shorter < 4:
        return False
    if shorter == 4 and len(word) == len(other) and sorted(word) != sorted(other):
        return False    # four letters, one changed, is another word as often as a typo: bank/back
    limit = 2 if shorter >= 8 else 1
    return typo_distance(word, other, limit) <= limit


def matches_any(word, title_words):
    return any(word_matches(word, w) for w in title_words)


def content_words(text):
    return [w for w in dict.fromkeys(words_of(text)) if w not in STOP_WORDS]


SEARCH_VERBS = frozenset("""search find look looking show have had got there word words called named
containing contain mention mentions mentioning title titled""".split())


def widened(words, request):
    """The searched words with the request's words right beside them: the model wrote "plan" for
    "find the phone plan task"; the phrase is "phone plan"."""
    tokens, keep = words_of(request), set()
    for i, token in enumerate(tokens):
        if any(word_matches(w, token) for w in content_words(words)):
            keep.add(i)
            for step in (-1, 1):
                j = i + step
                while 0 <= j < len(tokens) and tokens[j] not in STOP_WORDS | SEARCH_VERBS:
                    keep.add(j)
                    j += step
    return " ".join(tokens[i] for i in sorted(keep)) or words


def search(words, todos, request=""):
    """To-dos whose titles hold all the searched words, else the most of them. When the words are
    only filler ("task") the request's own words are searched ("find my tulip task")."""
    wanted = content_words(words) or content_words(request) or words_of(words)
    if not wanted:
        return []
    scored = [(sum(matches_any(w, words_of(t.title)) for w in wanted), t) for t in todos]
    best = max((s for s, _ in scored), default=0)
    return [t for s, t in scored if s and s == best]


def relevance(todos, request):
    """A score per to-do: each content word of the request counts 1/(titles it matches), so a
    word found in one title says more than one found in ten."""
    titles = [words_of(t.title) for t in todos]
    scores = [0.0] * len(todos)
    for word in dict.fromkeys(words_of(request)):
        if word in STOP_WORDS or len(fold(word)) < 2:     # "à" is no word that names a title
            continue
        others = lexicon.equivalents(word)   # "capelli" names "haircut" too
        hits = [i for i, title in enumerate(titles) if matches_any(word, title) or _translates(others, title)]
        if hits and len(hits) <= max(2, len(todos) // 2):
            for i in hits:
                scores[i] += 1 / len(hits)
    scripted = in_named_script([t.title for t in todos], request)
    for i in scripted:
        scores[i] += 1 / len(scripted)
    return scores


def named_in_another_language(todos, request):
    """The index of the one to-do a request word names only in another language ("Sposta il
    taglio di capelli" -> "Book a haircut"; lexicon.py), else None: words that match a title as
    they are leave it to the other rules."""
    titles = [words_of(t.title) for t in todos]
    hits = set()
    for word in content_words(request):
        others = lexicon.equivalents(word)
        if len(word) < 3 or not others or any(matches_any(word, t) for t in titles):
            continue
        hits |= {i for i, t in enumerate(titles) if _translates(others, t)}
    return hits.pop() if len(hits) == 1 else None


def _translates(others, title_words):
    """Whether a title word is one of a word's translations, or starts with one ("hair" in
    "haircut"): no typo distance here ("packing" is not "parking")."""
    return any(fold(w) == fold(t) or stem(fold(w)) == stem(fold(t)) or (len(w) >= 4 and fold(t).startswith(fold(w)))
               for w in others for t in title_words)


def shortlist(todos, request, most):
    """The to-dos phase 2 shows, in list order: a short list whole (up to `most`); of a long one,
    the SHORTLIST whose titles share words with the request, or the first `most` when none do."""
    todos = list(todos)
    if len(todos) < SHORTLIST_FROM:
        return todos[:most]
    scores = relevance(todos, request)
    ranked = [i for i in sorted(range(len(todos)), key=lambda i: -scores[i]) if scores[i] > 0]
    keep = sorted(ranked[:SHORTLIST]) if ranked else range(min(most, len(todos)))
    return [todos[i] for i in keep]
