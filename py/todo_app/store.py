"""IndexedDB storage for the to-dos, through pyodide.ffi (browser only).

One object store, one record per to-do (keyPath "id", with its list position in "pos"). Every
change is written in one readwrite transaction: the records that changed are put, the removed
ones deleted. `save` issues the transaction at once and returns an awaitable for its commit.
Other tabs write the same store: each put is merged, inside the transaction, with the record as
stored (per field, the later change wins: merge.merge_record), never a whole-list overwrite. A
deleted to-do's record becomes a tombstone ({"id", "deleted": ms}, merged the same way), so a tab
that still shows it cannot bring it back; tombstones older than merge.TOMBSTONE_DAYS are dropped.
"""
import asyncio

from js import Object, indexedDB
from pyodide.ffi import create_proxy, to_js

from .merge import is_expired, is_tombstone, merge_record, now_ms, tombstone

DB_NAME = "todo-assistant"
DB_VERSION = 1
STORE = "todos"


class StoreError(RuntimeError):
    pass


def _js(value):
    return to_js(value, dict_converter=Object.fromEntries)


def _error_text(target, fallback):
    error = getattr(target, "error", None)
    if error:
        return f"{getattr(error, 'name', '')}: {getattr(error, 'message', '')}".strip(": ")
    return fallback


def _wait(target, ok_events, error_events, result=lambda: None):
    """A future for the first of the given events on an IDBRequest/IDBTransaction."""
    future = asyncio.get_event_loop().create_future()
    proxies = []

    def cleanup():
        for name, proxy in proxies:
            setattr(target, "on" + name, None)
            proxy.destroy()

    def make(name, ok):
        def handler(event):
            if future.done():
                return
            try:
                if ok:
                    future.set_result(result())
                else:
                    future.set_exception(StoreError(_error_text(target, f"IndexedDB {name}")))
            finally:
                cleanup()
        proxy = create_proxy(handler)
        proxies.append((name, proxy))
        setattr(target, "on" + name, proxy)

    for name in ok_events:
        make(name, True)
    for name in error_events:
        make(name, False)
    return future


class TodoStore:
    def __init__(self, db):
        self.db = db
        self._queued = {}      # id -> each record (a dict) as of the last transaction issued
        self._rewrite = False  # a transaction failed: the next one rewrites the whole store
        self._deleted = {}     # id -> ms of its deletion, until its tombstone is committed

    @classmethod
    async def open(cls):
        if not indexedDB:
            raise StoreError("this browser offers no IndexedDB")
        request = indexedDB.open(DB_NAME, DB_VERSION)

        def upgrade(event):
            db = request.result
            if not db.objectStoreNames.contains(STORE):
                db.createObjectStore(STORE, _js({"keyPath": "id"}))

        upgrade_proxy = create_proxy(upgrade)
        request.onupgradeneeded = upgrade_proxy
        try:
            db = await _wait(request, ["success"], ["error", "blocked"], lambda: request.result)
        finally:
            request.onupgradeneeded = None
            upgrade_proxy.destroy()
        return cls(db)

    async def load(self):
        """All stored to-dos, sorted by position (plain dicts); tombstones are left out (and
        expired ones deleted)."""
        tx = self.db.transaction(STORE, "readonly")
        request = tx.objectStore(STORE).getAll()
        records = await _wait(request, ["success"], ["error"], lambda: request.result.to_py())
        records = [r for r in records if isinstance(r, dict)]
        now = now_ms()
        expired = [r["id"] for r in records if is_expired(r, now)]
        if expired:
            self._drop(expired)
        records = [r for r in records if not is_tombstone(r)]
        self._queued = {r.get("id"): r for r in records}
        return records

    def _drop(self, ids):
        """Delete these records (old tombstones); nothing waits for it."""
        tx = self.db.transaction(STORE, "readwrite")
        store = tx.objectStore(STORE)
        for todo_id in ids:
            store.delete(todo_id)

    def save(self, records):
        """Write the list (records from TodoList.records()) as one readwrite transaction.

        The transaction and its reads are issued before this returns (transactions commit in
        call order); each put follows its read, merged with what another tab stored; the returned
        awaitable completes when it has committed and raises StoreError if it failed.
        """
        # dicts compared as they are (records() makes fresh ones): 1,000 json.dumps took 15 ms
        wanted = {r["id"]: r for r in records}
        rewrite = self._rewrite
        puts = records if rewrite else [r for r in records if self._queued.get(r["id"]) != wanted[r["id"]]]
        deletes = self._note_deletions(wanted, rewrite)
        if not rewrite and not puts and not deletes:
            return _done()
        tx = self.db.transaction(STORE, "readwrite")
        merged = []  # True for each put where another tab's later change was kept
        done = _wait(tx, ["complete"], ["error", "abort"], lambda: any(merged))
        store = tx.objectStore(STORE)
        for record in puts:
            _merge_put(store, record, merged)
        for todo_id in deletes:
            _merge_put(store, tombstone(todo_id, self._deleted[todo_id]), merged)
        # No tx.commit(): the merged puts are issued from the gets' success events; the
        # transaction commits on its own once they are done.
        self._queued, self._rewrite = wanted, False
        return self._finish(done, deletes)

    def _note_deletions(self, wanted, rewrite):
        """The ids whose tombstones this save writes: those gone since the last save (stamped
        now, once), and after a failed transaction every deletion not yet committed."""
        gone = [i for i in self._queued if i not in wanted]
        for todo_id in list(self._deleted):
            if todo_id in wanted:  # back (undo) before its tombstone was committed
                del self._deleted[todo_id]
        for todo_id in gone:
            self._deleted.setdefault(todo_id, now_ms())
        return list(self._deleted) if rewrite else gone

    async def _finish(self, done, deletes):
        """True when the stored list now differs from ours (another tab's change was kept)."""
        try:
            kept_other_changes = await done
        except Exception:
            self._rewrite = True
            raise
        for todo_id in deletes:
            self._deleted.pop(todo_id, None)
        return kept_other_changes


def _merge_put(store, record, merged):
    """get + put of one record in the open transaction, merged with what another tab stored."""
    request = store.get(record["id"])

    def on_success(event):
        proxy.destroy()
        stored = request.result
        stored = stored.to_py() if stored else None
        result = merge_record(stored if isinstance(stored, dict) else None, record)
        merged.append(result != record)
        store.put(_js(result))

    proxy = create_proxy(on_success)
    request.onsuccess = proxy


async def _done():
    return False


class MemoryStore:
    """Used when IndexedDB cannot be opened: the app works, but nothing survives a reload."""

    def __init__(self, reason):
        self.reason = reason

    async def load(self):
        return []

    def save(self, records):
        return _done()


async def open_store():
    try:
        store = await TodoStore.open()
        return store, await store.load()
    except Exception as error:  # private modes, blocked storage: keep working in memory
        return MemoryStore(str(error)), []
