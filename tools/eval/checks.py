"""The eval's checks: pure functions over a case's expectation and the assistant's reply.

Expectations check the tool call and the facts, never wording (tools/eval/cases.jsonl):

    "tool": "count" | ["list", "search"]         the tool (or acceptable tools)
    "values": {"status": "open"}                  what the model chose; a date filter / due may be
                                                  given as an ISO date and matches any date word for it
    "items": ["t3", "t5"]                         ids of the to-dos the reply shows (order-insensitive)
    "actions": [{"op", "id", "due", "title_words", "new_title_words"}]
                                                  the proposed actions (order-insensitive); keys left
                                                  out are not checked; [] = no action proposed

Each case gets up to four checks: `tool`; `target` (the ids of the actions or items, where the
expectation names any); `arguments` (values, dates, titles, where it names any); `all` (every
check of the case). A check that does not apply is None.
"""
import datetime as _dt
import json
import statistics
from collections import Counter
from pathlib import Path

from todo_app.assistant import dates
from todo_app.assistant.tools import TOOLS

HERE = Path(__file__).resolve().parent
CATEGORIES = ("count", "list", "duplicates", "search", "add", "complete", "reopen", "delete", "rename",
              "set_due", "answer", "decline", "typos", "chatty", "non_english", "injection", "ambiguous",
              "hard")
OPS = ("add", "complete", "reopen", "delete", "rename", "set_due")
CHECKS = ("tool", "target", "arguments", "all")
ARGUMENT_KEYS = ("due", "title_words", "new_title_words")


# -- data ----------------------------------------------------------------------------------------
def load_lists(path=HERE / "lists.json"):
    return json.loads(Path(path).read_text(encoding="utf-8"))


# Held-out sets, each written by someone who saw neither the pipeline nor the training generator,
# each measured once on the rules of its day and then used to tune cues.py (a dev set since):
# cases_fresh.jsonl … cases_fresh18.jsonl in that order (README: each one's measured-once figure).
HELD_OUT = tuple(HERE / f"cases_fresh{n}.jsonl" for n in ("", *range(2, 19)))


def load_cases(path=HERE / "cases.jsonl"):
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def write_lines(path, rows):
    """The rows as JSON lines, one object a line (what load_cases reads)."""
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def select_cases(cases, ci=False, category=None, limit=None):
    chosen = [c for c in cases if (not ci or c.get("ci")) and (category is None or c["category"] == category)]
    return chosen[:limit] if limit else chosen


def expected_tools(expect):
    tool = expect["tool"]
    return [tool] if isinstance(tool, str) else list(tool)


# -- one case ------------------------------------------------------------------------------------
def _words(text):
    return " ".join("".join(c if c.isalnum() else " " for c in str(text or "").casefold()).split())


def _has_words(text, words):
    have = _words(text)
    return all(_words(w) in have for w in words)


def _value_ok(key, want, got, today):
    if got is None:
        return want is None
    if isinstance(want, str) and len(want) == 10 and want[4] == "-" and key in ("filter", "due"):
        try:
            return dates.resolve(got, today) == want
        except dates.DateError:
            return False
    return str(got).casefold() == str(want).casefold() if want is not None else got in (None, "none")


def _action_args_ok(want, got):
    if "due" in want and got.get("due") != want["due"]:
        return False
    if "title_words" in want and not _has_words(got.get("title"), want["title_words"]):
        return False
    return "new_title_words" not in want or _has_words(got.get("new_title"), want["new_title_words"])


def _actions_match(wanted, got):
    """Every expected action pairs with its own proposed action (same op, id, arguments)."""
    if len(wanted) != len(got):
        return False
    free = list(got)
    for want in wanted:
        match = next((g for g in free if g.get("op") == want["op"] and
                      ("id" not in want or g.get("id") == want["id"]) and _action_args_ok(want, g)), None)
        if match is None:
            return False
        free.remove(match)
    return True


