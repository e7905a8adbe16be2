// One thread of the CPU kernels' worker pool (site/wasm-cpu.mjs starts it): instantiate the
// kernels on the pool's shared memory, take a stack of our own, then serve programs for ever
// (cpu_main.c `worker`: it waits on the memory with atomics, never on messages).
self.onmessage = async (event) => {
  const {module, memory, id, stackTop} = event.data;
  try {
    const instance = await WebAssembly.instantiate(module, {env: {memory}});
    instance.exports.__stack_pointer.value = stackTop;
    instance.exports.worker(id);
  } catch (error) {
    self.postMessage({error: String(error && error.message || error)});
  }
};
