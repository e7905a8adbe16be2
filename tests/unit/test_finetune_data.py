"""The fine-tuning data: valid tool calls only (walked through the real grammar with the real
tokenizer), grounded targets, a clean split by template, deterministic for a seed."""
import collections
import json

import pytest

from todo_app.assistant import tools
from tools.finetune import encode, generate

N = 400


@pytest.fixture(scope="module")
def rows():
    return generate.generate(seed=5, scenarios=N, chats=40)


@pytest.fixture(scope="module")
def coded(smollm_path, rows):
    tok, template = encode.load(smollm_path)
    picked = [r for r in rows if r["kind"] != "chat"][:250]
    return tok, picked, encode.encode_all(picked, tok, template, allowed_for=lambda r: True)


def test_deterministic_for_a_seed(rows):
    again = generate.generate(seed=5, scenarios=N, chats=40)
    assert json.dumps(rows, default=str) == json.dumps(again, default=str)
    other = generate.generate(seed=6, scenarios=N, chats=40)
    assert json.dumps(rows, default=str) != json.dumps(other, default=str)


def test_every_target_walks_the_grammar(coded):
    tok, picked, (ids, target_len, allowed, tool_tokens) = coded
    stop = tok.special_ids["<|im_end|>"]
    for row, seq, n, per_token in zip(picked, ids, target_len, allowed):
        assert seq[-1] == stop and n == len(per_token)
        if row["kind"] in ("tool", "target"):
            # each chosen token is one the constrained decoder allows at that point
            for token, options in zip(seq[-n:], per_token):
                assert options is None or token in options
            assert tok.decode(seq[-n:-1]) == row["target"]


def test_a_wrong_target_does_not_parse(smollm_path):
    tok, _ = encode.load(smollm_path)
    tries = encode._Tries(tok, tok.special_ids["<|im_end|>"])
    grammar = tools.tool_grammar(__import__("datetime").date(2026, 3, 2))
    for bad in ("tool: fly", "tool: count\nstatus: maybe", "tool: list\nfilter: someday", "todo: x"):
        with pytest.raises(encode.TargetError):
            encode.walk(grammar, bad, tok, tries)
    assert encode.walk(grammar, "tool: list\nfilter: in 3 days", tok, tries)[-1][0] == tries.stop_id


def test_targets_are_shown_titles(rows):
    phase2 = [r for r in rows if r["kind"] == "target"]
    assert len(phase2) > 50
    for r in phase2:
        title = r["target"][len("todo: "):]
        assert title == tools.NO_TARGET or title in r["titles"]
        # the list the model sees holds that exact title
        assert title == tools.NO_TARGET or f". {title} (" in r["messages"][-1]["content"]
    assert any(r["target"] == "todo: none" for r in phase2)


def test_split_by_template(rows):
    templates = collections.defaultdict(set)
    for r in rows:
        templates[(r["tool"], r["template"])].add(r["split"])
    assert all(len(s) == 1 for s in templates.values())
    assert {"held", "train"} <= {r["split"] for r in rows}


def test_covers_every_tool_and_phase(rows):
    assert {r["tool"] for r in rows} == set(tools.TOOLS) | {"chat"}
    assert {r["kind"] for r in rows} == {"tool", "target", "answer", "chat"}


def test_past_tense_reports_complete_never_set_due(rows):
    """"I booked the flights" is a completion report; set_due only when a new date (or no date) is
    asked for."""
    from tools.finetune import words as W
    past = [r for r in rows if r["kind"] == "tool" and r["template"] in W.COMPLETE_PAST + W.COMPLETE_STATUS]
    assert len(past) > 20
    assert all(r["target"] == "tool: complete" for r in past)
    for r in rows:
        if r["kind"] == "tool" and r["target"].startswith("tool: set_due"):
            assert "{d}" in r["template"] or r["target"].endswith("due: none")
            assert r["template"] not in W.COMPLETE_PAST + W.COMPLETE_STATUS


def test_a_report_in_the_users_words_targets_its_todo():
    from tools.finetune.generate import Item, verb_slots
    import random
    todos = [Item("t0", "Book flights to Lisbon", False, "2026-12-04"), Item("t1", "Buy milk")]
    slots = verb_slots(random.Random(1), todos[0], todos)
    assert slots["past"].startswith("booked ") and "flights" in slots["obj"]


def test_answers_state_only_listed_facts(rows):
    """Grounded answers: every date and every title they mention is in the list shown."""
    import re
    answers = [r for r in rows if r["kind"] == "answer"]
    assert len(answers) > 10
    for r in answers:
        shown = r["messages"][-1]["content"]
        for iso in re.findall(r"\d{4}-\d{2}-\d{2}", r["target"]):
            assert f"due {iso}" in shown
        # short: at most 6 ranked lines / 4 groups / 2 sentences (titles are clipped at 120 chars)
        assert r["target"].count("\n") <= 6 and len(r["target"]) < 1400


def test_no_eval_request_is_in_the_training_data():
    """The eval sets (tools/eval/cases*.jsonl) are written independently: none of their requests may
    come out of the generator (compared ignoring case, spacing and punctuation), over a large sample."""
    from tools.eval import checks

    def norm(text):
        return " ".join("".join(c if c.isalnum() else " " for c in str(text).casefold()).split())

    evals = {norm(case["request"]) for path in sorted(checks.HERE.glob("cases*.jsonl"))
             for case in checks.load_cases(path)}
    sample = generate.generate(seed=11, scenarios=4000, chats=0)
    requests = {norm(m["content"]) for r in sample for m in r["messages"] if m["role"] == "user"}
    leaked = sorted(evals & requests)
    assert len(requests) > 2000
    assert len(leaked) <= len(evals) // 50, leaked  # only short generic phrasings may coincide