def check(expect, reply, today):
    """{"tool", "target", "arguments", "all"}: True / False, or None where the check does not apply."""
    if isinstance(today, str):
        today = _dt.date.fromisoformat(today)
    tool_ok = reply.get("tool") in expected_tools(expect)
    got_actions = list(reply.get("actions") or [])
    result = {"tool": tool_ok, "target": None, "arguments": None}
    wanted = expect.get("actions")
    has_target = "items" in expect or (wanted is not None and (not wanted or any("id" in a for a in wanted)))
    if has_target:
        ok = tool_ok
        if "items" in expect:
            ok = ok and Counter(i["id"] for i in reply.get("items") or []) == Counter(expect["items"])
        if wanted is not None:
            ok = ok and (Counter((a.get("op"), a.get("id")) for a in got_actions) ==
                         Counter((a["op"], a.get("id")) for a in wanted if "id" in a) if wanted else not got_actions)
        result["target"] = ok
    has_args = bool(expect.get("values")) or any(k in a for a in wanted or [] for k in ARGUMENT_KEYS)
    if has_args:
        values = reply.get("values") or {}
        ok = tool_ok and all(_value_ok(k, v, values.get(k), today) for k, v in (expect.get("values") or {}).items())
        if wanted and any(k in a for a in wanted for k in ARGUMENT_KEYS):
            ok = ok and _actions_match(wanted, got_actions)
        result["arguments"] = ok
    result["all"] = all(v for v in result.values() if v is not None)
    return result


def problems(reply, ids, today):
    """What makes a reply invalid (the machinery, not the model's choice): [] when it is well formed."""
    found = []
    if reply.get("tool") not in TOOLS:
        found.append(f"unknown tool {reply.get('tool')!r}")
    for item in reply.get("items") or []:
        if item.get("id") not in ids:
            found.append(f"item id {item.get('id')!r} is not in the list")
    for action in reply.get("actions") or []:
        op = action.get("op")
        if op not in OPS:
            found.append(f"unknown op {op!r}")
        elif op != reply.get("tool"):
            found.append(f"op {op!r} from tool {reply.get('tool')!r}")
        if op == "add" and not str(action.get("title") or "").strip():
            found.append("add without a title")
        if op != "add" and action.get("id") not in ids:
            found.append(f"action id {action.get('id')!r} is not in the list")
        if op == "rename" and not str(action.get("new_title") or "").strip():
            found.append("rename without a new title")
        if action.get("due") is not None:
            try:
                _dt.date.fromisoformat(action["due"])
                assert len(action["due"]) == 10
            except (TypeError, ValueError, AssertionError):
                found.append(f"due {action.get('due')!r} is not an ISO date")
    if not isinstance(reply.get("unsure"), bool):
        found.append("no unsure flag")
    return found


# -- the table -----------------------------------------------------------------------------------
def _rate(values):
    values = [v for v in values if v is not None]
    return (sum(values) / len(values), len(values)) if values else (None, 0)


def percentile(values, q):
    values = sorted(values)
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[index]


def summarize(results):
    """Per category and overall: n, rate (and n) per check, unsure rate, median / p90 seconds.
    results: [{"category", "checks": {...}, "unsure": bool, "seconds": float}]"""
    groups = {}
    for r in results:
        groups.setdefault(r["category"], []).append(r)
    order = [c for c in CATEGORIES if c in groups] + sorted(c for c in groups if c not in CATEGORIES)
    rows = [(c, groups[c]) for c in order] + [("overall", list(results))]
    summary = {}
    for name, rs in rows:
        seconds = [r["seconds"] for r in rs]
        summary[name] = {"n": len(rs), **{c: _rate([r["checks"][c] for r in rs]) for c in CHECKS},
                         "unsure": _rate([r["unsure"] for r in rs])[0],
                         "median_s": statistics.median(seconds) if seconds else None,
                         "p90_s": percentile(seconds, 0.9)}
    return summary


def _pct(rate):
    value, n = rate if isinstance(rate, tuple) else (rate, None)
    if value is None:
        return "-"
    return f"{100 * value:.0f}%" if n is None else f"{100 * value:.0f}% ({n})"


def format_table(summary):
    head = ("category", "n", "tool", "target", "arguments", "all right", "unsure", "median s", "p90 s")
    lines = [head]
    for name, s in summary.items():
        lines.append((name, str(s["n"]), *(_pct(s[c]) for c in CHECKS), _pct(s["unsure"]),
                      f"{s['median_s']:.2f}" if s["median_s"] is not None else "-",
                      f"{s['p90_s']:.2f}" if s["p90_s"] is not None else "-"))
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    text = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
            for row in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    text.insert(-1, text[1])
    return "\n".join(text)
