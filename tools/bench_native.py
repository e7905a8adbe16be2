"""Bench step 1: our engine in CPython on wgpu-py (Engine.load from gguf.FileSource), one streamed
chat completion, then the bandwidth of the copy kernel and of the model's matrix x vector kernels."""
import time

from tools.bench_report import completion_metrics, log


async def complete_streamed(engine, messages, tokens, clock=time.perf_counter):
    """One streamed completion; the caller-side readings completion_metrics() takes."""
    pieces, first, last, usage = [], None, None, None
    start = clock()
    stream = await engine.chat.completions.create(
        messages=messages, stream=True, temperature=0, repetition_penalty=1.0, max_tokens=tokens,
        ignore_eos=True)
    async for chunk in stream:
        t = clock()
        piece = chunk.choices[0].delta.content
        if piece:
            first = first if first is not None else t
            last = t
            pieces.append(piece)
        if chunk.usage is not None:
            usage = chunk.usage
    return {"start_s": start, "first_s": first, "last_s": last, "text": "".join(pieces),
            "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "engine_timings": usage.timings, "dispatches_per_token": engine.model.dispatches_per_token}


async def run_native(model_path, messages, tokens, max_context, with_bandwidth=True, with_profile=False,
                     kernel_set=None, backend="webgpu"):
    """backend "wasm": the CPU kernels under wasmtime (one thread) instead of wgpu-py; no
    bandwidth figures there (bandwidth.py measures WGSL kernels)."""
    from tools import bandwidth
    from webgpu_llm.engine import Engine
    from webgpu_llm.gguf import FileSource
    from webgpu_llm.gpu import open_device
    start = time.perf_counter()
    device = await open_device(backend)
    with_bandwidth = with_bandwidth and backend == "webgpu"
    engine = await Engine.load(FileSource(model_path), device=device, max_context=max_context,
                               kernel_set=kernel_set)
    cold = time.perf_counter() - start
    engine.model.destroy()
    start = time.perf_counter()
    engine = await Engine.load(FileSource(model_path), device=device, max_context=max_context,
                               kernel_set=kernel_set)
    warm = time.perf_counter() - start
    log(f"native: loaded in {cold:.2f} s (again: {warm:.2f} s); generating {tokens} tokens")
    completion = await complete_streamed(engine, messages, tokens)
    run = {"runtime": "CPython + " + ("wasmtime" if backend == "wasm" else "wgpu-py"), "adapter": bandwidth.adapter_name(device),
           "load_cold_s": cold, "load_warm_s": warm, **completion_metrics(completion),
           "completion": completion, "kernel_set": "cpu" if engine.model.cpu_kernels else "gpu",
           "fused": engine.model.fused}
    if with_profile:
        from tools.kernel_profile import profile
        log("native: timing every kernel (--profile)")
        run["profile"] = await profile(engine.model)
    bw = None
    if with_bandwidth:
        log("native: measuring bandwidth")
        bw = await bandwidth.measure(device, engine.model)
    return run, bw
