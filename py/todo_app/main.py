"""The app's entry point (called by site/main.py once PyScript has unpacked our package).

Boot order: load the list from IndexedDB and show it (usable at once); only then import and build
the assistant panel (its modules are not needed for the list: issue #15, a faster start), check
WebGPU (diagnostics; without it the model runs on the CPU, and only a browser without WebAssembly
SIMD either is "unsupported") and ask the assistant client for its status.
"""
import asyncio
import inspect
import json

from js import document, performance

from .store import open_store
from .todos import TodoList
from .ui.dom import h, local_today, run_task
from .ui.todo_list import TodoView

APP = {}  # the running app's objects (todos, view, session, panel): for diagnostics and test hooks


def set_status(text, state):
    status = document.getElementById("boot-status")
    status.textContent = text
    status.dataset.state = state


async def check_webgpu():
    """The GPU self-check report; report["unsupported"] is True when there is no WebGPU at all."""
    from webgpu_llm.gpu import GPUUnavailable

    from .selfcheck import gpu_selfcheck
    try:
        return await gpu_selfcheck()
    except GPUUnavailable as error:  # no WebGPU is a normal situation, not a crash
        return {"ok": False, "unsupported": True, "error": str(error)}
    except Exception as error:
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}


# (module (func (result v128) (v128.const i32x4 0 0 0 0))): valid only where wasm SIMD is.
_SIMD_PROBE = bytes([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0,
                     253, 12] + [0] * 16 + [11])


def wasm_simd_supported():
    """Whether the CPU kernels (WebAssembly SIMD128) can run here."""
    from js import Uint8Array, WebAssembly
    from pyodide.ffi import to_js
    try:
        return bool(WebAssembly.validate(Uint8Array.new(to_js(_SIMD_PROBE))))
    except Exception:
        return False


async def start(build_info, client=None):
    """Start the app. `client`: the AssistantClient (or an awaitable of one) for the assistant panel;
    default: assistant.client.create_client()."""
    set_status(f"Python ready (build {build_info['build']}). Loading your list…", "booting")
    store, records = await open_store()
    todos = TodoList.from_records(records)
    view = TodoView(document.getElementById("todo-root"), todos, store)
    performance.mark("todo:list-shown")
    await asyncio.sleep(0)  # let the browser paint the list before the panel is built
    sync = None
    if hasattr(store, "db"):  # IndexedDB works: keep other open tabs in step
        from .ui.tab_sync import TabSync
        sync = TabSync(view, store)

    from .assistant.session import AssistantSession
    from .ui.chat_panel import ChatPanel
    from .assistant.catalog import page_base_url
    from .ui.backend_choice import BackendChoice, saved_choice
    from .ui.model_picker import ModelPicker, current_limits
    from .ui.storage_info import StorageInfo
    session = AssistantSession(None, lambda: todos.items, local_today,  # client set in start_assistant
                               apply_action=view.apply_action)
    gpu_line = h("p", {"id": "gpu-check"}, text="Checking WebGPU…")
    build_line = h("p", {"class": "muted small"}, text=f"Build {build_info['build']}.")
    storage = StorageInfo()
    backend = BackendChoice(session)
    panel = ChatPanel(document.getElementById("assistant-root"), session,
                      [gpu_line, backend.element, storage.line, build_line])
    storage.watch(session, panel.diagnostics)
    picker = ModelPicker(session, page_base_url(), build_info,
                         current_limits(lambda: gpu_line.dataset.report, saved_choice))
    panel.root.insertBefore(picker.element, panel.diagnostics)
    APP.update(todos=todos, view=view, store=store, session=session, panel=panel, build=build_info,
               sync=sync, picker=picker)

    from . import testhooks
    testhooks.install(APP)

    set_status("Checking WebGPU…", "booting")
    report = await check_webgpu()
    report["cpu_kernels"] = wasm_simd_supported()
    gpu_line.dataset.report = json.dumps(report)
    if report.get("ok"):
        gpu_line.textContent = f"WebGPU ready on {report['adapter']}: kernel check passed."
    else:
        gpu_line.textContent = (f"WebGPU unavailable: {report.get('error', 'kernel check failed')} "
                                "The assistant runs on the CPU instead.")
    run_task(start_assistant(session, report, client, build_info, picker))
    set_status("Ready.", "ready")


async def start_assistant(session, report, client=None, build_info=None, picker=None):
    """Connect the engine (without holding up the list) and show its state.

    `client`, or what create_client() returns, may be an AssistantClient or an awaitable of one
    (e.g. a worker that must boot first); while it connects the panel says "Checking…".
    """
    if report.get("unsupported") and not report.get("cpu_kernels"):
        session.set_unsupported(report.get("error", ""))
        if picker is not None:
            picker.element.hidden = True  # no model can run here
        return
    from .assistant.client import UnavailableAssistant, create_client
    try:
        client = client if client is not None else create_client(build_info)
        if inspect.isawaitable(client):
            client = await client
    except Exception as error:
        client = UnavailableAssistant(f"The assistant engine could not start: {error}")
    session.client = client
    if picker is not None:  # a few Cache API reads; it may fall back from a model deleted meanwhile
        try:
            await picker.refresh()
        except Exception as error:
            picker.error.textContent = f"The list of models could not be read: {error}"
    await session.refresh()
