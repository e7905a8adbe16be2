"""Browser tier, the CPU backend: the wasm kernels in Chromium, with a pool of Web Workers sharing
one WebAssembly.Memory, give the tokens the same kernels give natively under wasmtime."""
import asyncio
import concurrent.futures
import json

import pytest

from tools.wasm_build import build as build_kernels
from webgpu_llm.gguf import FileSource, read_gguf
from webgpu_llm.generate import generate
from webgpu_llm.gpu import open_device
from webgpu_llm.model import Model
from webgpu_llm.sample import Sampler
from webgpu_llm.tokenizer import Tokenizer

from .conftest import RecordedPage, wait_booted
from .test_engine_browser import page_run
from .test_pwa import pwa_site, serve  # noqa: F401

PROMPT = [1, 9, 20, 77, 150, 2, 1, 33]
IN_PAGE = """
import json
from webgpu_llm import weights_cache
from webgpu_llm.gguf import read_gguf
from webgpu_llm.generate import generate
from webgpu_llm.gpu import open_device
from webgpu_llm.model import Model
from webgpu_llm.sample import Sampler
from webgpu_llm.tokenizer import Tokenizer
url = str(js.location.href).split("?")[0].rsplit("/", 1)[0] + "/models/tiny/manifest.json"
await weights_cache.download_model(url)
source = await weights_cache.open_model(url)
gguf = read_gguf(source)
out = {{}}
for threads in {threads}:
    device = await open_device("wasm", threads=threads)
    model = await Model.load(device, gguf, source, max_context=256)
    out[threads] = [device.threads, device.name] + [
        t async for t, _ in generate(model, Tokenizer.from_gguf(gguf), {prompt}, {n}, Sampler(),
                                     stop_ids=set()) if t is not None]
    device.runtime.pool.close()
json.dumps(out)
"""


def native_wasm_greedy(path, prompt, n):
    async def run():
        build_kernels()
        source = FileSource(path)
        gguf = read_gguf(source)
        model = await Model.load(await open_device("wasm"), gguf, source, max_context=256)
        return [t async for t, _ in generate(model, Tokenizer.from_gguf(gguf), prompt, n, Sampler(),
                                             stop_ids=set()) if t is not None]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's loop owns this thread
        return pool.submit(asyncio.run, run()).result()


@pytest.fixture
def app_page(browser):
    context = browser.new_context()
    yield RecordedPage(context.new_page())
    context.close()


def test_tiny_model_on_1_2_and_3_threads_gives_the_native_wasm_tokens(app_page, pwa_site, serve):
    dist, _, model_path = pwa_site
    server = serve(dist)
    page = app_page.page
    page.goto(server.url + "?testhooks")
    assert wait_booted(page) == "ready"
    result = json.loads(page_run(page, IN_PAGE.format(threads=[1, 2, 3], prompt=PROMPT, n=24)))
    native = native_wasm_greedy(model_path, PROMPT, 24)
    assert result["1"][0] == 1 and result["2"][0] == 2 and "2 threads" in result["2"][1]
    assert result["1"][2:] == native and result["2"][2:] == native and result["3"][2:] == native
    assert len(set(native)) > 3
    assert app_page.foreign_requests(server.url) == [] and not app_page.errors


def test_the_app_picks_the_cpu_over_swiftshader_and_diagnostics_can_force_webgpu(app_page, pwa_site, serve):
    """SwiftShader (a fallback adapter) is present here: the app loads the model on the CPU
    kernels and says why; Diagnostics' choice reloads it on WebGPU, and back."""
    dist, _, _ = pwa_site
    server = serve(dist)
    page = app_page.page
    page.set_default_timeout(120_000)
    page.goto(server.url)
    assert wait_booted(page) == "ready"
    page.click("#model-download")
    page.wait_for_selector("#model-state[data-state=ready]")
    line = page.locator("#backend-line")
    assert line.get_attribute("data-backend") == "wasm"
    assert "swiftshader" in line.text_content().lower() and "CPU kernels are faster" in line.text_content()
    assert "running on CPU (2 threads)" in page.text_content("#model-state-text")  # 2 cores here
    page.click("#diagnostics summary")
    page.select_option("#backend-choice", "webgpu")
    page.wait_for_selector("#backend-line[data-backend=webgpu]", state="attached")
    assert "running on the GPU (" in page.text_content("#model-state-text")
    page.reload()  # the choice is kept
    assert wait_booted(page) == "ready"
    page.wait_for_selector("#backend-line[data-backend=webgpu]", state="attached")
    assert page.input_value("#backend-choice") == "webgpu"
    page.click("#diagnostics summary")
    page.select_option("#backend-choice", "auto")
    page.wait_for_selector("#backend-line[data-backend=wasm]", state="attached")
    assert not app_page.errors, app_page.errors
