# Entry point started by PyScript. Before Python ran, PyScript unpacked our package (with its
# bytecode) and fetched this build's build-info.json (pyscript.json's `files`; no micropip).
import json

from js import document, performance

performance.mark("todo:python-started")  # boot phases for `build.py bench --startup`


def say(text, state="booting"):
    status = document.getElementById("boot-status")
    status.textContent = text
    status.dataset.state = state


try:
    with open("build-info.json", encoding="utf-8") as file:
        build_info = json.load(file)
    performance.mark("todo:wheels-installed")  # the name the bench knows: our code is ready
    from todo_app.main import start
    await start(build_info)
except Exception as error:  # the shell must say what went wrong rather than hang on "Starting…"
    say(f"Could not start: {error}", "error")
    raise
