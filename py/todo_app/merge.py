"""Per-field merge of one to-do as two tabs changed it (issue #15): plain Python, unit-tested.

Each to-do's storage record carries "stamps": field -> milliseconds of that field's last change
(todos.TodoList stamps them). When a tab writes a record, store.py merges it with the stored one
inside the same IndexedDB transaction, so the later change of each field wins.

A deleted to-do leaves a tombstone in its place, {"id", "deleted": ms}, so a tab that still shows
it (stale) cannot bring it back by editing it: a deletion wins over every edit. Only an undo of
that deletion, or an import of the to-do, made after it (stamp "restored") brings it back.
"""
import time

MERGED_FIELDS = {"title": ("title",), "due": ("due",), "done": ("done", "completed")}
STAMPED = ("title", "due", "done", "restored")
TOMBSTONE_DAYS = 30  # tombstones older than this are dropped (a tab stale for longer is unlikely)


def now_ms():
    return int(time.time() * 1000)


def tombstone(todo_id, deleted_ms):
    return {"id": todo_id, "deleted": int(deleted_ms)}


def is_tombstone(record):
    deleted = record.get("deleted") if isinstance(record, dict) else None
    return isinstance(deleted, int) and not isinstance(deleted, bool)


def is_expired(record, now):
    return is_tombstone(record) and now - record["deleted"] > TOMBSTONE_DAYS * 86_400_000


def merge_record(stored, ours):
    """One to-do's storage record as two tabs changed it: per field, the later change wins
    (stamps: field -> ms); ties and unstamped fields keep ours. `stored` None: ours as is.
    Either side a tombstone: see merge_deletion."""
    if not stored:
        return ours
    if is_tombstone(stored) or is_tombstone(ours):
        return merge_deletion(stored, ours)
    result, stamps = dict(ours), dict(ours.get("stamps") or {})
    theirs = clean_stamps(stored.get("stamps"))
    for name, keys in MERGED_FIELDS.items():
        if theirs.get(name, 0) > stamps.get(name, 0):
            for key in keys:
                result[key] = stored.get(key)
            stamps[name] = theirs[name]
    if theirs.get("restored", 0) > stamps.get("restored", 0):
        stamps["restored"] = theirs["restored"]
    result["stamps"] = stamps
    return result


def merge_deletion(stored, ours):
    """A tombstone against a record (or another tombstone): the deletion stands unless the record
    was restored (undo, import) after it; of two deletions the later is kept."""
    if is_tombstone(stored) and is_tombstone(ours):
        return ours if ours["deleted"] >= stored["deleted"] else stored
    dead, alive = (stored, ours) if is_tombstone(stored) else (ours, stored)
    restored = clean_stamps(alive.get("stamps")).get("restored", 0)
    return alive if restored >= dead["deleted"] else dead  # a tie: the restore came after


def clean_stamps(stamps):
    if not isinstance(stamps, dict):
        return {}
    return {k: v for k, v in stamps.items()
            if k in STAMPED and isinstance(v, int) and not isinstance(v, bool)}
