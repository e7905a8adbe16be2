"""Every kernel both kernel sets compile natively (naga) also compiles in Chromium (Tint), with the
same constants: Tint's uniformity analysis is stricter than naga's, and the real-GPU set only
runs on real GPUs (Chromium here offers SwiftShader, which picks the CPU set). With the f32 KV
cache: SwiftShader has no shader-f16, so Tint refuses `enable f16;` here; the f16 variants compile
with naga on lavapipe and in Deno (tests/gpu, tools.decode_speed --runtime deno)."""
import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from tools.tiny_model import write_tiny_model
from webgpu_llm.gguf import FileSource, read_gguf
from webgpu_llm.gpu import open_device
from webgpu_llm.model import Model

ORIGIN = "https://kernels.test/"  # a routed origin: a secure context, so navigator.gpu exists

COMPILE_JS = """async (kernels) => {
    const adapter = await navigator.gpu.requestAdapter();
    const device = await adapter.requestDevice({requiredLimits: {
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
        maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage}});
    const failures = [];
    for (const [name, code, constants] of kernels) {
        const module = device.createShaderModule({code, label: name});
        const info = await module.getCompilationInfo();
        const errors = info.messages.filter(m => m.type === "error").map(m => m.message);
        try {
            await device.createComputePipelineAsync({layout: "auto", label: name,
                                                     compute: {module, entryPoint: "main", constants}});
        } catch (e) {
            errors.push(String(e.message || e));
        }
        if (errors.length) failures.push(name + ": " + errors.join("; "));
    }
    return failures;
}"""


def kernels_of_both_sets(path):
    """(name, source, constants) of every pipeline Model.load builds, CPU and real-GPU set."""
    async def run():
        device = await open_device()
        seen, compile_ = {}, device.kernel

        async def recording(name, source=None, constants=None):
            seen[(name, json.dumps(constants or {}, sort_keys=True))] = (name, source, dict(constants or {}))
            return await compile_(name, source=source, constants=constants)
        device.kernel = recording
        source = FileSource(path)
        for kernel_set in ("cpu", "gpu"):
            model = await Model.load(device, read_gguf(source), source, max_context=64, kernel_set=kernel_set,
                                     kv_cache="f32")
            model.destroy()
        return list(seen.values())
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's event loop
        return pool.submit(asyncio.run, run()).result()


def test_every_kernel_compiles_in_chromium(browser, tmp_path):
    kernels = kernels_of_both_sets(write_tiny_model(tmp_path / "tiny.gguf", seed=1))
    names = {name for name, _, _ in kernels}
    assert {"qkv_attention", "out_proj", "ffn", "ffn_down", "final_norm", "topk_wide", "matvec", "topk",
            "qkv_attention_cpu", "ffn_cpu"} <= names
    context = browser.new_context()
    page = context.new_page()
    page.route(ORIGIN + "**", lambda route: route.fulfill(status=200, content_type="text/html",
                                                         body="<!doctype html><title>kernels</title>"))
    page.goto(ORIGIN)
    failures = page.evaluate(COMPILE_JS, [[name, src, {k: float(v) for k, v in c.items()}] for name, src, c in kernels])
    context.close()
    assert failures == []
