"""Unit tier: the eval's data (tools/eval/lists.json, cases.jsonl, the held-out cases_fresh*.jsonl)
and its pure checks (tools/eval/checks.py): a passing and a failing reply for each kind of
expectation."""
import datetime as _dt
import math
from collections import Counter

import pytest

from todo_app.assistant import actions, dates, tools
from todo_app.todos import Todo
from todo_app.assistant.tools import TOOLS
from tools.eval import checks
from tools.eval.run import parse_args

TODAY = _dt.date(2026, 11, 25)
LISTS = checks.load_lists()
CASES = checks.load_cases()
FRESH = [c for path in checks.HELD_OUT for c in checks.load_cases(path)]


def reply(tool, values=None, items=(), actions=(), unsure=False):
    return {"tool": tool, "values": {"tool": tool, **(values or {})}, "items": [{"id": i} for i in items],
            "actions": list(actions), "unsure": unsure}


# -- the data ------------------------------------------------------------------------------------
def test_lists_are_in_the_export_format_with_unique_ids():
    for name, todo_list in LISTS.items():
        assert todo_list["format"] == "todo-assistant" and todo_list["version"] == 1, name
        ids = [t["id"] for t in todo_list["todos"]]
        assert len(set(ids)) == len(ids), name
        for t in todo_list["todos"]:
            assert set(t) == {"id", "title", "done", "due"} and isinstance(t["done"], bool)
            assert t["due"] is None or _dt.date.fromisoformat(t["due"])
    sizes = {name: len(todo_list["todos"]) for name, todo_list in LISTS.items()}
    assert sizes["empty"] == 0 and sizes["small"] == 5 and 10 <= sizes["typical"] <= 15 and sizes["long"] >= 50


def test_enough_cases_and_ci_cases_covering_every_category():
    assert len(CASES) >= 300
    ci = [c for c in CASES if c.get("ci")]
    assert len(ci) >= 80
    assert {c["category"] for c in ci} == set(checks.CATEGORIES) == {c["category"] for c in CASES}


def test_case_ids_and_requests_are_unique_across_both_sets():
    both = CASES + FRESH
    assert len({c["id"] for c in both}) == len(both)
    requests = Counter(" ".join(c["request"].casefold().split()) for c in both)
    assert [r for r, n in requests.items() if n > 1] == []
    assert len(FRESH) >= 300 and {c["category"] for c in FRESH} == set(checks.CATEGORIES)
    assert not any(c.get("ci") for c in FRESH)   # held out: never in the CI subset the pipeline is tuned on


@pytest.mark.parametrize("case", CASES + FRESH, ids=lambda c: c["id"])
def test_case_is_well_formed(case):
    assert set(case) <= {"id", "category", "list", "today", "request", "expect", "ci"}
    assert case["category"] in checks.CATEGORIES
    assert case["list"] in LISTS
    _dt.date.fromisoformat(case["today"])
    expect = case["expect"]
    assert set(expect) <= {"tool", "values", "items", "actions"}
    assert checks.expected_tools(expect) and set(checks.expected_tools(expect)) <= set(TOOLS)
    ids = {t["id"] for t in LISTS[case["list"]]["todos"]}
    assert set(expect.get("items", [])) <= ids
    for action in expect.get("actions", []):
        assert action["op"] in checks.OPS and action["op"] in checks.expected_tools(expect)
        assert ("id" in action) == (action["op"] != "add")
        if action["op"] != "add":
            assert action["id"] in ids
        if action.get("due"):
            _dt.date.fromisoformat(action["due"])


def test_expected_dates_follow_the_date_rules():
    """Spot checks of hand-computed dates against dates.py's meaning of the words."""
    by_request = {c["request"]: c for c in CASES}
    for request, word in [("add call the plumber tomorrow", "tomorrow"), ("Move buy milk to friday", "friday"),
                          ("add book the hotel for friday", "friday"), ("add file the report next week", "next week"),
                          ("Add dinner with Sam on January 2", "january 2"),
                          ("add mow the lawn in 3 days", "in 3 days"),
                          ("Set clean the gutters due on November 20", "november 20")]:
        case = by_request[request]
        want = case["expect"]["actions"][0]["due"]
        assert dates.resolve(word, _dt.date.fromisoformat(case["today"])) == want, request


