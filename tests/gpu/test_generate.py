"""Sampling (pure Python), generation on the tiny model, and the chat CLI."""
import json

import pytest

from webgpu_llm.generate import generate, stop_ids_of
from webgpu_llm.sample import TopK
from webgpu_llm.sample import Sampler, nucleus, penalize, softmax
from webgpu_llm.tokenizer import Tokenizer

from .helpers import load

TOP = TopK([10, 11, 12, 13], [5.0, 4.0, 3.9, -1.0])


def test_greedy_takes_the_first_candidate():
    assert Sampler().pick(TOP) == 10


def test_repetition_penalty_demotes_recent_tokens():
    assert Sampler(repetition_penalty=1.5).pick(TOP, history=[10]) == 11  # 5/1.5 < 4
    assert penalize([1, 2], [-2.0, -2.5], {1}, 2.0) == [(2, -2.5), (1, -4.0)]  # negatives: times
    assert Sampler(repetition_penalty=1.5, penalty_window=1).pick(TOP, history=[10, 12]) == 10


def test_seeded_sampling_is_repeatable_and_follows_temperature():
    draws = [Sampler(temperature=1.0, seed=3).pick(TOP) for _ in range(3)]
    assert len(set(draws)) == 1
    sampler = Sampler(temperature=1.0, seed=1)
    counts = {i: 0 for i in TOP.ids}
    for _ in range(2000):
        counts[sampler.pick(TOP)] += 1
    assert counts[10] > counts[11] > counts[13] and 0.55 < counts[10] / 2000 < 0.75  # p(10) = 0.63


def test_top_k_and_top_p_cut_the_tail():
    assert {Sampler(temperature=5.0, top_k=2, seed=s).pick(TOP) for s in range(50)} == {10, 11}
    probs = softmax([5.0, 4.0, 3.9, -1.0])
    assert nucleus([10, 11, 12, 13], probs, 0.5) == ([10], probs[:1])
    assert {Sampler(temperature=1.0, top_p=0.7, seed=s).pick(TOP) for s in range(50)} == {10, 11}


def test_bad_settings_are_refused():
    for bad in [dict(temperature=-1), dict(top_k=0), dict(top_p=0), dict(repetition_penalty=0)]:
        with pytest.raises(ValueError):
            Sampler(**bad)


@pytest.fixture(scope="module")
def tiny(gpu, tiny_model_path):
    model, gguf = load(gpu, tiny_model_path, max_context=64)
    return model, Tokenizer.from_gguf(gguf)


def collect(gpu, *args, **kwargs):
    async def run():
        return [pair async for pair in generate(*args, **kwargs)]
    return gpu.run(run())


def test_generate_streams_text_of_its_tokens(gpu, tiny):
    model, tokenizer = tiny
    prompt = tokenizer.encode("the cat sat on the mat")
    pairs = collect(gpu, model, tokenizer, prompt, 20, Sampler(temperature=1.0, seed=5), stop_ids=[])
    tokens = [t for t, _ in pairs if t is not None]
    assert len(tokens) == 20 and model.pos == len(prompt) + 19
    assert "".join(piece for _, piece in pairs) == tokenizer.decode(tokens, skip_special=True)
    again = collect(gpu, model, tokenizer, prompt, 20, Sampler(temperature=1.0, seed=5), stop_ids=[])
    assert again == pairs  # same seed, same text; the cached prompt is reused, not recomputed


def test_generate_stops_at_stop_ids_and_context_end(gpu, tiny):
    model, tokenizer = tiny
    prompt = tokenizer.encode("hello")
    first = collect(gpu, model, tokenizer, prompt, 5, Sampler(), stop_ids=[])[0][0]
    assert collect(gpu, model, tokenizer, prompt, 5, Sampler(), stop_ids=[first]) == []
    assert stop_ids_of(tokenizer) == {2, 0}  # <|im_end|> (eos) and <|endoftext|>
    long = collect(gpu, model, tokenizer, prompt, 500, Sampler(), stop_ids=[])
    assert model.pos == model.max_context and len(long) == model.max_context - len(prompt) + 1


def test_cli_chat_json(tiny_model_path, capsys):
    from webgpu_llm.cli_chat import main
    assert main(["--prompt", "hi", "--model", str(tiny_model_path), "--max-tokens", "6", "--json",
                 "--temperature", "0.7", "--seed", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"text", "tokens", "ids", "prompt_tokens", "timings"}
    assert set(result["timings"]) == {"load_s", "ttft_s", "prefill_tok_s", "decode_tok_s"}
    assert 1 <= result["tokens"] <= 6 and result["prompt_tokens"] > 10
    assert len(result["ids"]) == result["tokens"] and all(0 <= i < 300 for i in result["ids"])


def test_cli_chat_ids_are_the_same_in_both_kernel_sets(tiny_model_path, capsys):
    """Greedy ids through the whole CLI (lookahead batches on the real-GPU set)."""
    from webgpu_llm.cli_chat import main
    ids = {}
    for kernel_set, kv_cache in (("cpu", "auto"), ("gpu", "f32"), ("gpu", "f16")):
        assert main(["--prompt", "hi", "--model", str(tiny_model_path), "--max-tokens", "12", "--json",
                     "--kernel-set", kernel_set, "--kv-cache", kv_cache]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["kernel_set"] == kernel_set
        assert result["kv_cache"] == {"auto": "f32", "f32": "f32", "f16": "f16"}[kv_cache]  # lavapipe: f16 yes
        ids[kernel_set, kv_cache] = result["ids"]
    assert ids["cpu", "auto"] == ids["gpu", "f32"] == ids["gpu", "f16"] and len(ids["cpu", "auto"]) > 3


def test_cli_chat_refuses_a_missing_model(tmp_path, capsys):
    from webgpu_llm.cli_chat import main
    missing = tmp_path / "none.gguf"
    with pytest.raises(SystemExit) as exited:
        main(["--prompt", "hi", "--model", str(missing)])
    assert exited.value.code == 2  # argparse's usage error
    assert f"error: model file not found: {missing}" in capsys.readouterr().err
