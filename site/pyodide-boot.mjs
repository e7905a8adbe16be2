// What PyScript loads as "the interpreter" (pyscript.json's `interpreter`; PyScript's workers, the
// engine's among them, take the page's): Pyodide's own loadPyodide, started from a memory snapshot
// when this build has one (issue #13's warm load). A snapshot is Pyodide's wasm memory right after its boot with the engine's modules
// imported (pyodide-snapshot.json names them): restoring it skips starting CPython, importing the
// standard library and our packages, about 1.5 s of a return visit on a 2-core machine.
//
// No snapshot is shipped: the first start boots as before and, once its model is ready, the page or
// worker calls `globalThis.pyodideSnapshot.save()`, which makes one in a worker of its own
// (pyodide-snapshot-worker.mjs: a fresh Pyodide, never the running one) and keeps it in the Cache API
// ("pyodide-snapshots-v1", one entry: the current build's). A snapshot that fails to restore (another
// Pyodide build: Pyodide checks its build id) is deleted and Pyodide boots normally.
//
// The file system is not in the snapshot: PyScript still unpacks the wheels (`files`) after this
// returns, so modules imported later are found as before. After a restore the global `random` is
// reseeded and time zone data re-read, so no two visits share the snapshot's random state.
import {loadPyodide as loadPlain, version} from "./vendor/pyodide/pyodide.mjs";

export {version};

const CACHE = "pyodide-snapshots-v1";
const INDEX_URL = new URL("./vendor/pyodide/", import.meta.url).href;
const PLAN_URL = new URL("./pyodide-snapshot.json", import.meta.url).href;

const state = {restored: false, key: null, error: null, saving: null};

async function readPlan() {
  try {
    const response = await fetch(PLAN_URL);
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

function snapshotUrl(key) {
  return new URL(`./pyodide-snapshot/${key}.bin`, import.meta.url).href;
}

async function findSnapshot(plan) {
  if (!plan || !globalThis.caches) return null;
  try {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(snapshotUrl(plan.key));
    return hit ? {cache, body: hit.arrayBuffer()} : null;
  } catch {  // no Cache API here (storage refused): boot without
    return null;
  }
}

async function forget(key) {
  try {
    await (await caches.open(CACHE)).delete(snapshotUrl(key));
  } catch {}
}

const AFTER_RESTORE = `
import sys
if "random" in sys.modules:
    sys.modules["random"].seed()
if "time" in sys.modules and hasattr(sys.modules["time"], "tzset"):
    sys.modules["time"].tzset()
`;

// Started when this module is first evaluated, before PyScript asks for the interpreter: a page
// that runs the engine itself imports this module early (the bench page does), so the snapshot's
// Cache API read overlaps PyScript's own start.
const planned = readPlan();
const lookup = planned.then(findSnapshot);

export async function loadPyodide(options = {}) {
  const plan = await planned;
  state.key = plan && plan.key;
  const options_ = {...options, indexURL: INDEX_URL};
  const found = await lookup;
  globalThis.pyodideSnapshot = {
    get restored() { return state.restored; },
    get error() { return state.error; },
    save: () => save(plan),
  };
  if (found) {
    try {
      const pyodide = await loadPlain({...options_, _loadSnapshot: found.body});
      pyodide.runPython(AFTER_RESTORE);
      state.restored = true;
      return pyodide;
    } catch (error) {  // e.g. a snapshot of another Pyodide build: drop it, boot normally
      state.error = String(error && error.message || error);
      console.warn("Pyodide snapshot not used:", state.error);
      await forget(plan.key);
    }
  }
  return loadPlain(options_);
}

// Make and store this build's snapshot (once; a no-op when this start restored one). Resolves to
// true when a snapshot is stored, false when none could be made (the app works the same without).
function save(plan) {
  if (state.restored) return Promise.resolve(true);
  if (!plan || !globalThis.caches || typeof Worker === "undefined") return Promise.resolve(false);
  state.saving ??= new Promise((resolve) => {
    let worker;
    try {
      worker = new Worker(new URL("./pyodide-snapshot-worker.mjs", import.meta.url), {type: "module"});
    } catch (error) {
      state.error = String(error && error.message || error);
      resolve(false);
      return;
    }
    worker.onmessage = (event) => {
      worker.terminate();
      if (!event.data.ok) {
        state.error = event.data.error;
        console.warn("Pyodide snapshot not made:", event.data.error);
      }
      resolve(Boolean(event.data.ok));
    };
    worker.onerror = (event) => {
      worker.terminate();
      state.error = event.message || "the snapshot worker failed to start";
      resolve(false);
    };
    worker.postMessage({plan, indexURL: INDEX_URL, url: snapshotUrl(plan.key), cache: CACHE,
                        base: new URL("./", import.meta.url).href});
  });
  return state.saving;
}