def ideal_reply(case):
    """The reply the pipeline's own Python gives when the model chooses exactly as expected."""
    expect, today = case["expect"], _dt.date.fromisoformat(case["today"])
    todos = [Todo(**t) for t in LISTS[case["list"]]["todos"]]
    by_id = {t.id: t for t in todos}
    tool = checks.expected_tools(expect)[0]
    values = {"tool": tool, **expect.get("values", {})}
    wanted = (expect.get("actions") or [{}])[0]
    if "due" in wanted:
        values["due"] = wanted["due"] or "none"
    if tool == "add":
        return actions.add_reply({**values, "title": " ".join(wanted["title_words"])}, today)
    if tool in tools.TARGET_TOOLS:
        if "new_title_words" in wanted:
            values["title"] = " ".join(wanted["new_title_words"])
        chosen = tools.clip_title(by_id[wanted["id"]].title) if wanted else tools.NO_TARGET
        return actions.target_reply(tool, values, chosen, todos, today)
    if tool == "answer":
        return tools.reply("answer", "…", values=values)
    result = tools.read_reply(tool, values, todos, today)
    if tool == "search" and "items" in expect:  # the words are free text: take the expected finds
        result["items"] = [tools.item(by_id[i]) for i in expect["items"]]
    return result


@pytest.mark.parametrize("case", CASES + FRESH, ids=lambda c: c["id"])
def test_expectation_is_what_the_right_choice_gives(case):
    """Guards the data: each expectation is met by the tools' own result for the right choice
    (facts like overdue items, duplicate groups, ambiguous matches agree with the list)."""
    got = {**ideal_reply(case), "unsure": False}
    assert checks.check(case["expect"], got, case["today"])["all"], got
    ids = {t["id"] for t in LISTS[case["list"]]["todos"]}
    assert checks.problems(got, ids, case["today"]) == []


# -- the checks ----------------------------------------------------------------------------------
def test_count_values():
    expect = {"tool": "count", "values": {"status": "open"}}
    assert checks.check(expect, reply("count", {"status": "open"}), TODAY) == {
        "tool": True, "target": None, "arguments": True, "all": True}
    wrong = checks.check(expect, reply("count", {"status": "done"}), TODAY)
    assert wrong["tool"] and not wrong["arguments"] and not wrong["all"]
    assert checks.check(expect, reply("list", {"filter": "open"}), TODAY)["tool"] is False


def test_list_items_are_order_insensitive_and_date_filters_match_any_word_for_the_date():
    expect = {"tool": "list", "items": ["t3", "t5"], "values": {"filter": "2026-11-27"}}
    good = checks.check(expect, reply("list", {"filter": "friday"}, items=["t5", "t3"]), TODAY)
    assert good["all"] and good["target"] and good["arguments"]
    assert checks.check(expect, reply("list", {"filter": "2026-11-27"}, items=["t3", "t5"]), TODAY)["all"]
    wrong_day = checks.check(expect, reply("list", {"filter": "thursday"}, items=["t3", "t5"]), TODAY)
    assert wrong_day["target"] and not wrong_day["arguments"]
    missing = checks.check(expect, reply("list", {"filter": "friday"}, items=["t3"]), TODAY)
    assert not missing["target"] and not missing["all"]
    assert not checks.check({"tool": "list", "items": []}, reply("list", items=["t1"]), TODAY)["all"]


def test_wrong_tool_fails_target_and_arguments_too():
    expect = {"tool": "list", "items": [], "values": {"filter": "overdue"}}
    result = checks.check(expect, reply("search", {"filter": "overdue"}), TODAY)
    assert result == {"tool": False, "target": False, "arguments": False, "all": False}


