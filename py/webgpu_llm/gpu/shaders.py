"""WGSL sources by name, with the one place that smooths over compiler dialects.

Chrome's Tint requires `enable subgroups;` before using subgroup built-ins while naga (wgpu-py)
rejects the line; kernels write the directive and this module drops it for naga.
"""
import re
from pathlib import Path

_SUBGROUPS = re.compile(r"^\s*enable\s+subgroups\s*;\s*$", re.MULTILINE)


def prepare(source, dialect):
    """Adapt a kernel's text for the compiler: 'tint' (browsers) or 'naga' (wgpu-py)."""
    if dialect == "naga":
        source = _SUBGROUPS.sub("", source)
    return source


def uses_subgroups(source):
    return bool(_SUBGROUPS.search(source))


def local_kernel_dir():
    """wasm-kernels/ of a source checkout (native runs); the browser fetches kernels/ instead."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "wasm-kernels"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("wasm-kernels/ not found above " + str(here))
