"""Kernels by name: the one place WGSL sources are found, assembled and compiled.

    kernel = await load_kernel(device, "matvec", {"K": 576, ...})

Kernels are wasm-kernels/NAME.wgsl (fetched from kernels/ in the browser: device.kernel_source).
A kernel may paste in libraries with a `// #include NAME` line (dequant, coop, ...). The same text
compiles with Chrome's Tint and wgpu's naga: no kernel uses a feature whose directive they
disagree on (subgroups: Tint requires `enable subgroups;`, naga rejects it).
"""
import re
from pathlib import Path

_INCLUDE = re.compile(r"^// #include (\w+)\s*$", re.MULTILINE)


async def load_kernel(device, name, constants=None):
    """Compile wasm-kernels/NAME.wgsl, first pasting in the libraries it `// #include`s."""
    source = await device.kernel_source(name)
    while (match := _INCLUDE.search(source)):
        library = await device.kernel_source(match.group(1))
        source = source[:match.start()] + library + source[match.end():]
    return await device.kernel(name, source=source, constants=constants)


def local_kernel_dir():
    """wasm-kernels/ of a source checkout (native runs); the browser fetches kernels/ instead."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "wasm-kernels"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("wasm-kernels/ not found above " + str(here))