def test_add_title_words_and_due():
    expect = {"tool": "add", "actions": [{"op": "add", "title_words": ["bread"], "due": "2026-12-01"}]}
    good = reply("add", actions=[{"op": "add", "id": None, "title": "Buy Bread!", "due": "2026-12-01"}])
    assert checks.check(expect, good, TODAY) == {"tool": True, "target": None, "arguments": True, "all": True}
    for bad in ({"title": "Buy milk", "due": "2026-12-01"}, {"title": "buy bread", "due": None}):
        result = checks.check(expect, reply("add", actions=[{"op": "add", "id": None, **bad}]), TODAY)
        assert result["tool"] and not result["arguments"]
    assert not checks.check(expect, reply("add"), TODAY)["all"]


def test_target_actions():
    expect = {"tool": "complete", "actions": [{"op": "complete", "id": "t2"}]}
    good = reply("complete", actions=[{"op": "complete", "id": "t2", "title": "Call the dentist"}])
    assert checks.check(expect, good, TODAY) == {"tool": True, "target": True, "arguments": None, "all": True}
    other = reply("complete", actions=[{"op": "complete", "id": "t3", "title": "Pay rent"}])
    assert checks.check(expect, other, TODAY)["target"] is False
    assert checks.check(expect, reply("complete"), TODAY)["target"] is False


def test_ambiguous_needs_both_and_only_both():
    expect = {"tool": "delete", "actions": [{"op": "delete", "id": "t1"}, {"op": "delete", "id": "t2"}]}
    both = [{"op": "delete", "id": "t2", "title": "x"}, {"op": "delete", "id": "t1", "title": "x"}]
    assert checks.check(expect, reply("delete", actions=both), TODAY)["all"]
    assert not checks.check(expect, reply("delete", actions=both[:1]), TODAY)["all"]
    assert not checks.check(expect, reply("delete", actions=both + [{"op": "delete", "id": "t3"}]), TODAY)["all"]


def test_no_action_expected():
    expect = {"tool": "complete", "actions": []}
    assert checks.check(expect, reply("complete"), TODAY)["all"]
    assert not checks.check(expect, reply("complete", actions=[{"op": "complete", "id": "t1"}]), TODAY)["all"]


def test_set_due_and_removing_a_due_date():
    expect = {"tool": "set_due", "actions": [{"op": "set_due", "id": "t4", "due": "2026-12-04"}]}
    good = reply("set_due", actions=[{"op": "set_due", "id": "t4", "title": "x", "due": "2026-12-04"}])
    assert checks.check(expect, good, TODAY)["all"]
    late = reply("set_due", actions=[{"op": "set_due", "id": "t4", "title": "x", "due": "2026-12-05"}])
    assert checks.check(expect, late, TODAY) == {"tool": True, "target": True, "arguments": False, "all": False}
    remove = {"tool": "set_due", "actions": [{"op": "set_due", "id": "t4", "due": None}]}
    assert checks.check(remove, reply("set_due", actions=[{"op": "set_due", "id": "t4", "due": None}]), TODAY)["all"]
    assert not checks.check(remove, late, TODAY)["all"]


def test_rename_new_title_words():
    expect = {"tool": "rename", "actions": [{"op": "rename", "id": "t1", "new_title_words": ["oat", "milk"]}]}
    good = reply("rename", actions=[{"op": "rename", "id": "t1", "title": "Buy milk", "new_title": "buy oat milk"}])
    assert checks.check(expect, good, TODAY)["all"]
    bad = reply("rename", actions=[{"op": "rename", "id": "t1", "title": "Buy milk", "new_title": "buy milk"}])
    assert checks.check(expect, bad, TODAY) == {"tool": True, "target": True, "arguments": False, "all": False}


def test_answer_decline_and_lists_of_acceptable_tools():
    assert checks.check({"tool": ["answer"]}, reply("answer"), TODAY)["all"]
    assert not checks.check({"tool": "decline"}, reply("answer"), TODAY)["all"]
    both = {"tool": ["list", "search"]}
    assert checks.check(both, reply("search"), TODAY)["all"] and checks.check(both, reply("list"), TODAY)["all"]
    assert not checks.check(both, reply("count"), TODAY)["all"]


