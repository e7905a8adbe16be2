// What PyScript loads as "the interpreter" (pyscript.json's `interpreter`; PyScript's workers, the
// engine's among them, take the page's): Pyodide's own loadPyodide, started from a memory snapshot
// when this build has one (issue #13's warm load). A snapshot is Pyodide's wasm memory right after its boot with the engine's modules
// imported (pyodide-boot.json names them): restoring it skips starting CPython, importing the
// standard library and our packages, about 1.5 s of a return visit on a 2-core machine.
//
// No snapshot is shipped: the first start boots as before and, once its model is ready, the page or
// worker calls `globalThis.pyodideSnapshot.save()`, which makes one in a worker of its own
// (pyodide-snapshot-worker.mjs: a fresh Pyodide, never the running one) and keeps it in the Cache API
// ("pyodide-snapshots-v1", one entry: the current build's). A snapshot that fails to restore (another
// Pyodide build: Pyodide checks its build id) is deleted and Pyodide boots normally.
//
// Our wheels (pyodide-boot.json) are unpacked here, not by PyScript's `files`: they are fetched and
// inflated in JS (DecompressionStream) while Pyodide boots, then written into the working
// directory at once, before PyScript runs any Python (Pyodide's unpackArchive did the same in
// Python after the boot). The file system is not in the snapshot, so this happens at every start
// and modules imported later are found as before. After a restore the global `random` is
// reseeded and time zone data re-read, so no two visits share the snapshot's random state.
import {loadPyodide as loadPlain, version} from "./vendor/pyodide/pyodide.mjs";

export {version};

const CACHE = "pyodide-snapshots-v1";
const INDEX_URL = new URL("./vendor/pyodide/", import.meta.url).href;
const PLAN_URL = new URL("./pyodide-boot.json", import.meta.url).href;

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
  try {  // caches.open would create the cache: a start that finds none leaves no trace
    const hit = await caches.match(snapshotUrl(plan.key), {cacheName: CACHE});
    return hit ? {body: hit.arrayBuffer()} : null;
  } catch {  // no Cache API here (storage refused): boot without
    return null;
  }
}

async function forget(key) {
  try {
    if (await caches.has(CACHE)) await (await caches.open(CACHE)).delete(snapshotUrl(key));
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
const wheels = planned.then((plan) => Promise.all((plan ? plan.wheels : []).map(unzipUrl)));
wheels.catch(() => {});  // reported by loadPyodide

async function unzipUrl(path) {
  const response = await fetch(new URL(path, import.meta.url));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  // Without DecompressionStream (older browsers) Pyodide unpacks it, as PyScript's `files` did.
  return typeof DecompressionStream === "undefined" ? bytes : unzip(bytes, path);
}

// [{name, data}] of a zip's files (stored or deflated entries; the central directory's order).
async function unzip(bytes, what) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new Error(`${what} is not a zip file`);
  const decoder = new TextDecoder();
  const files = [];
  for (let i = 0, p = view.getUint32(end + 16, true); i < view.getUint16(end + 10, true); i++) {
    if (view.getUint32(p, true) !== 0x02014b50) throw new Error(`${what}: damaged zip directory`);
    const method = view.getUint16(p + 10, true);
    const size = view.getUint32(p + 20, true);
    const nameLength = view.getUint16(p + 28, true);
    const local = view.getUint32(p + 42, true);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLength));
    p += 46 + nameLength + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
    if (name.endsWith("/")) continue;
    if (name.startsWith("/") || name.split("/").includes("..")) throw new Error(`${what}: bad name ${name}`);
    if (method !== 0 && method !== 8) throw new Error(`${what}: ${name} uses compression ${method}`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const raw = bytes.subarray(start, start + size);
    files.push({name, data: method === 0 ? raw : inflate(raw)});
  }
  return Promise.all(files.map(async ({name, data}) => ({name, data: await data})));
}

async function inflate(raw) {
  const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Where PyScript's `files` with a "./*" target unpacked them: the working directory.
function install(pyodide, unpacked) {
  const {FS} = pyodide;
  const root = FS.cwd().replace(/\/$/, "");
  const made = new Set();
  for (const files of unpacked) {
    if (files instanceof Uint8Array) {
      pyodide.unpackArchive(files, "zip", {extractDir: root});
      continue;
    }
    for (const {name, data} of files) {
      const path = `${root}/${name}`;
      const folder = path.slice(0, path.lastIndexOf("/"));
      if (!made.has(folder)) {
        FS.mkdirTree(folder);
        made.add(folder);
      }
      FS.writeFile(path, data);
    }
  }
}

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
  let pyodide = null;
  if (found) {
    try {
      pyodide = await loadPlain({...options_, _loadSnapshot: found.body});
      pyodide.runPython(AFTER_RESTORE);
      state.restored = true;
    } catch (error) {  // e.g. a snapshot of another Pyodide build: drop it, boot normally
      pyodide = null;
      state.error = String(error && error.message || error);
      console.warn("Pyodide snapshot not used:", state.error);
      await forget(plan.key);
    }
  }
  pyodide ??= await loadPlain(options_);
  install(pyodide, await wheels);
  return pyodide;
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
