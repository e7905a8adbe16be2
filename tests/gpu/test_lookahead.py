"""Greedy decoding several tokens per submit (Model.submit_ahead / decode_ahead, pipelined by
generate.Stepper) gives exactly the one-token-per-submit tokens, in both kernel sets, also when
the CPU's pick differs from the GPU's (repetition penalty) and the in-flight batch is dropped."""
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


async def load(path, kernel_set, max_context=256):
    source = FileSource(path)
    gguf = read_gguf(source)
    model = await Model.load(await open_device(), gguf, source, max_context=max_context, kernel_set=kernel_set)
    return model, Tokenizer.from_gguf(gguf)


def run_generation(path, lookahead, sampler, kernel_set=None, n=40):
    async def run():
        model, tokenizer = await load(path, kernel_set)
        model.lookahead = lookahead
        out = [t async for t, _ in generate(model, tokenizer, PROMPT, n, sampler, stop_ids=set())
               if t is not None]
        assert None not in model.tokens  # every placeholder of a batch in flight was filled or dropped
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


@pytest.mark.parametrize("kernel_set", ["cpu", "gpu"])
@pytest.mark.parametrize("penalty", [1.0, 1.3])
def test_lookahead_tokens_equal_step_by_step(tiny, penalty, kernel_set):
    one = run_generation(tiny, 1, Sampler(repetition_penalty=penalty), kernel_set)
    for ahead in (3, 8):  # 40 tokens: many chained batches, and one cut short by max_tokens
        got = run_generation(tiny, ahead, Sampler(repetition_penalty=penalty), kernel_set)
        assert got[0] == one[0] and len(set(one[0])) > 3
        assert got[1] == one[1]          # the cache holds the same sequence, lookahead rewound
        assert got[2] == one[2]          # and a follow-up reuses it correctly


def test_lookahead_needs_fewer_submits(tiny):
    one = run_generation(tiny, 1, Sampler())
    eight = run_generation(tiny, 8, Sampler())
    assert eight[3] < one[3]


def test_decode_ahead_chains_batches_and_rewinds(tiny):
    """submit_ahead(None, n) continues from the GPU's last pick; reset() while a batch is in
    flight keeps its picks out of the cache's ids."""
    async def run():
        model, _ = await load(tiny, "gpu", max_context=64)
        top = await model.prefill(PROMPT)
        want = []
        for _ in range(9):
            want.append(top.ids[0])
            top = await model.decode_one_token(want[-1])
        model.reset(len(PROMPT))
        first = model.submit_ahead(want[0], 4)
        second = model.submit_ahead(None, 5)
        tops = await model.ahead_tops(first) + await model.ahead_tops(second)
        picks = [t.ids[0] for t in tops]
        assert picks == want[1:] + [top.ids[0]] and model.tokens == PROMPT + want
        third = model.submit_ahead(None, 3)
        model.reset(len(PROMPT) + 2)
        await model.ahead_tops(third)
        assert model.tokens == PROMPT + want[:2]
        assert [t.ids[0] for t in await model.decode_ahead(want[2], 2)] == want[3:5]
    asyncio.run(run())


def test_dispatches_per_token_is_reported_with_lookahead(tiny):
    async def run():
        model, tokenizer = await load(tiny, None, max_context=64)
        model.lookahead = 4
        [t async for t, _ in generate(model, tokenizer, PROMPT, 6, Sampler(), stop_ids=set())]
        return model.dispatches_per_token, model.config.n_layers
    dispatches, layers = asyncio.run(run())
    assert dispatches > 5 * layers


def test_no_batch_is_decoded_past_max_tokens(tiny):
    """generate's limit: 11 tokens with 4-token batches decode 10 steps after the prompt (the
    first token comes from the prefill), not a whole extra batch in flight."""
    async def run():
        model, tokenizer = await load(tiny, "gpu", max_context=64)
        model.lookahead = 4
        steps = []
        submit = model.submit_ahead
        model.submit_ahead = lambda token, n: steps.append(n) or submit(token, n)
        out = [t async for t, _ in generate(model, tokenizer, PROMPT, 11, Sampler(), stop_ids=set())]
        return steps, out
    steps, out = asyncio.run(run())
    assert len(out) == 11 and sum(steps) == 10 and steps == [4, 4, 2]
