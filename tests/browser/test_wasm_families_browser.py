"""Browser tier, #14 on the CPU backend: a tiny qwen2 GGUF holding every new type (Q5_0, Q5_1,
Q4_K, Q5_K, Q6_K; biases, neox rope, untied head) on the threaded kernels in Chromium (1 and 2
threads sharing one WebAssembly.Memory) gives the tokens the same kernels give natively under
wasmtime. The threaded build only runs here: wasmtime's Python binding has no shared memory."""
import json
import random
import shutil

from tools import tiny_model as tm

from .conftest import wait_booted
from .test_pwa import pwa_site, serve, site_copy  # noqa: F401
from .test_wasm_browser import PROMPT, app_page, native_wasm_greedy  # noqa: F401
from .test_engine_browser import page_run

IN_PAGE = """
import json
from webgpu_llm.weights_cache import ModelSource
from webgpu_llm.gguf import read_gguf
from webgpu_llm.generate import generate
from webgpu_llm.gpu import open_device
from webgpu_llm.model import Model
from webgpu_llm.sample import Sampler
from webgpu_llm.tokenizer import Tokenizer
buffer = await (await js.fetch("./{name}")).arrayBuffer()
source = ModelSource(buffer, {{"model_id": "qwen2-mix"}})
gguf = read_gguf(source)
out = {{}}
for threads in [1, 2]:
    device = await open_device("wasm", threads=threads)
    model = await Model.load(device, gguf, source, max_context=256)
    out[threads] = [device.threads, model.config.arch] + [
        t async for t, _ in generate(model, Tokenizer.from_gguf(gguf), {prompt}, {n}, Sampler(),
                                     stop_ids=set()) if t is not None]
    device.runtime.pool.close()
json.dumps(out)
"""


def test_qwen2_with_every_new_type_on_1_and_2_threads_gives_the_native_tokens(app_page, site_copy, serve,
                                                                               tmp_path):
    model = tmp_path / "qwen2-mix.gguf"
    tokens, types = tm.vocabulary()
    model.write_bytes(tm.gguf_bytes(tm.metadata(tokens, types, "qwen2", "mix"),
                                    tm.tensors(random.Random(5), len(tokens), "mix", "qwen2")))
    shutil.copyfile(model, site_copy / model.name)
    server = serve(site_copy)
    page = app_page.page
    page.goto(server.url + "?testhooks")
    assert wait_booted(page) == "ready"
    result = json.loads(page_run(page, IN_PAGE.format(name=model.name, prompt=PROMPT, n=20)))
    native = native_wasm_greedy(model, PROMPT, 20)
    assert result["1"][:2] == [1, "qwen2"] and result["2"][:2] == [2, "qwen2"]
    assert result["1"][2:] == native and result["2"][2:] == native
    assert len(set(native)) > 3
    assert app_page.foreign_requests(server.url) == [] and not app_page.errors
