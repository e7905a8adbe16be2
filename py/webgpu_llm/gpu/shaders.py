"""Kernels by name: the one place WGSL sources are found, assembled and compiled.

    kernel = await load_kernel(device, "matvec", {"K": 576, ...})

Kernels are wasm-kernels/NAME.wgsl (fetched from kernels/ in the browser: device.kernel_source).
A kernel may paste in libraries with a `// #include NAME` line (dequant, coop, ...). The same text
compiles with Chrome's Tint and wgpu's naga: no kernel uses a feature whose directive they
disagree on (subgroups: Tint requires `enable subgroups;`, naga rejects it).

Overrides cannot change a type, so a few constants pick text instead of values (SOURCE_SWITCHES):
KV_F16 makes the generated `kv_type` library declare the KV cache's rows as f16 (kv_cache.py).
"""
import re
from pathlib import Path

_INCLUDE = re.compile(r"^// #include (\w+)\s*$", re.MULTILINE)


# dequant_k.wgsl's one entry point per FMT, generated here so that a kernel holds only its own
# format's code: every include is inlined at each call site, and unused format code doubled
# compile times on lavapipe. Kernels for other formats get a stub that is never called.
K_FORMAT_ENTRY = {6: "dequant_q5(g)", 12: "dequant_k45(g, false)", 13: "dequant_k45(g, true)",
                  14: "dequant_q6k(g)"}
_DEQUANT_K = "fn dequant_k(g: u32) -> array<vec4<f32>, 8> {{\n    return {};\n}}\n"

# Constants that select source text rather than set an override (the pipeline never sees them).
SOURCE_SWITCHES = {"KV_F16"}
# The KV cache's element, four values of a row: `// #include kv_type` must be a kernel's first line
# (`enable f16;` has to precede every declaration). Reads widen to f32: accumulation stays f32.
_KV_TYPE = {False: "alias kv4 = vec4<f32>;\n", True: "enable f16;\nalias kv4 = vec4<f16>;\n"}


async def _library(device, name, constants):
    if name == "kv_type":
        return _KV_TYPE[bool((constants or {}).get("KV_F16"))]
    if name != "dequant_k":
        return await device.kernel_source(name)
    entry = K_FORMAT_ENTRY.get((constants or {}).get("FMT"))
    if entry is None:
        return _DEQUANT_K.format("array<vec4<f32>, 8>()")
    return await device.kernel_source(name) + _DEQUANT_K.format(entry)


async def load_kernel(device, name, constants=None):
    """Compile wasm-kernels/NAME.wgsl, first pasting in the libraries it `// #include`s."""
    source = await device.kernel_source(name)
    while (match := _INCLUDE.search(source)):
        library = await _library(device, match.group(1), constants)
        source = source[:match.start()] + library + source[match.end():]
    overrides = {k: v for k, v in (constants or {}).items() if k not in SOURCE_SWITCHES}
    return await device.kernel(name, source=source, constants=overrides or None)


def local_kernel_dir():
    """wasm-kernels/ of a source checkout (native runs); the browser fetches kernels/ instead."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "wasm-kernels"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("wasm-kernels/ not found above " + str(here))
