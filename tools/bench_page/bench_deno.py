# The Python half of tools/bench_page/bench-deno.mjs: load the engine in Pyodide on Deno's WebGPU,
# one completion, bandwidth; returns the result as JSON (the same fields as bench-engine.py).
import json
import traceback

import js


def now():
    return js.performance.now() / 1000


params = js.benchParams.to_py()
result = {"python_started_s": float(js.benchPythonReady)}


async def header_cache(size):
    """The app keeps the parsed GGUF header in the Cache API (weights_cache.HeaderCache) and so
    does the bench, in Deno's: the cold run starts without one and stores it, the warm run reads
    it and then deletes it (leaving nothing behind). Keyed by the model's path and size."""
    from webgpu_llm import weights_cache as W
    url = f"http://127.0.0.1:{params['port']}/bench-model/manifest.json"
    key = f"{params['model']}:{size}".encode().hex()
    manifest = {"model_id": "bench", "shards": [{"sha256": key}]}
    cache = await W.open_cache()
    stored = W.HeaderCache(cache, url, manifest)
    if params["phase"] == "cold":
        await cache.delete(stored.url)
    return stored


async def forget_header(source):
    if params["phase"] == "warm":
        await source.header_cache.cache.delete(source.header_cache.url)


async def open_model():
    """The model file and its stored header, read while the device opens: the app reads the
    Cache API the same way (weights_cache.open_model, backend_choice.choose_device_alongside)."""
    from webgpu_llm.weights_cache import ModelSource
    start = now()
    reading = js.Deno.readFile(params["model"])  # started: the header is read meanwhile, as the app does
    stored = (await header_cache(int((await js.Deno.stat(params["model"])).size))).prefetch()
    source = ModelSource((await reading).buffer, {"model_id": "bench"}, header_cache=stored)
    result["read_file_s"] = now() - start
    return source


async def run():
    from webgpu_llm.backend_choice import choose_device_alongside
    from webgpu_llm.engine import Engine
    start = now()
    source, device, _ = await choose_device_alongside(open_model(), "webgpu", kernel_base=params["kernels"])
    result["open_and_device_s"] = now() - start  # as bench-engine.py: then engine_load_s, Engine.load
    start = now()
    stages = []
    engine = await Engine.load(source, device=device, max_context=params["ctx"],
                               progress=lambda stage: stages.append((stage, now())))
    result["engine_load_s"] = now() - start
    # seconds in each stage of the load, in order (the stages Engine.load reports)
    result["engine_stages"] = [[name, round(t1 - t0, 4)] for (name, t0), (_, t1) in zip(stages, stages[1:])]
    result["ready_s"] = now()
    await forget_header(source)
    result["adapter"] = device.name + (" (fallback adapter)" if device.is_fallback else "")
    result["features"] = sorted(device.features)
    if params["tokens"]:
        prompt = json.loads(await js.Deno.readTextFile(params["prompt"]))
        pieces, first, last, usage = [], None, None, None
        rb_start = list(js.benchReadbacks())
        start = now()
        stream = await engine.chat.completions.create(
            messages=prompt["messages"], stream=True, temperature=0, repetition_penalty=1.0,
            max_tokens=params["tokens"], ignore_eos=True)
        async for chunk in stream:
            t = now()
            piece = chunk.choices[0].delta.content
            if piece:
                if first is None:
                    rb_first = list(js.benchReadbacks())
                first = first if first is not None else t
                last = t
                rb_last = list(js.benchReadbacks())
                pieces.append(piece)
            if chunk.usage is not None:
                usage = chunk.usage
        result["completion"] = {
            "start_s": start, "first_s": first, "last_s": last, "text": "".join(pieces),
            "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "engine_timings": usage.timings, "dispatches_per_token": engine.model.dispatches_per_token,
            # mapAsync calls [count, ms waiting]: call -> first token, first -> last token
            "readbacks_prefill": [b - a for a, b in zip(rb_start, rb_first)],
            "readbacks_decode": [b - a for a, b in zip(rb_first, rb_last)]}
    if params.get("profile"):
        import kernel_profile  # tools/kernel_profile.py, written in by bench-deno.mjs
        result["profile"] = await kernel_profile.profile(engine.model)
    if params.get("bandwidth"):
        import bandwidth  # tools/bandwidth.py, written in by bench-deno.mjs
        result["bandwidth"] = await bandwidth.measure(device, engine.model)


try:
    await run()  # noqa: F704  (Pyodide's runPythonAsync allows top-level await)
    result["ok"] = True
except Exception as error:
    result["ok"] = False
    result["error"] = "".join(traceback.format_exception(error))
json.dumps(result)
