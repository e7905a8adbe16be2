"""build.py eval --general's perplexity (tools/eval/general.py): the engine's teacher-forced NLL of
plain text equals the numpy reference's, on the tiny model; and the committed text is real prose."""
import math

import numpy as np

from reference.model import ReferenceLlama
from tools.eval import general
from webgpu_llm.engine import Engine
from webgpu_llm.gguf import FileSource

TEXTS = ["the cat sat on the mat and looked at the door", "a b c, then 1 2 3!"]


def reference_nll(path, ids_per_text):
    ref, total, count = ReferenceLlama(str(path)), 0.0, 0
    for ids in ids_per_text:
        ref.reset()
        for token, following in zip(ids, ids[1:]):
            logits = ref.forward([token]).astype(np.float64)
            top = logits.max()
            total += top + math.log(np.exp(logits - top).sum()) - logits[following]
            count += 1
    return total / count


def test_text_nll_is_the_references(gpu, tiny_model_path):
    engine = gpu.run(Engine.load(FileSource(str(tiny_model_path)), device=gpu.device, max_context=128))
    got = gpu.run(general.text_nll(engine, TEXTS))
    want = reference_nll(tiny_model_path, [engine.tokenizer.encode(t) for t in TEXTS])
    assert abs(got - want) < 1e-3 * max(1.0, want)
    assert engine.model.pos == 0          # the cache is left empty for whatever runs next
    engine.model.destroy()


def test_the_general_text_is_prose_apart_from_the_prompts():
    passages = general.passages()
    assert len(passages) >= 8 and all(len(p.split()) >= 50 for p in passages)
    assert not any(prompt.rstrip("?.") in " ".join(passages) for prompt in general.PROMPTS)
