# Entry point started by PyScript: install our wheels with micropip from this origin, then start the app.
from js import document, location, performance

performance.mark("todo:python-started")  # boot phases for `build.py bench --startup`

from boot import install_wheels


def say(text, state="booting"):
    status = document.getElementById("boot-status")
    status.textContent = text
    status.dataset.state = state


try:
    build_info = await install_wheels(str(location.href).split("?")[0].split("#")[0].rsplit("/", 1)[0] + "/")
    performance.mark("todo:wheels-installed")
    from todo_app.main import start
    await start(build_info)
except Exception as error:  # the shell must say what went wrong rather than hang on "Starting…"
    say(f"Could not start: {error}", "error")
    raise
