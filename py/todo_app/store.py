"""IndexedDB storage for the to-dos, through pyodide.ffi (browser only).

One object store, one record per to-do (keyPath "id", with its list position in "pos"). Every
change is written in one readwrite transaction: the records that changed are put, the removed
ones deleted. `save` issues the transaction at once and returns an awaitable for its commit.
Other tabs write the same store: each put is merged, inside the transaction, with the record as
stored (per field, the later change wins: todos.merge_record), never a whole-list overwrite.
"""
import asyncio
import json

from js import Object, indexedDB
from pyodide.ffi import create_proxy, to_js

from .merge import merge_record

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
        self._queued = {}      # id -> json of each record as of the last transaction issued
        self._rewrite = False  # a transaction failed: the next one rewrites the whole store

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
        """All stored records, sorted by position (plain dicts)."""
        tx = self.db.transaction(STORE, "readonly")
        request = tx.objectStore(STORE).getAll()
        records = await _wait(request, ["success"], ["error"], lambda: request.result.to_py())
        records = [r for r in records if isinstance(r, dict)]
        self._queued = {r.get("id"): json.dumps(r, sort_keys=True) for r in records}
        return records

    def save(self, records):
        """Write the list (records from TodoList.records()) as one readwrite transaction.

        The transaction and its reads are issued before this returns (transactions commit in
        call order); each put follows its read, merged with what another tab stored; the returned
        awaitable completes when it has committed and raises StoreError if it failed.
        """
        wanted = {r["id"]: json.dumps(r, sort_keys=True) for r in records}
        rewrite = self._rewrite
        puts = records if rewrite else [r for r in records if self._queued.get(r["id"]) != wanted[r["id"]]]
        deletes = [] if rewrite else [i for i in self._queued if i not in wanted]
        if not rewrite and not puts and not deletes:
            return _done()
        tx = self.db.transaction(STORE, "readwrite")
        merged = []  # True for each put where another tab's later change was kept
        done = _wait(tx, ["complete"], ["error", "abort"], lambda: any(merged))
        store = tx.objectStore(STORE)
        for record in puts:
            _merge_put(store, record, merged)
        for todo_id in deletes:
            store.delete(todo_id)
        # No tx.commit(): the merged puts are issued from the gets' success events; the
        # transaction commits on its own once they are done.
        self._queued, self._rewrite = wanted, False
        return self._finish(done)

    async def _finish(self, done):
        """True when the stored list now differs from ours (another tab's change was kept)."""
        try:
            return await done
        except Exception:
            self._rewrite = True
            raise


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
