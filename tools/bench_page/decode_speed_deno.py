# The Python half of `python3 -m tools.decode_speed --runtime deno`: tools.decode_speed's figures
# for the engine in Pyodide on Deno's WebGPU (run by bench-deno.mjs; webgpu_llm and tools/ come in
# as files). Returns the result as JSON.
import json
import traceback

import js

params = js.benchParams.to_py()
result = {}


async def run():
    from tools.decode_speed import measure_model
    from webgpu_llm.gguf import read_gguf
    from webgpu_llm.gpu.browser import BrowserDevice
    from webgpu_llm.model import Model
    from webgpu_llm.weights_cache import ModelSource
    data = await js.Deno.readFile(params["model"])
    source = ModelSource(data.buffer, {"model_id": "decode-speed"})
    device = await BrowserDevice.open(kernel_base=params["kernels"])
    start = js.performance.now()
    model = await Model.load(device, read_gguf(source), source, max_context=params["ctx"],
                             kernel_set=params.get("kernel_set") or None, kv_cache=params.get("kv_cache") or "auto")
    result.update({"adapter": device.name, "runtime": "Pyodide + WebGPU in Deno", "features": sorted(device.features),
                   "load_s": round((js.performance.now() - start) / 1000, 3), "lookahead": params["lookahead"],
                   "kernel_set": "cpu" if model.cpu_kernels else "gpu", "fused": model.fused,
                   "kv_cache": model.kv.rows})
    result["runs"] = await measure_model(model, params["contexts"], params["tokens"], params["lookahead"],
                                         params["profile"])
    result["readbacks"] = list(js.benchReadbacks())  # mapAsync calls, ms waiting on them


try:
    await run()  # noqa: F704  (Pyodide's runPythonAsync allows top-level await)
    result["ok"] = True
except Exception as error:
    result["ok"] = False
    result["error"] = "".join(traceback.format_exception(error))
json.dumps(result)
