"""The app's entry point (called by site/main.py once the wheels are installed)."""
import json

from js import document

from .selfcheck import gpu_selfcheck


def set_status(text, state):
    status = document.getElementById("boot-status")
    status.textContent = text
    status.dataset.state = state


async def start(build_info):
    set_status(f"Python ready (build {build_info['build']}). Checking WebGPU…", "booting")
    root = document.getElementById("assistant-root")
    try:
        report = await gpu_selfcheck()
    except Exception as error:  # no WebGPU is a normal situation, not a crash
        report = {"ok": False, "error": str(error)}
    line = document.createElement("p")
    line.id = "gpu-check"
    line.dataset.report = json.dumps(report)
    if report.get("ok"):
        line.textContent = f"WebGPU ready on {report['adapter']}: kernel check passed."
    else:
        line.textContent = f"WebGPU unavailable: {report.get('error', 'kernel check failed')}"
    root.replaceChildren(line)
    set_status("Ready.", "ready")
