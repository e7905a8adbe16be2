// The Deno runtime of `python3 build.py bench --runtime deno` (tools/bench.py): our engine in
// Pyodide, driving Deno's navigator.gpu exactly as in a browser (webgpu_llm.gpu.browser).
// Usage: deno run -A --unstable-webgpu bench-deno.mjs PARAMS_JSON_FILE
// PARAMS: {pyodide: dir, wheels: [paths], files: [[path, where under site-packages]] (optional),
//          script: bench_deno.py path, model, kernels (file URL), prompt (JSON path), tokens, ctx,
//          bandwidth}. Prints one line "BENCH_RESULT {json}".
const params = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const now = () => performance.now() / 1000;
const { loadPyodide } = await import(new URL("pyodide.mjs", "file://" + params.pyodide + "/").href);
const pyodide = await loadPyodide({ indexURL: params.pyodide + "/" });
const site = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
for (const wheel of params.wheels) {
  pyodide.unpackArchive(await Deno.readFile(wheel), "zip", { extractDir: site });
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
const out = await pyodide.runPythonAsync(await Deno.readTextFile(params.script));
console.log("BENCH_RESULT " + out);
