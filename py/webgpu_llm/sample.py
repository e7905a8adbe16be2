"""Choosing the next token, in Python, from the few candidates the GPU reads back (a TopK).

Candidates come most likely first, so "greedy" is the first one after penalties. Penalties and
filters only reorder or drop candidates; a token outside the top-k can never be chosen, which is
what top-k sampling means anyway (and greedy needs only the first).
"""
import math
import random
import struct
from dataclasses import dataclass


@dataclass
class TopK:
    ids: list      # most likely first
    logits: list   # raw logits of those ids


def parse_top(raw, vocab):
    """(id u32, logit f32) pairs, best first → TopK (padding slots have ids ≥ vocab)."""
    pairs = struct.unpack("<" + "If" * (len(raw) // 8), raw)
    keep = [i for i in range(0, len(pairs), 2) if pairs[i] < vocab]
    return TopK([pairs[i] for i in keep], [pairs[i + 1] for i in keep])


class Sampler:
    """temperature 0 = greedy. top_k <= the model's top_k. repetition_penalty > 1 makes tokens
    seen in the last `penalty_window` ids less likely (llama.cpp's rule: positive logits are
    divided by it, negative ones multiplied). seed makes sampling repeatable."""

    def __init__(self, temperature=0.0, top_k=40, top_p=1.0, repetition_penalty=1.0,
                 penalty_window=64, seed=None):
        if temperature < 0 or top_k < 1 or not 0 < top_p <= 1 or repetition_penalty <= 0:
            raise ValueError("need temperature >= 0, top_k >= 1, 0 < top_p <= 1, repetition_penalty > 0")
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p
        self.repetition_penalty = repetition_penalty
        self.penalty_window = penalty_window
        self.rng = random.Random(seed)

    def pick(self, top, history=()):
        """The next token id, given the TopK and the ids so far (for the repetition penalty)."""
        recent = set(history[-self.penalty_window:]) if self.penalty_window else set()
        ranked = penalize(top.ids, top.logits, recent, self.repetition_penalty)[:self.top_k]
        if self.temperature == 0:
            return ranked[0][0]
        probs = softmax([logit for _, logit in ranked], self.temperature)
        ids, probs = nucleus([i for i, _ in ranked], probs, self.top_p)
        return self.rng.choices(ids, weights=probs)[0]


def penalize(ids, logits, recent, penalty):
    """(id, logit) pairs with the penalty applied to ids in `recent`, best first (stable order)."""
    pairs = []
    for token, logit in zip(ids, logits):
        if penalty != 1.0 and token in recent:
            logit = logit / penalty if logit > 0 else logit * penalty
        pairs.append((token, logit))
    pairs.sort(key=lambda pair: -pair[1])  # stable: equal logits keep the GPU's order (lower id)
    return pairs


def softmax(logits, temperature=1.0):
    top = max(logits)
    weights = [math.exp((x - top) / temperature) for x in logits]
    total = sum(weights)
    return [w / total for w in weights]


def nucleus(ids, probs, top_p):
    """The smallest best-first prefix whose probability reaches top_p (probs sorted descending)."""
    if top_p >= 1.0:
        return ids, probs
    kept, total = 0, 0.0
    while kept < len(probs) and (kept == 0 or total < top_p):
        total += probs[kept]
        kept += 1
    return ids[:kept], probs[:kept]

