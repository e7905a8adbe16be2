"""The CPU kernels' build: pinned toolchain, both variants, same bytes from the same sources."""
from tools import vendor, wasm_build


def test_toolchain_is_pinned_by_hash():
    version, filename, sha256 = vendor.PYPI_PINS["ziglang"]
    assert version == wasm_build.ZIG_VERSION and filename.startswith(f"ziglang-{version}-")
    assert len(sha256) == 64
    assert vendor.sha256_of(vendor.pypi_file("ziglang")) == sha256


def exports(path):
    import wasmtime
    return {e.name for e in wasmtime.Module.from_file(wasmtime.Engine(), str(path)).exports}


def test_build_gives_every_variant_with_the_exports_the_backends_use(tmp_path):
    out = wasm_build.build(tmp_path)
    assert sorted(out) == ["kernels-mt-relaxed.wasm", "kernels-mt.wasm", "kernels-relaxed.wasm", "kernels.wasm"]
    single = {"run", "zero", "__heap_base"}
    threaded = single | {"worker", "set_threads", "workers_ready", "__stack_pointer"}
    assert exports(out["kernels.wasm"]) == exports(out["kernels-relaxed.wasm"]) == single
    assert exports(out["kernels-mt.wasm"]) == exports(out["kernels-mt-relaxed.wasm"]) == threaded


def test_the_kernels_data_fits_the_memory_the_browser_pool_starts_with():
    """site/wasm-cpu.mjs creates the memory with INITIAL_PAGES: at least what each module asks."""
    import re

    import wasmtime
    pages = int(re.search(r"const INITIAL_PAGES = (\d+);", (vendor.ROOT / "site/wasm-cpu.mjs").read_text())[1])
    for path in wasm_build.build().values():
        module = wasmtime.Module.from_file(wasmtime.Engine(), str(path))
        memory = next(i.type for i in module.imports if i.name == "memory")
        assert memory.limits.min <= pages, path.name


def test_output_is_deterministic(tmp_path):
    """A fresh compile (empty zig cache) gives the cached build's bytes."""
    flags = wasm_build.VARIANTS["kernels.wasm"]
    wasm_build.compile_to(tmp_path / "again.wasm", flags, tmp_path / "zig-cache")
    again = (tmp_path / "again.wasm").read_bytes()
    assert again == wasm_build.build(tmp_path / "out")["kernels.wasm"].read_bytes()
    assert str(tmp_path).encode() not in again and str(vendor.CACHE).encode() not in again  # no paths
