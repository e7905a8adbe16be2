// PyScript keeps a package cache in IndexedDB and opens it at every start, even with no packages
// to cache; where the browser refuses IndexedDB (storage blocked for the site, some private
// modes, sandboxed frames) that open fails and PyScript never starts Python, so the list never
// came up (issue #15). This guard gives such a failing open of any database but the app's own a
// database in memory instead (PyScript caches nothing here: our packages come through `files`).
// The app's own database ("todo-assistant") is left alone: store.py sees the failure and keeps
// the list in memory with a note that changes are not saved.
// Loaded before PyScript (index.html). No HTML, no code from strings.
(function () {
  "use strict";
  if (!self.IDBFactory) return;
  const APP_DATABASE = "todo-assistant";
  const open = IDBFactory.prototype.open;

  function later(request, result) {
    setTimeout(() => {
      request.result = result;
      if (typeof request.onsuccess === "function") request.onsuccess({type: "success", target: request});
    }, 0);
    return request;
  }

  // The part of IDBDatabase PyScript's map uses: transaction(...).objectStore(...) with count,
  // clear, delete, get, getKey, getAllKeys and put, each answering through onsuccess.
  function memoryDatabase(name) {
    const stores = new Map();
    const store = (storeName) => {
      if (!stores.has(storeName)) stores.set(storeName, new Map());
      const data = stores.get(storeName);
      const answer = (value) => later({}, value);
      return {
        count: () => answer(data.size),
        clear: () => answer(data.clear()),
        delete: (key) => answer(data.delete(key) && undefined),
        get: (key) => answer(data.get(key)),
        getKey: (key) => answer(data.has(key) ? key : undefined),
        getAllKeys: () => answer([...data.keys()]),
        put: (value, key) => answer(data.set(key, value) && key),
      };
    };
    return {
      name, version: 1, objectStoreNames: {length: 1, contains: () => true},
      transaction: () => ({objectStore: store}),
      close() {},
    };
  }

  function inMemory(name, request) {
    console.warn(`IndexedDB refused "${name}": kept in memory for this page only.`);
    return later(request, memoryDatabase(name));
  }

  IDBFactory.prototype.open = function (name, ...rest) {
    if (String(name) === APP_DATABASE) return open.call(this, name, ...rest);
    let request;
    try {
      request = open.call(this, name, ...rest);
    } catch (error) {  // refused at once (SecurityError and the like)
      return inMemory(name, {});
    }
    // Refused later: the error event. This listener comes before the opener's onerror (set
    // after open() returns), so the opener gets a success with the memory database instead.
    request.addEventListener("error", (event) => {
      event.stopImmediatePropagation();
      event.preventDefault();
      inMemory(name, {onsuccess: request.onsuccess});
    }, {once: true});
    return request;
  };
})();
