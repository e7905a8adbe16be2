"""Per-field merge of one to-do as two tabs changed it (issue #15): plain Python, unit-tested.

Each to-do's storage record carries "stamps": field -> milliseconds of that field's last change
(todos.TodoList stamps them). When a tab writes a record, store.py merges it with the stored one
inside the same IndexedDB transaction, so the later change of each field wins.
"""


MERGED_FIELDS = {"title": ("title",), "due": ("due",), "done": ("done", "completed")}


def merge_record(stored, ours):
    """One to-do's storage record as two tabs changed it: per field, the later change wins
    (stamps: field -> ms); ties and unstamped fields keep ours. `stored` None: ours as is."""
    if not stored:
        return ours
    result, stamps = dict(ours), dict(ours.get("stamps") or {})
    theirs = clean_stamps(stored.get("stamps"))
    for name, keys in MERGED_FIELDS.items():
        if theirs.get(name, 0) > stamps.get(name, 0):
            for key in keys:
                result[key] = stored.get(key)
            stamps[name] = theirs[name]
    result["stamps"] = stamps
    return result


def clean_stamps(stamps):
    if not isinstance(stamps, dict):
        return {}
    return {k: v for k, v in stamps.items()
            if k in ("title", "due", "done") and isinstance(v, int) and not isinstance(v, bool)}
