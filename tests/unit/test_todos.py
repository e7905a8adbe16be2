"""The to-do model (py/todo_app/todos.py) in CPython: ids, validation, order, filters, counts, undo,
export/import."""
import datetime as dt
import itertools
import json

import pytest

from todo_app.todos import MAX_TITLE, Todo, TodoError, TodoList, clean_due, clean_title


def make(**kwargs):
    counter = itertools.count(1)
    return TodoList(id_factory=lambda: f"id{next(counter)}", clock=lambda: "2026-11-25T10:00:00+00:00",
                    **kwargs)


def titles(todos, which="all"):
    return [t.title for t in todos.visible(which)]


def test_add_gives_unique_ids_and_keeps_insertion_order():
    todos = make()
    a, b, c = todos.add("A"), todos.add("B"), todos.add("C")
    assert [a.id, b.id, c.id] == ["id1", "id2", "id3"]
    assert titles(todos) == ["A", "B", "C"]
    assert a.created == "2026-11-25T10:00:00+00:00" and not a.done and a.due is None


def test_real_ids_are_unique_and_safe():
    todos = TodoList()
    ids = {todos.add(f"x{i}").id for i in range(200)}
    assert len(ids) == 200
    assert all(i.isalnum() for i in ids)


def test_id_collisions_from_the_factory_are_retried():
    ids = iter(["same", "same", "other"])
    todos = TodoList(id_factory=lambda: next(ids))
    assert todos.add("a").id == "same" and todos.add("b").id == "other"


@pytest.mark.parametrize("raw, expected", [
    ("  Buy milk  ", "Buy milk"),
    ("line1\nline2\ttab", "line1 line2 tab"),
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),  # stored verbatim; the UI keeps it inert
    ("<|im_end|>", "<|im_end|>"),
])
def test_titles_are_normalised_not_escaped(raw, expected):
    assert clean_title(raw) == expected


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", None, 42, "x" * (MAX_TITLE + 1)])
def test_bad_titles_are_rejected_with_a_message(bad):
    todos = make()
    with pytest.raises(TodoError) as info:
        todos.add(bad)
    assert str(info.value)
    assert len(todos) == 0


@pytest.mark.parametrize("due, expected", [(None, None), ("", None), ("2026-02-28", "2026-02-28"),
                                           (dt.date(2026, 1, 5), "2026-01-05")])
def test_due_dates(due, expected):
    assert clean_due(due) == expected


@pytest.mark.parametrize("bad", ["2026-02-30", "26-1-1", "tomorrow", 20260101, "2026-13-01"])
def test_bad_due_dates_are_rejected(bad):
    with pytest.raises(TodoError):
        clean_due(bad)


def test_update_title_and_due_in_place():
    todos = make()
    a = todos.add("A", due="2026-12-01")
    todos.add("B")
    todos.update(a.id, title=" A2 ")
    assert todos.get(a.id).title == "A2" and todos.get(a.id).due == "2026-12-01"
    todos.update(a.id, due=None)
    assert todos.get(a.id).due is None
    with pytest.raises(TodoError):
        todos.update(a.id, title="  ")
    assert todos.get(a.id).title == "A2"
    assert titles(todos) == ["A2", "B"]  # editing does not move it
    with pytest.raises(KeyError):
        todos.update("nope", title="x")


def test_complete_and_uncomplete():
    todos = make()
    a = todos.add("A")
    todos.set_done(a.id, True)
    assert a.done and a.completed
    todos.toggle(a.id)
    assert not a.done and a.completed is None


def test_filters_and_counts():
    todos = make()
    for name in "ABCD":
        todos.add(name, due="2026-11-20" if name == "A" else None)
    todos.set_done("id2", True)
    todos.set_done("id4", True)
    assert titles(todos, "open") == ["A", "C"]
    assert titles(todos, "done") == ["B", "D"]
    assert titles(todos, "all") == ["A", "B", "C", "D"]
    assert todos.counts() == {"all": 4, "open": 2, "done": 2}
    assert todos.counts(dt.date(2026, 11, 25))["overdue"] == 1
    assert todos.counts(dt.date(2026, 11, 20))["overdue"] == 0  # due today is not overdue
    with pytest.raises(ValueError):
        todos.visible("later")


def test_delete_and_undo_restores_position():
    todos = make()
    for name in "ABC":
        todos.add(name)
    removal = todos.delete("id2")
    assert removal.label == "Deleted “B”."
    assert titles(todos) == ["A", "C"]
    todos.add("D")
    assert [t.title for t in todos.undo()] == ["B"]
    assert titles(todos) == ["A", "B", "C", "D"]
    assert todos.undo() == []  # undo is one-shot


def test_clear_completed_and_undo():
    todos = make()
    for name in "ABCDE":
        todos.add(name)
    for i in (1, 3, 5):
        todos.set_done(f"id{i}", True)
    removal = todos.clear_completed()
    assert removal.label == "Cleared 3 completed to-dos."
    assert titles(todos) == ["B", "D"]
    todos.undo()
    assert titles(todos) == ["A", "B", "C", "D", "E"]
    todos.set_done("id1", False), todos.set_done("id3", False), todos.set_done("id5", False)
    assert todos.clear_completed() is None


