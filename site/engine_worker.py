# The engine's PyScript worker: the model runs here, off the page's main thread. Its packages
# (ours, jinja2, markupsafe) were unpacked by PyScript before Python ran (pyscript-worker.json).
# The page calls `init(base_url, model_id)` once, then `call(method, json_args)`; results come back as JSON.
import json

host = None
testhooks = False  # the page was opened with ?testhooks: `testhook` calls are served


async def init(base_url, model_id, with_testhooks=False):
    global host, testhooks
    testhooks = bool(with_testhooks)
    if host is None:
        from todo_app.assistant.host import EngineHost
        host = EngineHost(base_url, model_id)
    return True


async def call(method, args_json):
    try:
        result = await host.handle(method, json.loads(args_json))
        return json.dumps({"ok": result})
    except Exception as error:  # the page shows the reason; the worker stays usable
        return json.dumps({"error": str(error) or type(error).__name__})


async def testhook(name, args_json):
    """Test-only, refused unless the page has ?testhooks: "chat_options" (e.g. a seed for the
    replies), "lose_device" (destroy the GPU device under the loaded model), "engine_stats"
    (JSON: GPU buffers created since the first call, memory, trimming: assistant/engine_probe.py)."""
    if not testhooks:
        raise RuntimeError("test hooks are off")
    args = json.loads(args_json)
    if name == "chat_options":
        from todo_app.assistant import pipeline
        pipeline.ANSWER_OPTIONS.update(args)
    elif name == "lose_device":  # WebGPU only (the page forces it with ?backend=webgpu)
        host.engine.model.device.device.destroy()
    elif name == "engine_stats":
        from todo_app.assistant.engine_probe import engine_stats
        return json.dumps(engine_stats(host.engine))
    else:
        raise ValueError(f"unknown test hook {name!r}")
    return True


__export__ = ["init", "call", "testhook"]
