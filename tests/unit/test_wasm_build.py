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


def test_build_gives_both_variants_with_the_exports_the_backends_use(tmp_path):
    out = wasm_build.build(tmp_path)
    assert sorted(out) == ["kernels-mt.wasm", "kernels.wasm"]
    assert exports(out["kernels.wasm"]) == {"run", "zero", "__heap_base"}
    assert exports(out["kernels-mt.wasm"]) == {"run", "zero", "__heap_base", "worker", "set_threads",
                                               "workers_ready", "__stack_pointer"}


def test_output_is_deterministic(tmp_path):
    """A fresh compile (empty zig cache) gives the cached build's bytes."""
    flags = wasm_build.VARIANTS["kernels.wasm"]
    wasm_build.compile_to(tmp_path / "again.wasm", flags, tmp_path / "zig-cache")
    again = (tmp_path / "again.wasm").read_bytes()
    assert again == wasm_build.build(tmp_path / "out")["kernels.wasm"].read_bytes()
    assert str(tmp_path).encode() not in again and str(vendor.CACHE).encode() not in again  # no paths
