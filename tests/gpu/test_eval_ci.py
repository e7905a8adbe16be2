"""The eval's CI subset (cases marked "ci" in tools/eval/cases.jsonl), natively with the shipped
to-do-tuned model.

Asserts the machinery: every case gives a valid reply (a known tool; actions only of known ops, on
to-dos of the list, with ISO dates; items from the list), and a floor on the tuned model's tool
accuracy that the base model (28 % on this subset) cannot reach, so a build that shipped the base
weights or broke the tuning would fail. `python3 build.py eval` runs all cases and prints the table.
"""
import time

import pytest

from tools.eval import checks
from tools.eval.run import ANSWER_OPTIONS, run_cases

ANSWER_TOKENS = 32   # `answer` texts are not checked: keep them short here
# Time (2-core box, lavapipe, base model): 85 cases in 431 s measured while other jobs held the
# load average at ~10 (median 2.4 s a case; the first call compiles shaders). A target tool's second
# phase prefills the whole list: ~120 tokens for 5 to-dos, ~1000 for 55, hence one long-list target
# case only. Not asserted: shared machines vary too much.


@pytest.fixture(scope="module")
def engine(gpu, tuned_model_path):
    """Loaded on the GPU tier's shared device (build.py eval loads its own)."""
    from webgpu_llm.engine import Engine
    from webgpu_llm.gguf import FileSource
    return gpu.run(Engine.load(FileSource(str(tuned_model_path)), device=gpu.device))


def test_ci_subset_gives_valid_replies(gpu, engine, capsys):
    cases = checks.select_cases(checks.load_cases(), ci=True)
    start = time.perf_counter()
    results = gpu.run(run_cases(engine, cases, checks.load_lists(), {**ANSWER_OPTIONS, "max_tokens": ANSWER_TOKENS}))
    wall = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n[eval ci] {len(results)} cases in {wall:.0f} s; accuracy (reported, not asserted):")
        print(checks.format_table(checks.summarize(results)))
    broken = [(r["id"], r["problems"]) for r in results if r["problems"]]
    assert broken == []
    assert len(results) == len(cases) >= 80
    # Floors under the tuned pipeline's measured 100 % tool / 100 % all-right on this subset (a near-tie
    # may fall the other way on another adapter), far over the base model's 28 % / 14 %: shipping
    # untuned weights or breaking the pipeline or its rules (cues.py) fails here.
    overall = checks.summarize(results)["overall"]
    tool_rate, all_rate = overall["tool"][0], overall["all"][0]
    assert tool_rate >= 0.95 and all_rate >= 0.93, checks.format_table({"overall": overall})


def test_general_prompts_get_general_answers(gpu, engine):
    """Tuning must not turn every message into a tool call or a to-do (the pilot's failure): greedy
    answers to generic prompts carry neither (the whole comparison with the base: eval --general)."""
    from tools.eval import general
    prompts = general.PROMPTS[::3]
    replies = gpu.run(general.answers(engine, prompts, 32))
    bad = {p: (r, general.problems(p, r)) for p, r in zip(prompts, replies)
           if {"tool syntax", "drifts into to-dos", "empty"} & set(general.problems(p, r))}
    assert bad == {}
