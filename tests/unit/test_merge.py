"""Per-field merge of a to-do changed in two tabs (todo_app.merge) and the stamps TodoList keeps."""
from todo_app.merge import merge_record
from todo_app.todos import TodoList


def ticking():
    now = [1000]

    def clock():
        now[0] += 10
        return now[0]
    return clock


def test_each_change_stamps_only_its_field():
    todos = TodoList(stamp_clock=ticking())
    t = todos.add("Milk")
    first = dict(t.stamps)
    assert set(first) == {"title", "due", "done"}
    todos.update(t.id, due="2026-12-01")
    assert t.stamps["due"] > first["due"] and t.stamps["title"] == first["title"]
    todos.set_done(t.id, True)
    assert t.stamps["done"] > first["done"] and t.stamps["title"] == first["title"]
    record = todos.records()[0]
    assert TodoList.from_records([record]).items[0].stamps == t.stamps


def test_later_change_wins_per_field_and_never_the_whole_record():
    clock = ticking()
    tab_a = TodoList(stamp_clock=clock)
    t = tab_a.add("Report")
    tab_b = TodoList.from_records(tab_a.records(), stamp_clock=clock)
    tab_a.update(t.id, title="Annual report")     # A first
    tab_b.update(t.id, due="2026-12-03")          # B later, other field
    tab_b.set_done(t.id, True)
    tab_a.set_done(t.id, False)                   # A later still: reopened (no change, no stamp)
    stored = tab_a.records()[0]
    merged = merge_record(stored, tab_b.records()[0])
    assert (merged["title"], merged["due"], merged["done"]) == ("Annual report", "2026-12-03", True)
    merged_other_way = merge_record(tab_b.records()[0], stored)
    assert (merged_other_way["title"], merged_other_way["due"]) == ("Annual report", "2026-12-03")
    assert merged_other_way["done"] is True


def test_new_records_and_legacy_records_keep_ours():
    ours = {"id": "t1", "title": "A", "done": False, "due": None, "stamps": {"title": 5}}
    assert merge_record(None, ours) is ours
    legacy = {"id": "t1", "title": "Old", "done": True, "due": "2026-01-01"}  # stored before stamps
    merged = merge_record(legacy, ours)
    assert (merged["title"], merged["done"], merged["due"]) == ("A", False, None)
    bad = {"id": "t1", "title": "X", "stamps": {"title": "999", "done": True}}
    assert merge_record(bad, ours)["title"] == "A"


# -- deletions: tombstones ------------------------------------------------------------------------
from todo_app.merge import TOMBSTONE_DAYS, is_expired, is_tombstone, tombstone  # noqa: E402


def test_a_stale_edit_does_not_bring_a_deleted_todo_back():
    clock = ticking()
    tab_a = TodoList(stamp_clock=clock)
    t = tab_a.add("Dentist")
    tab_b = TodoList.from_records(tab_a.records(), stamp_clock=clock)
    tab_a.delete(t.id)
    stored = tombstone(t.id, clock())               # A's save
    tab_b.update(t.id, title="Dentist at 3")        # B still shows it, edits it later
    tab_b.set_done(t.id, True)
    assert merge_record(stored, tab_b.records()[0]) == stored
    assert merge_record(tab_b.records()[0], stored) == stored  # whichever side writes last


def test_an_undo_or_an_import_after_the_deletion_brings_it_back():
    clock = ticking()
    tab_a = TodoList(stamp_clock=clock)
    t = tab_a.add("Dentist")
    tab_a.delete(t.id)
    stored = tombstone(t.id, clock())
    tab_a.undo()
    assert merge_record(stored, tab_a.records()[0])["title"] == "Dentist"
    # a stale tab's edit after the undo merges per field as usual, the restore is kept
    tab_b = TodoList.from_records(tab_a.records(), stamp_clock=clock)
    tab_b.update(t.id, due="2026-12-24")
    merged = merge_record(tab_a.records()[0], tab_b.records()[0])
    assert merged["due"] == "2026-12-24" and merged["stamps"]["restored"] == t.stamps["restored"]
    # an export imported again after a deletion keeps its ids and comes back
    exported = tab_a.export_json()
    tab_c = TodoList(stamp_clock=clock)
    stored = tombstone(t.id, clock())
    assert tab_c.import_json(exported).added == 1
    assert merge_record(stored, tab_c.records()[0])["id"] == t.id
    assert not is_tombstone(merge_record(stored, tab_c.records()[0]))


def test_tombstones_later_deletion_kept_and_old_ones_expire():
    assert merge_record(tombstone("t1", 5), tombstone("t1", 9)) == tombstone("t1", 9)
    assert merge_record(tombstone("t1", 9), tombstone("t1", 5)) == tombstone("t1", 9)
    assert is_tombstone({"id": "t1", "deleted": 3}) and not is_tombstone({"id": "t1", "deleted": True})
    assert not is_tombstone({"id": "t1", "title": "A"}) and not is_tombstone(None)
    day = 86_400_000
    assert is_expired(tombstone("t1", 0), (TOMBSTONE_DAYS + 1) * day)
    assert not is_expired(tombstone("t1", 0), TOMBSTONE_DAYS * day)
    assert TodoList.from_records([tombstone("t1", 5)]).items == []  # never shown as a to-do
