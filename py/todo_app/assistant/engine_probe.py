"""Test-only measurements of the engine in its worker (the `engine_stats` hook, ?testhooks pages
only; the soak test and `build.py bench --soak` read them): the GPU buffers the loaded model's
device creates and how many the JS garbage collector has freed, Python's objects, the wasm
memory, the tokens in the KV cache, and how often the chat API trimmed a prompt to fit.

The count is taken where every buffer is born: the device's own `createBuffer` is shadowed by a
wrapper on that one GPUDevice object (the engine's code is not touched), and a
FinalizationRegistry reports each buffer whose JS object was collected (its GPU memory goes with
it; the engine never destroys single buffers, only the whole device).
"""
import gc

import js
import pyodide_js
from pyodide.ffi import create_proxy

_CENSUSES = []  # one per device, so a hook call is idempotent


class BufferCensus:
    def __init__(self, device):
        self.device = device
        self.created = 0
        self.collected = 0
        self.live_bytes = 0
        self._sizes = {}  # serial -> size, of the buffers not collected yet
        self._proxies = [create_proxy(self._create), create_proxy(self._collect)]
        self.registry = js.FinalizationRegistry.new(self._proxies[1])
        device.createBuffer = self._proxies[0]

    def _create(self, descriptor):
        buffer = js.GPUDevice.prototype.createBuffer.call(self.device, descriptor)
        self.created += 1
        size = int(descriptor.size)
        self._sizes[self.created] = size
        self.live_bytes += size
        self.registry.register(buffer, self.created)
        return buffer

    def _collect(self, serial):
        self.collected += 1
        self.live_bytes -= self._sizes.pop(int(serial), 0)

    def counts(self):
        return {"created": self.created, "collected": self.collected, "live": len(self._sizes),
                "live_bytes": self.live_bytes}


def census_of(device):
    """The census of this JS GPUDevice, started at the first call."""
    for census in _CENSUSES:
        if census.device == device:
            return census
    _CENSUSES.append(BufferCensus(device))
    return _CENSUSES[-1]


def count_trims(engine):
    """Count fit_prompt's trimming on this engine (a wrapper on the instance, installed once)."""
    if getattr(engine, "trims", None) is not None:
        return engine.trims
    engine.trims = {"prompts": 0, "trimmed_prompts": 0, "dropped_messages": 0}
    fit_prompt = engine.fit_prompt

    def counted(messages, max_tokens):
        ids, max_tokens, trimmed = fit_prompt(messages, max_tokens)
        engine.trims["prompts"] += 1
        engine.trims["trimmed_prompts"] += bool(trimmed)
        engine.trims["dropped_messages"] += trimmed
        return ids, max_tokens, trimmed
    engine.fit_prompt = counted
    return engine.trims


def engine_stats(engine):
    """The figures above, as a dict (a full Python garbage collection first)."""
    gc.collect()
    gpu = getattr(engine.model.device, "device", None)   # the JS GPUDevice; None on the CPU kernels
    return {"buffers": census_of(gpu).counts() if gpu is not None else None,
            "trims": count_trims(engine),
            "kv_tokens": len(engine.model.tokens),
            "python_objects": len(gc.get_objects()),
            "wasm_bytes": int(pyodide_js._module.HEAPU8.length),
            "pyodide_snapshot": snapshot_state()}


def snapshot_state():
    """Whether this worker's Pyodide was restored from a memory snapshot (site/pyodide-boot.mjs),
    and why one was not used or made, if it said; None under another interpreter module."""
    snapshot = getattr(js, "pyodideSnapshot", None)
    if snapshot is None:
        return None
    return {"restored": bool(snapshot.restored), "error": str(snapshot.error) if snapshot.error else None}
