"""Fuzzing import (issue #15): whatever the file holds, import_json returns a report and never
raises; a fatal report leaves the list exactly as it was; otherwise it only adds (report.added
new to-dos, each valid) and never changes or removes an existing one."""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from todo_app.todos import MAX_TITLE, TodoList

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def existing_list():
    todos = TodoList()
    todos.add("Buy milk", "2026-12-01")
    todos.set_done(todos.add("Call mum").id, True)
    return todos


def valid_export():
    other = TodoList()
    other.add("Book flights", "2026-12-24")
    other.set_done(other.add("Pay rent").id, True)
    other.add("Buy milk", "2026-12-01")
    return other.export_json()


VALID = valid_export()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
entry_fields = st.fixed_dictionaries({}, optional={
    "id": st.one_of(st.text(max_size=70), st.integers(), st.none()),
    "title": st.one_of(st.text(max_size=MAX_TITLE + 5), st.integers(), st.none()),
    "done": st.one_of(st.booleans(), st.integers(), st.text(max_size=3)),
    "due": st.one_of(st.none(), st.text(max_size=12), st.dates().map(str)),
    "created": st.one_of(st.text(max_size=30), st.integers()),
    "completed": st.one_of(st.none(), st.text(max_size=30)),
})


def check_import(text):
    todos = existing_list()
    before = [t.to_dict() for t in todos]
    report = todos.import_json(text)  # must not raise
    after = [t.to_dict() for t in todos]
    if report.fatal:
        assert after == before and report.added == 0
        assert report.summary().startswith("Nothing was imported")
        return
    assert after[:len(before)] == before  # existing to-dos untouched, in place
    assert len(after) == len(before) + report.added
    ids = [t["id"] for t in after]
    assert len(set(ids)) == len(ids)
    for t in after[len(before):]:
        assert t["title"] and t["title"] == t["title"].strip() and len(t["title"]) <= MAX_TITLE
    reloaded = TodoList.from_records(todos.records())  # what was added survives storage
    assert [t.to_dict() for t in reloaded] == after


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.characters()), min_size=1, max_size=5))
def test_mutated_export_gives_a_report(edits):
    text = list(VALID)
    for at, char in edits:
        text[at % len(text)] = char
    check_import("".join(text))


@FUZZ
@given(st.integers(0, len(VALID)))
def test_truncated_export_gives_a_report(cut):
    check_import(VALID[:cut])


@FUZZ
@given(st.lists(st.one_of(entry_fields, json_values), max_size=6), st.booleans())
def test_odd_entries_give_a_report(entries, wrapped):
    data = {"format": "todo-assistant", "version": 1, "todos": entries} if wrapped else entries
    check_import(json.dumps(data))


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes_give_a_report(data):
    check_import(data)


def test_the_valid_export_imports_what_is_new():
    todos = existing_list()
    report = todos.import_json(VALID)
    assert report.ok and report.added == 2 and report.duplicates == 1
