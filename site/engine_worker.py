# The engine's PyScript worker: the model runs here, off the page's main thread.
# The page calls `init(base_url, model_id)` once, then `call(method, json_args)`; results come back as JSON.
import json

from boot import install_wheels

host = None


async def init(base_url, model_id):
    global host
    if host is None:
        await install_wheels(base_url)
        from todo_app.assistant.host import EngineHost
        host = EngineHost(base_url, model_id)
    return True


async def call(method, args_json):
    try:
        result = await host.handle(method, json.loads(args_json))
        return json.dumps({"ok": result})
    except Exception as error:  # the page shows the reason; the worker stays usable
        return json.dumps({"error": str(error) or type(error).__name__})


__export__ = ["init", "call"]
