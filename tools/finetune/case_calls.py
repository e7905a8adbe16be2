"""The dev sets' requests as training data: real people's phrasings the generator's templates lack.

    PYTHONPATH=py:. python3 -m tools.finetune.case_calls OUT.jsonl RECORDS.json...

The held-out sets (tools/eval/cases_fresh*.jsonl) each become a dev set once measured. Their eval
records (`tools.eval.run --out`) give, per request, the right phase-1 call and phase-2 target:
- a case the pipeline got right: the call as it settled it (its exact title, search words, date word);
- a case it got wrong: the call the expectation fixes, where it fixes every argument, else none;
- the target: the one to-do the expectation acts on, when the shortlist shows it.
`main` writes these labels once (tools/finetune/case_calls.jsonl, committed); `examples` turns each
into training rows. The eval set of `build.py eval` (tools/eval/cases.jsonl) is never read.
"""
import argparse
import datetime as dt
import json
from pathlib import Path

from todo_app.assistant import dates, grounding, tools
from tools.eval import checks
from tools.eval.run import todos_of

HERE = Path(__file__).resolve().parent
LABELS = HERE / "case_calls.jsonl"
WORD_ARGS = {"count": "status", "list": "filter"}     # arguments an expectation can fix by itself
NO_ARGS = ("duplicates", "complete", "reopen", "delete", "answer", "decline")


def right_call(record):
    """The phase-1 values of a record's request, or None where neither the reply nor the
    expectation fixes them."""
    wanted, got, passed = checks.expected_tools(record["expect"]), record["got"], record["checks"]
    tool_right = got.get("tool") in wanted
    if tool_right and (passed["all"] or got["tool"] in NO_ARGS or passed["arguments"] is True):
        keys = ("status", "filter", "words", "title", "due")
        return {"tool": got["tool"], **{k: v for k, v in (got.get("values") or {}).items() if k in keys}}
    tool, values = wanted[0], record["expect"].get("values", {})
    if tool in NO_ARGS:
        return {"tool": tool}
    key = WORD_ARGS.get(tool)
    if key and values.get(key) and not _is_iso(values[key]):
        return {"tool": tool, key: values[key]}
    if tool == "set_due":
        due = (record["expect"].get("actions") or [{}])[0].get("due", "")
        word = _date_word(due, record["request"], dt.date.fromisoformat(record["today"])) if due else None
        return {"tool": tool, "due": word} if word else None
    return None


def _is_iso(text):
    try:
        dt.date.fromisoformat(str(text))
        return True
    except ValueError:
        return False


def _date_word(iso, request, today):
    """A date word of the grammar for that day that the request itself says, if one does."""
    said = " ".join(checks._words(request).split())
    for word in sorted(dates.vocabulary(today), key=len, reverse=True):
        if f" {word} " in f" {said} " and str(dates.resolve(word, today)) == iso:
            return word
    return None


def right_target(record, todos):
    """The title phase 2 must pick, or None when the case names no single to-do."""
    if not isinstance(record["expect"]["tool"], str) or record["expect"]["tool"] not in tools.TARGET_TOOLS:
        return None
    acted = [a for a in record["expect"].get("actions") or [] if a.get("id")]
    if len(acted) != 1:
        return None
    return next((grounding.clip_title(t.title) for t in todos if t.id == acted[0]["id"]), None)


def as_expected_now(record, cases):
    """The record judged by its case's expectation as it stands now (an expectation fixed after
    the set was measured changes what the right call is)."""
    case = cases.get(record["id"])
    if case is None or case["expect"] == record["expect"]:
        return record
    got = record["got"]
    reply = {**got, "items": [{"id": i} for i in got.get("items") or []]}
    return {**record, "expect": case["expect"], "checks": checks.check(case["expect"], reply, record["today"])}


def labels(records, lists, cases=None):
    out = []
    for r in records:
        r = as_expected_now(r, cases or {})
        if r["id"].startswith(tuple(f"{c}-" for c in checks.CATEGORIES)):
            raise ValueError(f"{r['id']} is a case of build.py eval's own set: never trained on")
        values = right_call(r)
        if values is None:
            continue
        todos = todos_of(lists[r["list"]])
        out.append({"id": r["id"], "list": r["list"], "today": r["today"], "request": r["request"],
                    "call": tools.call_text(values), "tool": values["tool"],
                    "target": right_target(r, todos) if values["tool"] in tools.TARGET_TOOLS else None})
    return out


def examples(label, lists, repeat=1):
    """Training rows (generate.examples' format) of one label: phase 1, and phase 2 where the
    right to-do is among those the shortlist shows."""
    base = {"split": "train", "tool": label["tool"], "template": f"case:{label['id']}", "today": label["today"]}
    rows = [{**base, "kind": "tool", "messages": grounding.request_messages(label["request"]),
             "target": label["call"]}]
    if label["target"]:
        shown = tools.candidates(todos_of(lists[label["list"]]), label["request"])
        titles = [grounding.clip_title(t.title) for t in shown]
        if label["target"] in titles:
            today = dt.date.fromisoformat(label["today"])
            rows.append({**base, "kind": "target", "titles": titles, "target": f"todo: {label['target']}",
                         "messages": grounding.target_messages(label["request"], label["call"], shown, today)})
    return rows * repeat


def load(path=LABELS):
    return checks.load_cases(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("records", nargs="+")
    args = parser.parse_args(argv)
    records = [r for path in args.records for r in json.loads(Path(path).read_text(encoding="utf-8"))["results"]]
    cases = {c["id"]: c for path in checks.HELD_OUT for c in checks.load_cases(path)}
    out = labels(records, checks.load_lists(), cases)
    checks.write_lines(args.out, out)
    print(f"{len(out)} labels of {len(records)} records -> {args.out}")


if __name__ == "__main__":
    main()
