"""webgpu_llm: a 4-bit transformer written in Python, computed by WGSL kernels on WebGPU.

Runs in CPython (wgpu-py) and in Pyodide (the browser's WebGPU via pyodide.ffi) from the same code.
"""