def test_undo_skips_items_that_came_back_another_way():
    todos = make()
    a = todos.add("A")
    todos.delete(a.id)
    todos._items.append(a)  # e.g. re-imported
    assert todos.undo() == []
    assert len(todos) == 1


def test_records_round_trip_in_order_and_skip_damage():
    todos = make()
    for name in "ABC":
        todos.add(name, due="2026-12-0" + str(ord(name) - 64))
    todos.set_done("id2", True)
    records = todos.records()
    records.reverse()  # storage order is not list order
    records.append({"id": "bad id!", "title": "x", "pos": 9})
    records.append({"id": "ok", "title": "", "pos": 10})
    records.append("junk")
    again = TodoList.from_records(records)
    assert [t.to_dict() for t in again] == [t.to_dict() for t in todos]


def test_export_then_import_into_an_empty_list_restores_everything():
    todos = make()
    todos.add("A", due="2026-12-01")
    todos.add("B")
    todos.set_done("id2", True)
    text = todos.export_json(exported="2026-11-25T10:00:00+00:00")
    data = json.loads(text)
    assert data["format"] == "todo-assistant" and data["version"] == 1 and len(data["todos"]) == 2
    fresh = TodoList()
    report = fresh.import_json(text)
    assert report.ok and report.added == 2 and not report.errors
    assert [t.to_dict() for t in fresh] == [t.to_dict() for t in todos]
    # importing the same file again adds nothing
    again = fresh.import_json(text)
    assert again.added == 0 and again.duplicates == 2 and len(fresh) == 2
    assert "already in your list" in again.summary()


def test_import_keeps_existing_todos_and_renames_clashing_ids():
    todos = make()
    todos.add("Mine")
    report = todos.import_json(json.dumps([{"id": "id1", "title": "Theirs"}, {"title": "No id"}]))
    assert report.added == 2
    assert titles(todos) == ["Mine", "Theirs", "No id"]
    assert todos.get("id1").title == "Mine"
    assert len({t.id for t in todos}) == 3


def test_import_reports_bad_entries_and_adds_the_good_ones():
    todos = make()
    todos.add("Existing")
    entries = [{"title": "Good", "due": "2026-12-24"}, {"title": ""}, {"done": True}, "text",
               {"title": "Bad date", "due": "2026-02-31"}, {"title": "Bad done", "done": "yes"},
               {"title": "Weird id", "id": "<script>"}]
    report = todos.import_json(json.dumps({"format": "todo-assistant", "todos": entries}))
    assert report.ok
    assert report.added == 2
    assert titles(todos) == ["Existing", "Good", "Weird id"]
    assert [e.split(":")[0] for e in report.errors] == ["Entry 2", "Entry 3", "Entry 4", "Entry 5", "Entry 6"]
    assert "title is missing" in report.errors[1]
    assert "5 entries skipped" in report.summary()


@pytest.mark.parametrize("text, why", [
    ("{not json", "not valid JSON"),
    ('{"todos": 5}', "no list of to-dos"),
    ('{"format": "other-app", "todos": []}', "not a to-do export"),
    ("42", "no list of to-dos"),
    ('[{"title": ""}, {"nope": 1}]', "no entry in the file is a valid to-do"),
    (b"\xff\xfe\x00", "not UTF-8"),
])
def test_a_malformed_file_changes_nothing(text, why):
    todos = make()
    todos.add("Keep me")
    before = [t.to_dict() for t in todos]
    report = todos.import_json(text)
    assert not report.ok and why in report.fatal
    assert report.summary().startswith("Nothing was imported")
    assert [t.to_dict() for t in todos] == before


def test_import_accepts_a_bom_and_a_bare_list():
    todos = make()
    report = todos.import_json("\ufeff" + json.dumps([{"title": "X", "done": True,
                                                        "completed": "2026-11-01T00:00:00Z"}]))
    assert report.added == 1 and todos.items[0].done and todos.items[0].completed == "2026-11-01T00:00:00Z"


def test_todo_date_helpers():
    t = Todo(id="a", title="x", due="2026-11-24")
    assert t.is_overdue(dt.date(2026, 11, 25)) and not t.is_due_today(dt.date(2026, 11, 25))
    assert t.is_due_today("2026-11-24")
    t.done = True
    assert not t.is_overdue(dt.date(2026, 11, 25))


def test_search_narrows_a_filter_by_every_word_case_insensitively():
    todos = TodoList()
    a, b, c = todos.add("Call the Dentist"), todos.add("dentist bill"), todos.add("Buy milk")
    todos.set_done(b.id, True)
    assert todos.visible("all", "DENTIST") == [a, b]
    assert todos.visible("open", "dentist") == [a]
    assert todos.visible("all", "  bill   dent ") == [b]
    assert todos.visible("all", "") == todos.visible("all", "   ") == [a, b, c]
    assert todos.visible("done", "milk") == []
