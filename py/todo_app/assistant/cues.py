"""What the request's own words settle when the model's choice leaves it open or contradicts them.

The model picks a tool and its arguments; a 135M model sometimes picks the wrong one of two close
readings. Where the person's words decide it plainly, Python follows the words:

- an imperative verb first ("add …", "delete …", "reopne …") breaks a tie between two tools
  the model was unsure of (`tie_break`);
- a question of quantity ("how many", "combien", "cout all") over open/done/all is a count, not a list;
- "done or not" means all, and a list of "all" needs a word for all (else it is the open ones);
- "the next seven days" is the week filter, not the single day in 7 days;
- a search for the word "duplicates" is the duplicates tool;
- translating a phrase is out of scope (decline); translating the list is an answer.

Each rule only looks at the request's words and the model's choice; none reads the list.
"""
import re

from .matching import word_matches, words_of

FILLER = frozenset("""please pls plz ok okay hey hi hello so now could can would will you u kindly
just also then quickly quick go ahead and""".split())
VERBS = {"add": "add", "delete": "delete", "remove": "delete", "erase": "delete", "rename": "rename",
         "reopen": "reopen", "unmark": "reopen", "uncheck": "reopen", "count": "count",
         "complete": "complete", "search": "search", "find": "search", "list": "list", "show": "list"}
NOT_A_NEW_TODO = frozenset("due deadline date reminder".split())  # "add a due date to …" is set_due

NOT_COUNT = frozenset("court mount fount coint".split())   # real words one typo from "count"
QUANTITY = re.compile(r"\b(how many|how much|number of|combien|wie ?viele|cu[aá]nt[oa]s|quant[ie]"
                      r"|quant[oa]s|hoeveel)\b")
STATUS_WORDS = ("open", "done", "all")
DONE_WORDS = frozenset("done finished completed ticked checked".split())
NEGATIONS = frozenset("not t yet never".split())     # "not done", "aren't finished" (words_of: "aren", "t")
OPEN_WORDS = frozenset("open undone unfinished pending remaining left".split())
EITHER = re.compile(r"\b(done|finished|completed|ticked|checked)\s+(or|and)\s+(not|undone|open)\b")
ALL_WORDS = frozenset("""all every everything whole entire total both including incl altogether
done finished completed ticked alle alles gesamt tout tous toutes todas tutto tutti tutte""".split())
WEEK_RANGE = re.compile(r"\b(next|coming|following)\s+(7|seven|few)\s+days\b|\bwithin\s+(a|one)\s+week\b"
                        r"|\bthis\s+(coming\s+)?week\b|\bcoming\s+week\b|\bweek ahead\b")
DUPLICATE_WORDS = ("duplicate", "duplicates", "dupe", "dupes", "double", "doubles", "twice",
                   "repeated", "copies")
LANGUAGES = ("english|german|french|spanish|italian|portuguese|dutch|polish|swedish|danish|norwegian"
             "|finnish|greek|turkish|russian|ukrainian|chinese|japanese|korean|arabic|hindi")
TRANSLATE = re.compile(r"^(translate|übersetze?|traduis|traduire|traduce|traduci|traduza|vertaal)\b"
                       r"|\bhow do (you|i) say\b|\bwhat(’|')?s the (" + LANGUAGES + r") (word )?for\b"
                       r"|\bwhat is the (" + LANGUAGES + r") (word )?for\b")
LIST_WORDS = frozenset("list to-do to-dos todo todos task tasks items everything liste lista".split())


def leading_verb(request):
    """The tool the request's first word names as a command ("Please add …", "reopne …"), or None."""
    words = words_of(request)
    while words and words[0] in FILLER:
        words = words[1:]
    if not words:
        return None
    tool = next((t for verb, t in VERBS.items() if word_matches(words[0], verb)), None)
    if tool == "add" and NOT_A_NEW_TODO & set(words[1:4]):
        return None
    return tool


def tie_break(request, choices):
    """Of the two tools the model was unsure between, the one the request's leading verb names."""
    verb = leading_verb(request)
    return verb if verb in [c["tool"] for c in choices] else None


def settle(request, values):
    """The model's phase-1 values with what the request's words decide put right (see above)."""
    values = dict(values)
    text = " ".join(str(request).casefold().split())
    words = set(words_of(text))
    tool = values.get("tool")
    if TRANSLATE.search(text) and tool not in ("answer", "decline", "add"):
        return {"tool": "answer"} if LIST_WORDS & words else {"tool": "decline"}
    if tool == "search" and _about_duplicates(values.get("words", "")):
        return {"tool": "duplicates"}
    if tool == "list" and values.get("filter") in STATUS_WORDS and _asks_quantity(text):
        values = {"tool": "count", "status": values["filter"]}
        tool = "count"
    key = {"count": "status", "list": "filter"}.get(tool)
    if key and values.get(key) in ("open", "done") and _both_statuses(text, words):
        values[key] = "all"
    elif tool == "list" and values.get("filter") == "all" and not ALL_WORDS & words:
        values["filter"] = "open"
    if tool == "list" and values.get("filter") not in (*STATUS_WORDS, "overdue", "week") \
            and WEEK_RANGE.search(text):
        values["filter"] = "week"
    return values


def _asks_quantity(text):
    return bool(QUANTITY.search(text)) or any(word_matches(w, "count") and w not in NOT_COUNT
                                              for w in words_of(text))


def _both_statuses(text, words):
    """Whether the request asks for open and done alike ("done or not", "finished and open")."""
    tokens = words_of(text)
    done = any(w in DONE_WORDS and (i == 0 or tokens[i - 1] not in NEGATIONS) for i, w in enumerate(tokens))
    return bool(EITHER.search(text)) or (done and bool(OPEN_WORDS & words))


def _about_duplicates(search_words):
    wanted = words_of(search_words)
    return bool(wanted) and all(w in DUPLICATE_WORDS for w in wanted)
