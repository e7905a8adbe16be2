"""Greedy decoding several tokens per submit gives exactly the one-token-per-submit tokens,
also when the CPU's pick differs from the GPU's (repetition penalty) and the cache is rewound."""
import asyncio

import pytest

from tools.tiny_model import write_tiny_model
from webgpu_llm.gguf import FileSource, read_gguf
from webgpu_llm.generate import generate
from webgpu_llm.gpu import open_device
from webgpu_llm.model import Model
from webgpu_llm.sample import Sampler
from webgpu_llm.tokenizer import Tokenizer

PROMPT = [1, 9, 20, 77, 150, 2, 1, 33]


def run_generation(path, lookahead, sampler, n=40):
    async def run():
        source = FileSource(path)
        gguf = read_gguf(source)
        model = await Model.load(await open_device(), gguf, source, max_context=256)
        model.lookahead = lookahead
        tokenizer = Tokenizer.from_gguf(gguf)
        out = [t async for t, _ in generate(model, tokenizer, PROMPT, n, sampler, stop_ids=set())
               if t is not None]
        submits_before = model.device.submits
        again = [t async for t, _ in generate(model, tokenizer, PROMPT + out[:5], 6, sampler, stop_ids=set())
                 if t is not None]
        return out, model.tokens[:], again, model.device.submits - submits_before
    return asyncio.run(run())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("ahead") / "tiny.gguf"
    write_tiny_model(path, seed=5)
    return path


@pytest.mark.parametrize("penalty", [1.0, 1.3])
def test_lookahead_tokens_equal_step_by_step(tiny, penalty):
    one = run_generation(tiny, 1, Sampler(repetition_penalty=penalty))
    eight = run_generation(tiny, 8, Sampler(repetition_penalty=penalty))
    assert eight[0] == one[0] and len(set(one[0])) > 3
    assert eight[1] == one[1]          # the cache holds the same sequence, lookahead rewound
    assert eight[2] == one[2]          # and a follow-up reuses it correctly


def test_lookahead_needs_fewer_submits(tiny):
    one = run_generation(tiny, 1, Sampler())
    eight = run_generation(tiny, 8, Sampler())
    assert eight[3] < one[3]


def test_dispatches_per_token_is_reported_with_lookahead(tiny):
    async def run():
        source = FileSource(tiny)
        gguf = read_gguf(source)
        model = await Model.load(await open_device(), gguf, source, max_context=64)
        model.lookahead = 4
        tokenizer = Tokenizer.from_gguf(gguf)
        [t async for t, _ in generate(model, tokenizer, PROMPT, 6, Sampler(), stop_ids=set())]
        return model.dispatches_per_token, model.config.n_layers
    dispatches, layers = asyncio.run(run())
    assert dispatches > 5 * layers
