# The engine side of `python3 build.py bench` (tools/bench.py), run by PyScript on the main thread.
# Times are seconds since navigation start (performance.now()), so "ready_s" includes starting
# Pyodide and unpacking our wheels: what a visitor waits for. Query: phase=cold|warm, tokens=N,
# ctx=N, budget=S (interrupt the generation after S seconds), bandwidth=1 (WebGPU only), profile=1,
# backend=auto|webgpu|wasm (chosen as the app does), threads=N (CPU kernels; 0 = all cores).
import json
import traceback

from js import URLSearchParams, console, document, location, performance, window


def now():
    return performance.now() / 1000


def say(text, state="running"):
    console.log("[bench] " + text)
    status = document.getElementById("status")
    status.textContent = text
    status.dataset.state = state


params = URLSearchParams.new(location.search)
phase = params.get("phase") or "warm"
tokens = int(params.get("tokens") or 0)
max_context = int(params.get("ctx") or 1024)
budget = float(params.get("budget") or 0)  # seconds of generation before interrupt(); 0: none
base = str(location.href).split("?")[0].rsplit("/", 1)[0] + "/"
result = {"phase": phase, "python_started_s": now()}

try:
    from pyodide.http import pyfetch

    # The wheels are unpacked by PyScript before Python runs (pyscript-worker.json's `files`).
    info = await (await pyfetch(base + "build-info.json", cache="no-store")).json()
    result["wheels_installed_s"] = now()
    from webgpu_llm import weights_cache
    from webgpu_llm.backend_choice import choose_device_alongside, describe
    from webgpu_llm.engine import Engine
    result["imported_s"] = now()

    manifest = base + info["models"][0]
    if phase == "cold":
        say("downloading the model into the Cache API")
        start = now()
        fetched = await weights_cache.download_model(manifest)
        result["download_s"] = now() - start
        result["shards_fetched"] = len(fetched["fetched"])
    say("opening the model from the Cache API and the device")  # together, as the app does
    start = now()
    source, device, reason = await choose_device_alongside(
        weights_cache.open_model(manifest), params.get("backend") or "auto", kernel_base=base + "kernels/",
        threads=int(params.get("threads") or 0) or None)
    result["open_and_device_s"] = now() - start
    say("loading the engine")
    start = now()
    engine = await Engine.load(source, device=device, max_context=max_context)
    result["engine_load_s"] = now() - start
    result["ready_s"] = now()
    result.update(backend=describe(device)["backend"], threads=getattr(device, "threads", None),
                  backend_reason=reason)
    result["adapter"] = device.name + (" (fallback adapter)" if device.is_fallback else "")
    result["gguf_bytes"] = source.size
    if result["backend"] == "wasm":  # #13's memory goal: the kernels' whole linear memory
        result["wasm_memory_bytes"] = device.runtime.size
    result["features"] = sorted(device.features)

    if tokens:
        prompt = await (await window.fetch("./bench/prompt.json")).json()
        messages = prompt.to_py()["messages"]
        say(f"generating {tokens} tokens")
        pieces, first, last, usage, cut = [], None, None, None, False
        start = now()
        stream = await engine.chat.completions.create(
            messages=messages, stream=True, temperature=0, repetition_penalty=1.0, max_tokens=tokens,
            ignore_eos=True)
        async for chunk in stream:
            t = now()
            piece = chunk.choices[0].delta.content
            if piece:
                first = first if first is not None else t
                last = t
                pieces.append(piece)
            if chunk.usage is not None:
                usage = chunk.usage
            elif budget and not cut and t - start > budget:
                engine.interrupt()  # stops after the current token; the last chunk still comes
                cut = True
        result["completion"] = {"stopped_by_budget": cut, "budget_s": budget,
            "start_s": start, "first_s": first, "last_s": last, "text": "".join(pieces),
            "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "engine_timings": usage.timings, "dispatches_per_token": engine.model.dispatches_per_token}

    if result["backend"] == "wasm":
        result["wasm_memory_after_bytes"] = device.runtime.size
    if params.get("profile") == "1" and result["backend"] == "webgpu":
        import kernel_profile  # tools/kernel_profile.py, fetched by bench-pyscript.json
        say("timing every kernel")
        result["profile"] = await kernel_profile.profile(engine.model)
    if params.get("bandwidth") == "1" and result["backend"] == "webgpu":
        import bandwidth  # tools/bandwidth.py, fetched by bench-pyscript.json
        say("measuring bandwidth")
        result["bandwidth"] = await bandwidth.measure(device, engine.model)
    # As the app's engine worker does once its model is ready (todo_app/assistant/host.py): keep a
    # Pyodide memory snapshot for the next start (site/pyodide-boot.mjs), after every measurement.
    snapshot = getattr(window, "pyodideSnapshot", None)
    if snapshot is not None:
        result["snapshot_restored"] = bool(snapshot.restored)
        if not snapshot.restored:
            say("saving a Pyodide snapshot for the next start")
            result["snapshot_saved"] = bool(await snapshot.save())
        if snapshot.error:
            result["snapshot_error"] = str(snapshot.error)
    result["ok"] = True
    say("done", "done")
except Exception as error:  # the runner prints it; the page must not hang
    result["ok"] = False
    result["error"] = "".join(traceback.format_exception(error))
    say(f"error: {error}", "error")
window.benchResult = json.dumps(result)
