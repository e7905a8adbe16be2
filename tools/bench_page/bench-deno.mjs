// The Deno runtime of `python3 build.py bench --runtime deno` (tools/bench.py): our engine in
// Pyodide, driving Deno's navigator.gpu exactly as in a browser (webgpu_llm.gpu.browser).
// Usage: deno run -A --unstable-webgpu bench-deno.mjs PARAMS_JSON_FILE
// PARAMS: {pyodide: dir, wheels: [paths], files: [[path, where under site-packages]] (optional),
//          script: bench_deno.py path, model, kernels (file URL), prompt (JSON path), tokens, ctx,
//          bandwidth, phase, site (optional), port}. Prints one line "BENCH_RESULT {json}".
//
// With `site` (tools/bench_deno.py), Pyodide starts the way the app's does: through the app's own
// site/pyodide-boot.mjs (served with its worker, Pyodide and the wheels from `site` over
// http://127.0.0.1:PORT, since Deno's Cache API, like a browser's, keeps only http(s) URLs), which
// unpacks the wheels and restores the Pyodide memory snapshot the cold run made with
// pyodideSnapshot.save() after its load (site/pyodide-snapshot-worker.mjs, in a worker). The cold
// run first deletes any snapshot left in Deno's Cache API and the warm run deletes it after use.
// Without `site` (tools/decode_speed.py), plain loadPyodide from `pyodide` and the wheels unpacked
// into site-packages.
const params = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const now = () => performance.now() / 1000;
const SNAPSHOTS = "pyodide-snapshots-v1";  // site/pyodide-boot.mjs's cache

const TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".json": "application/json",
               ".wasm": "application/wasm"};

// The site folder over HTTP, as tools/server.py serves dist/ (files only; nothing else is asked).
function serve(root, port) {
  return Deno.serve({hostname: "127.0.0.1", port, onListen() {}}, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.split("/").includes("..")) return new Response("bad path", {status: 400});
    try {
      const body = await Deno.readFile(root + path);
      const type = TYPES[path.slice(path.lastIndexOf("."))] || "application/octet-stream";
      return new Response(body, {headers: {"Content-Type": type}});
    } catch {
      return new Response("not found", {status: 404});
    }
  });
}

let pyodide, server = null;
if (params.site) {
  server = serve(params.site, params.port);
  if (params.phase === "cold") await caches.delete(SNAPSHOTS);
  const boot = await import(`http://127.0.0.1:${params.port}/pyodide-boot.mjs`);
  pyodide = await boot.loadPyodide();
} else {
  const { loadPyodide } = await import(new URL("pyodide.mjs", "file://" + params.pyodide + "/").href);
  pyodide = await loadPyodide({ indexURL: params.pyodide + "/" });
}
const site = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
if (!params.site) {
  for (const wheel of params.wheels) {
    pyodide.unpackArchive(await Deno.readFile(wheel), "zip", { extractDir: site });
  }
}
for (const [path, where] of params.files || []) {  // modules that are in no wheel (tools/)
  pyodide.FS.mkdirTree((site + "/" + where).replace(/\/[^/]*$/, ""));
  pyodide.FS.writeFile(site + "/" + where, await Deno.readFile(path));
}
globalThis.benchParams = params;
// Count GPU readbacks (mapAsync) and the time spent waiting on them; bench_deno.py reads these.
let readbacks = 0, readbackMs = 0;
const mapAsync = GPUBuffer.prototype.mapAsync;
GPUBuffer.prototype.mapAsync = async function (...args) {
  readbacks++;
  const t = performance.now();
  try { return await mapAsync.apply(this, args); } finally { readbackMs += performance.now() - t; }
};
globalThis.benchReadbacks = () => [readbacks, readbackMs];
globalThis.benchPythonReady = now();
let out = await pyodide.runPythonAsync(await Deno.readTextFile(params.script));
if (params.site) {
  // What the app does after its first load (the engine's host asks once it is idle): make this
  // build's snapshot for the next start. Not part of any figure.
  const snapshot = {restored: globalThis.pyodideSnapshot.restored, error: globalThis.pyodideSnapshot.error};
  if (params.phase === "cold") {
    const start = now();
    snapshot.saved = await globalThis.pyodideSnapshot.save();
    snapshot.save_s = now() - start;
    snapshot.error = globalThis.pyodideSnapshot.error;
  } else {
    await caches.delete(SNAPSHOTS);  // the bench's own: leave nothing in Deno's storage
  }
  out = JSON.stringify({...JSON.parse(out), pyodide_snapshot: snapshot});
  await server.shutdown();
}
console.log("BENCH_RESULT " + out);
