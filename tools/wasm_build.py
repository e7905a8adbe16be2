"""Build the CPU kernels (wasm-kernels/*.c) into WebAssembly with the pinned Zig toolchain.

    python3 build.py wasm          -> build/wasm/kernels{,-mt}{,-relaxed}.wasm

The compiler is PyPI `ziglang` (its `zig cc` is clang with a wasm32 linker), pinned by version and
sha256 in tools/vendor.py and unpacked once into the cache. Outputs are cached by the hash of the
sources, the flags and the toolchain, so an unchanged tree never recompiles; the same inputs give
the same bytes (tests/unit/test_wasm_build.py). Variants:
  kernels.wasm           plain SIMD128, one thread (browsers without threads or relaxed SIMD)
  kernels-mt.wasm        + atomics and shared memory: the browser's worker pool (THREADS)
  kernels-relaxed.wasm   + relaxed SIMD (RELAXED): Q4 dot products in 2 instructions, not 13;
  kernels-mt-relaxed.wasm  the same results (exact integer sums). Browsers and wasmtime that
                         compile them use them; the plain ones stay beside them.
"""
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tools import vendor

ROOT = vendor.ROOT
SOURCES = ROOT / "wasm-kernels"
OUT = ROOT / "build" / "wasm"
ZIG_VERSION = vendor.PYPI_PINS["ziglang"][0]
STACK = 64 * 1024  # per thread; kernels keep at most a few KB of arrays on it
MAX_MEMORY = 2 ** 31  # shared memory must declare a maximum; 2 GiB holds a 0.5B model and its cache

COMMON = ["--target=wasm32-freestanding", "-O3", "-g0", "-Wl,--strip-debug", "-msimd128", "-mbulk-memory", "-nostdlib",
          "-Wall", "-Wextra", "-Werror", "-Wl,--no-entry", "-Wl,--import-memory",
          "-Wl,--export=__heap_base", f"-Wl,-z,stack-size={STACK}"]
THREADS = ["-matomics", "-DTHREADS", "-Wl,--shared-memory", f"-Wl,--max-memory={MAX_MEMORY}",
           "-Wl,--export=__stack_pointer"]
RELAXED = ["-mrelaxed-simd", "-DRELAXED"]  # Q4 products with relaxed SIMD's i8 x i7 dot
VARIANTS = {
    "kernels.wasm": [],
    "kernels-mt.wasm": THREADS,
    "kernels-relaxed.wasm": RELAXED,
    "kernels-mt-relaxed.wasm": THREADS + RELAXED,
}


def toolchain():
    """The directory holding the `ziglang` package, unpacked from the pinned wheel."""
    if sys.platform != "linux" or platform.machine() != "x86_64":
        raise SystemExit(f"[wasm] the pinned ziglang wheel is for linux x86_64, not {sys.platform} "
                         f"{platform.machine()}: add its pin to tools/vendor.py")
    target = vendor.CACHE / f"ziglang-{ZIG_VERSION}"
    stamp = target / ".complete"
    if not stamp.exists():
        wheel = vendor.pypi_file("ziglang")
        print(f"[wasm] unpacking ziglang {ZIG_VERSION}", flush=True)
        shutil.rmtree(target, ignore_errors=True)
        with zipfile.ZipFile(wheel) as z:
            z.extractall(target)
        (target / "ziglang" / "zig").chmod(0o755)  # zip files do not keep the executable bit
        stamp.write_text(ZIG_VERSION)
    return target


def _sources():
    return sorted(p for p in SOURCES.iterdir() if p.suffix in (".c", ".h"))


def _key(flags):
    digest = hashlib.sha256(f"zig {ZIG_VERSION}\0{' '.join(flags)}\0".encode())
    for path in _sources():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def compile_to(target, flags, zig_cache):
    """Run zig cc on every wasm-kernels/*.c with COMMON + flags into `target`."""
    zig_dir = toolchain()
    env = {**os.environ, "PYTHONPATH": str(zig_dir), "ZIG_GLOBAL_CACHE_DIR": str(zig_cache),
           "ZIG_LOCAL_CACHE_DIR": str(zig_cache)}
    sources = [p.name for p in _sources() if p.suffix == ".c"]
    subprocess.run([sys.executable, "-m", "ziglang", "cc", *COMMON, *flags, "-o", str(target), *sources],
                   cwd=SOURCES, env=env, check=True)


def compile_variant(name, flags, out_dir):
    """Compile one variant into out_dir/name (reusing the cached result of identical inputs)."""
    cached = vendor.CACHE / "wasm" / _key(COMMON + flags) / name
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial")
        compile_to(partial, flags, vendor.CACHE / "zig-cache")
        os.replace(partial, cached)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / name
    if not target.exists() or target.read_bytes() != cached.read_bytes():
        shutil.copyfile(cached, target)
    return target


def build(out_dir=OUT):
    """Both variants into out_dir; returns {file name: path}."""
    return {name: compile_variant(name, flags, Path(out_dir)) for name, flags in VARIANTS.items()}


if __name__ == "__main__":
    for path in build().values():
        print(f"[wasm] {path.relative_to(ROOT)}: {path.stat().st_size} bytes")
