"""The dev sets' requests as training data (tools/finetune/case_calls.py): the right call only,
every committed label walks the real grammar, and build.py eval's own set is never trained on."""
import json

import pytest

from todo_app.assistant import tools
from tools.eval import checks
from tools.eval.run import todos_of
from tools.finetune import case_calls, encode, generate

LISTS = checks.load_lists()


def record(request, expect, got, passed, list_name="typical", case_id="fresh99-x-001"):
    return {"id": case_id, "list": list_name, "today": "2026-12-01", "request": request, "expect": expect,
            "got": got, "checks": passed}


RIGHT = {"tool": True, "target": True, "arguments": True, "all": True}
WRONG = {"tool": False, "target": None, "arguments": None, "all": False}


def test_a_right_reply_gives_the_call_as_the_pipeline_settled_it():
    r = record("stick 'buy oat milk' on there for friday", {"tool": "add"},
               {"tool": "add", "values": {"tool": "add", "title": "buy oat milk", "due": "friday",
                                          "request": "…", "target": None}}, RIGHT)
    assert case_calls.right_call(r) == {"tool": "add", "title": "buy oat milk", "due": "friday"}


def test_a_wrong_reply_gives_the_expected_call_only_where_the_expectation_fixes_it():
    wrong_tool = {"tool": "list", "values": {"tool": "list", "filter": "open"}}
    assert case_calls.right_call(record("tally the open ones", {"tool": "count", "values": {"status": "open"}},
                                        wrong_tool, WRONG)) == {"tool": "count", "status": "open"}
    assert case_calls.right_call(record("bin the gym one", {"tool": "delete"}, wrong_tool, WRONG)) == {"tool": "delete"}
    # an add's title is the writer's words, not the expectation's: nothing to train on
    assert case_calls.right_call(record("pop oat milk on there", {"tool": "add", "actions": [
        {"op": "add", "title_words": ["oat", "milk"]}]}, wrong_tool, WRONG)) is None
    # a due date is trained on only as the date word the request itself says
    expect = {"tool": "set_due", "actions": [{"op": "set_due", "id": "t10", "due": "2026-12-04"}]}
    assert case_calls.right_call(record("gutters by friday", expect, wrong_tool, WRONG)) == \
        {"tool": "set_due", "due": "friday"}
    assert case_calls.right_call(record("gutters by the end of the week-ish", expect, wrong_tool, WRONG)) is None


def test_the_target_is_the_one_todo_acted_on():
    todos = todos_of(LISTS["typical"])
    one = {"tool": "delete", "actions": [{"op": "delete", "id": "t7"}]}
    assert case_calls.right_target(record("x", one, {}, RIGHT), todos) == "Cancel gym membership"
    two = {"tool": "delete", "actions": [{"op": "delete", "id": "t7"}, {"op": "delete", "id": "t8"}]}
    assert case_calls.right_target(record("x", two, {}, RIGHT), todos) is None
    assert case_calls.right_target(record("x", {"tool": ["delete", "search"]}, {}, RIGHT), todos) is None


def test_an_expectation_fixed_after_measuring_judges_the_record_anew():
    got = {"tool": "complete", "values": {"tool": "complete", "request": "…", "target": "Buy milk"},
           "actions": [{"op": "complete", "id": "t1"}], "items": []}
    measured = {"tool": "complete", "actions": [{"op": "complete", "id": "t1"}, {"op": "complete", "id": "t2"}]}
    r = record("tick off buy milk", measured, got, {**WRONG, "tool": True})
    now = {"tool": "complete", "actions": [{"op": "complete", "id": "t1"}]}
    judged = case_calls.as_expected_now(r, {r["id"]: {"id": r["id"], "expect": now}})
    assert judged["expect"] == now and judged["checks"]["all"] is True
    assert case_calls.as_expected_now(r, {}) is r


def test_build_py_evals_own_set_is_refused():
    r = record("How many to-dos are open?", {"tool": "count"}, {"tool": "count", "values": {}}, RIGHT,
               case_id="count-001")
    with pytest.raises(ValueError):
        case_calls.labels([r], LISTS)


def test_committed_labels_come_from_the_dev_sets_only():
    labels = case_calls.load()
    dev = {c["id"]: c for path in checks.HELD_OUT for c in checks.load_cases(path)}
    assert len(labels) > 1000 and {label["id"] for label in labels} <= set(dev)
    for label in labels:
        case = dev[label["id"]]
        assert (label["request"], label["list"], label["today"]) == (case["request"], case["list"], case["today"])
        assert label["tool"] in checks.expected_tools(case["expect"])


def test_every_committed_label_walks_the_grammar(smollm_path):
    tok, template = encode.load(smollm_path)
    rows = [row for label in case_calls.load() for row in case_calls.examples(label, LISTS)]
    assert {r["kind"] for r in rows} == {"tool", "target"}
    ids, target_len, _, _ = encode.encode_all(rows, tok, template, allowed_for=lambda r: False)
    for row, seq, n in zip(rows, ids, target_len):
        assert tok.decode(seq[-n:-1]) == row["target"]


def test_generate_adds_each_label_repeat_times_and_leaves_the_rest_as_it_was():
    plain = generate.generate(seed=5, scenarios=50, chats=10)
    with_cases = generate.generate(seed=5, scenarios=50, chats=10, case_repeat=2)
    cases = [r for r in with_cases if r["template"].startswith("case:")]
    assert [r for r in with_cases if not r["template"].startswith("case:")] == plain
    per_label = json.dumps(case_calls.examples(case_calls.load()[0], LISTS), default=str)
    assert json.dumps([r for r in cases if r["template"] == cases[0]["template"]], default=str) == \
        json.dumps(json.loads(per_label) * 2)
    assert all(r["split"] == "train" for r in cases)
    assert {r["tool"] for r in cases} == set(tools.TOOLS)
