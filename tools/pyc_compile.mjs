// Compiles Python sources to bytecode with Pyodide's own CPython under Node (tools/pyc.py runs
// it at build time): the browser then imports our package without compiling it at each start.
// Usage: node pyc_compile.mjs PYODIDE_DIR SOURCES_JSON OUT_JSON
//   SOURCES_JSON: {"todo_app/x.py": "source", ...}; OUT_JSON: {"cache_tag", "pycs": {path: base64}}
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [pyodideDir, sourcesPath, outPath] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(pyodideDir + "/pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + "/" });
pyodide.globals.set("sources_json", readFileSync(sourcesPath, "utf8"));
const result = pyodide.runPython(`
import base64, json, os, py_compile, sys, importlib.util
pycs = {}
for name, text in json.loads(sources_json).items():
    path = "/pyc-src/" + name  # Pyodide's in-memory file system
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    cfile = importlib.util.cache_from_source(path)
    # unchecked-hash: used as is, whatever the unpacked source's mtime (PEP 552)
    py_compile.compile(path, cfile, dfile=name, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    with open(cfile, "rb") as f:
        pycs[os.path.relpath(cfile, "/pyc-src")] = base64.b64encode(f.read()).decode()
json.dumps({"cache_tag": sys.implementation.cache_tag, "pycs": pycs})
`);
writeFileSync(outPath, result);
