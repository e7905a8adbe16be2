// The CPU backend's runtime in the browser (py/webgpu_llm/gpu/wasm_browser.py drives it).
// The kernels (dist/kernels/kernels*.wasm, compiled from wasm-kernels/*.c) live in one
// WebAssembly.Memory. With several threads it is shared: thread 0 is the caller (Python's own
// thread), the others are Web Workers (wasm-cpu-worker.mjs, same-origin files as the CSP wants)
// running the same module on the same memory; they meet at barriers made of wasm atomics, so a
// program runs without a single postMessage. Bytes move JS to JS: model weights go from the
// Cache API's ArrayBuffer straight into the memory, never through Python objects.
const PAGE = 65536;
const INITIAL_PAGES = 32;    // the kernels' data and main stack fit (tests/unit/test_wasm_build.py)
const MAX_PAGES = 32768;     // what kernels-mt.wasm declares (tools/wasm_build.py MAX_MEMORY)
const STACK = 64 * 1024;     // per worker (tools/wasm_build.py STACK)
const READY_TIMEOUT_MS = 20000;

function defaultThreads() {
  return Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
}

class Pool {
  constructor(memory, exports, heapBase, threads, workers, kernels) {
    this.kernels = kernels;    // the build in use, e.g. "kernels-mt-relaxed.wasm"
    this.memory = memory;
    this.exports = exports;
    this.heapBase = heapBase;  // the first byte the allocator may hand out (after the stacks)
    this.threads = threads;
    this.workers = workers;
  }
  size() { return this.memory.buffer.byteLength; }
  grow(bytes) {
    this.memory.grow(Math.ceil(bytes / PAGE));
    return this.size();
  }
  write(addr, bytes) { new Uint8Array(this.memory.buffer, addr, bytes.length).set(bytes); }
  read(addr, size) { return new Uint8Array(this.memory.buffer, addr, size).slice(); }
  upload(addr, arrayBuffer, offset, size) {
    new Uint8Array(this.memory.buffer, addr, size).set(new Uint8Array(arrayBuffer, offset, size));
  }
  zero(addr, size) { this.exports.zero(addr, size); }
  // Threads taking part in the next runs (1 .. this.threads); the others keep waiting.
  setThreads(n) { if (this.threads > 1) this.exports.set_threads(Math.max(1, Math.min(n, this.threads))); }
  run(program, words) { return this.exports.run(program, words); }
  close() { for (const w of this.workers) w.terminate(); }
}

function startWorker(module, memory, id, stackTop, failures) {
  const worker = new Worker(new URL("./wasm-cpu-worker.mjs", import.meta.url), {type: "module"});
  worker.onmessage = (event) => failures.push(`worker ${id}: ${event.data.error}`);
  worker.onerror = (event) => failures.push(`worker ${id}: ${event.message || "failed to start"}`);
  worker.postMessage({module, memory, id, stackTop});
  return worker;
}

async function waitReady(exports, count, failures, workers) {
  const start = performance.now();
  while (exports.workers_ready() < count) {
    if (failures.length || performance.now() - start > READY_TIMEOUT_MS) {
      for (const w of workers) w.terminate();
      throw new Error(`CPU worker threads did not start: ${failures.join("; ") || "timed out"}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

// The relaxed-SIMD build where this browser compiles it (same results, faster Q4 products),
// else the plain SIMD128 one.
async function compileKernels(kernelBase, shared) {
  const names = shared ? ["kernels-mt-relaxed.wasm", "kernels-mt.wasm"] : ["kernels-relaxed.wasm", "kernels.wasm"];
  for (const name of names) {
    const response = await fetch(kernelBase + name);
    if (!response.ok) throw new Error(`CPU kernels ${name}: HTTP ${response.status}`);
    try {
      return {name, module: await WebAssembly.compileStreaming(response)};
    } catch (error) {
      if (name === names[names.length - 1] || !(error instanceof WebAssembly.CompileError)) throw error;
    }
  }
}

// The kernels with `threads` threads (default: the core count, at most 8). Without cross-origin
// isolation (no SharedArrayBuffer) it is the single-threaded build.
export async function openPool(kernelBase, threads) {
  threads = Math.max(1, Math.floor(threads || defaultThreads()));
  if (!globalThis.crossOriginIsolated) threads = 1;
  const shared = threads > 1;
  const {name, module} = await compileKernels(kernelBase, shared);
  const memory = new WebAssembly.Memory(shared ? {initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true}
                                                : {initial: INITIAL_PAGES});
  const instance = await WebAssembly.instantiate(module, {env: {memory}});
  const exports = instance.exports;
  let heapBase = (exports.__heap_base.value + 15) & ~15;
  const stackTops = [];
  for (let i = 1; i < threads; i++) {  // a stack grows down from its top
    heapBase += STACK;
    stackTops.push(heapBase);
  }
  if (heapBase > memory.buffer.byteLength) memory.grow(Math.ceil((heapBase - memory.buffer.byteLength) / PAGE));
  const failures = [];
  const workers = stackTops.map((top, i) => startWorker(module, memory, i + 1, top, failures));
  if (shared) {
    await waitReady(exports, threads - 1, failures, workers);
    exports.set_threads(threads);
  }
  return new Pool(memory, exports, heapBase, threads, workers, name);
}
