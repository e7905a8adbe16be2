// Makes this build's Pyodide memory snapshot (pyodide-boot.mjs asks for it once a start is done):
// a fresh Pyodide booted for snapshotting, our wheels unpacked, the engine's modules imported
// (pyodide-boot.json), its wasm memory stored in the Cache API. A module that cannot be
// imported here is left out (it is then imported at start, as without a snapshot).
import "./trusted-types.js";  // the page's Trusted Types policy: this worker does not inherit it
import {loadPyodide} from "./vendor/pyodide/pyodide.mjs";

const IMPORT = `
import importlib, json, sys
skipped = []
for name in json.loads(MODULES):
    try:
        importlib.import_module(name)
    except Exception as error:
        skipped.append(f"{name}: {type(error).__name__}: {error}")
del importlib, json, sys
skipped
`;

self.onmessage = async (event) => {
  const {plan, indexURL, url, cache: cacheName, base} = event.data;
  try {
    const pyodide = await loadPyodide({indexURL, _makeSnapshot: true});
    for (const wheel of plan.wheels) {
      const response = await fetch(new URL(wheel, base));
      if (!response.ok) throw new Error(`${wheel}: HTTP ${response.status}`);
      pyodide.unpackArchive(await response.arrayBuffer(), "zip", {extractDir: "/home/pyodide"});
    }
    const globals = pyodide.toPy({MODULES: JSON.stringify(plan.modules)});
    const skipped = pyodide.runPython(IMPORT, {globals});
    const skippedList = skipped.toJs();
    skipped.destroy();
    globals.destroy();
    const snapshot = pyodide.makeMemorySnapshot();
    const cache = await caches.open(cacheName);
    for (const request of await cache.keys()) {  // older builds' snapshots
      if (request.url !== url) await cache.delete(request);
    }
    await cache.put(url, new Response(snapshot, {headers: {"Content-Type": "application/octet-stream"}}));
    self.postMessage({ok: true, bytes: snapshot.length, skipped: skippedList});
  } catch (error) {
    self.postMessage({ok: false, error: String(error && (error.stack || error.message) || error)});
  }
};