def test_problems_finds_invalid_replies():
    ids = {"t1", "t2"}
    assert checks.problems(reply("count"), ids, TODAY) == []
    good = reply("set_due", actions=[{"op": "set_due", "id": "t1", "title": "x", "due": "2026-12-01"}])
    assert checks.problems(good, ids, TODAY) == []
    assert checks.problems(reply("shout"), ids, TODAY)
    assert checks.problems(reply("delete", actions=[{"op": "delete", "id": "t9"}]), ids, TODAY)
    assert checks.problems(reply("delete", actions=[{"op": "explode", "id": "t1"}]), ids, TODAY)
    assert checks.problems(reply("set_due", actions=[{"op": "set_due", "id": "t1", "due": "friday"}]), ids, TODAY)
    assert checks.problems(reply("list", items=["t7"]), ids, TODAY)
    assert checks.problems({**reply("count"), "unsure": None}, ids, TODAY)


def test_summary_and_table():
    results = [{"category": "count", "checks": {"tool": True, "target": None, "arguments": True, "all": True},
                "unsure": False, "seconds": 1.0},
               {"category": "count", "checks": {"tool": False, "target": None, "arguments": False, "all": False},
                "unsure": True, "seconds": 3.0},
               {"category": "delete", "checks": {"tool": True, "target": False, "arguments": None, "all": False},
                "unsure": False, "seconds": 2.0}]
    summary = checks.summarize(results)
    assert list(summary) == ["count", "delete", "overall"]
    assert summary["count"]["tool"] == (0.5, 2) and summary["count"]["target"] == (None, 0)
    assert summary["overall"]["all"] == (1 / 3, 3) and summary["overall"]["unsure"] == pytest.approx(1 / 3)
    assert summary["overall"]["median_s"] == 2.0 and summary["overall"]["p90_s"] == 3.0
    table = checks.format_table(summary)
    assert "overall" in table and "50% (2)" in table and "33% (3)" in table


def test_select_cases_and_cli():
    ci = checks.select_cases(CASES, ci=True)
    assert all(c.get("ci") for c in ci)
    assert len(checks.select_cases(CASES, category="add", limit=3)) == 3
    args = parse_args(["--ci", "--category", "count", "--limit", "5", "--json", "--out", "x.json"])
    assert args.ci and args.category == "count" and args.limit == 5 and args.json and args.out == "x.json"


def test_general_replies_are_judged_for_what_tuning_breaks():
    from tools.eval import general
    assert general.problems("What is 9 times 8?", "tool: count\nstatus: open") == ["tool syntax"]
    assert general.problems("Name a planet.", "Add it to your to-do list: Mars.") == ["drifts into to-dos"]
    assert general.problems("Name a planet.", "Mars.") == [] and general.problems("Name a planet.", " ") == ["empty"]
    assert general.problems("x", "a b c a b c a b c a b c") == ["loops"]
    base_loop = "1. 1. 1. 1. 1. 1. 1. 1. 1. 1. 1. 1."
    assert general.judge("Tips?", base_loop, base=base_loop) == []       # the base does it too
    assert general.judge("Tips?", base_loop, base="Sleep early.") == ["loops"]


def test_general_report_holds_the_perplexity_ratio_to_its_bound():
    from tools.eval import general
    result = general.report(["Hi?"], ["Hello."], ["Hello."], {"tuned": 3.70, "base": 3.61})
    assert abs(result["perplexity"]["ratio"] - math.exp(0.09)) < 1e-9 and result["perplexity"]["within_bound"]
    assert not general.report(["Hi?"], ["Hello."], ["Hello."], {"tuned": 3.8, "base": 3.6})["perplexity"]["within_bound"]
    assert "perplexity" not in general.report(["Hi?"], ["Hello."], ["Hello."])
