"""Shared by the model tests: load a GGUF onto the test device, greedy decoding, near-ties."""
import numpy as np

from webgpu_llm.gguf import FileSource, read_gguf
from webgpu_llm.model import Model

NEAR_TIE = 0.1  # top1 - top2 logit margin under which f32 rounding may legitimately flip greedy


def load(gpu, path, **options):
    source = FileSource(path)
    gguf = read_gguf(source)
    return gpu.run(Model.load(gpu.device, gguf, source, **options)), gguf


def logits(gpu, model):
    return np.array(gpu.run(model.read_logits()), np.float32)


def gpu_greedy(gpu, model, prompt, n):
    model.reset()
    top = gpu.run(model.prefill(prompt))
    tokens = []
    for _ in range(n):
        tokens.append(top.ids[0])
        top = gpu.run(model.decode_one_token(tokens[-1]))
    return tokens


def assert_same_greedy(got, want, margins):
    """Identical until the reference meets a near-tie; after a tie-flip the texts may differ."""
    for i, (g, w, margin) in enumerate(zip(got, want, margins)):
        if g != w:
            assert margin < NEAR_TIE, f"token {i}: GPU {g} vs numpy {w}, margin {margin:.3f}"
            return i
    return len(want)
