# Entry point started by PyScript: install our wheels with micropip from this origin, then start the app.
import json

import pyodide_js
from js import document, location
from pyodide.http import pyfetch


def say(text, state="booting"):
    status = document.getElementById("boot-status")
    status.textContent = text
    status.dataset.state = state


async def install_wheels():
    info = await (await pyfetch("./build-info.json", cache="no-store")).json()
    await pyodide_js.loadPackage("micropip")  # from the vendored pyodide-lock.json
    import micropip
    urls = [str(location.href).rsplit("/", 1)[0] + "/" + w for w in info["wheels"]]
    await micropip.install(urls, deps=False)  # everything is pinned and local: no resolver, no index
    return info


try:
    build_info = await install_wheels()
    from todo_app.main import start
    await start(build_info)
except Exception as error:  # the shell must say what went wrong rather than hang on "Starting…"
    say(f"Could not start: {error}", "error")
    raise
