"""Constrained decoding (webgpu_llm/constrain.py) with the real tokenizer and a scripted model whose
scores depend on the whole token history: every output is valid, forced tokens cost no step, and
batching forced tokens (jump-forward) decides exactly as feeding them one by one would."""
import asyncio
import datetime as dt
import random
import zlib

import pytest

from todo_app.assistant import tools
from webgpu_llm.constrain import Choice, Free, Option, Walker, literal
from webgpu_llm.sample import TopK

END = 2  # <|im_end|>


class ScriptedModel:
    """Logits are a hash of (the ids so far, the token): a deterministic stand-in for a model."""

    def __init__(self, vocab, seed=0, free_text=None):
        self.vocab, self.seed, self.history, self.steps = vocab, seed, [], 0
        self.free_text = list(free_text or [])  # ids to return, in order, for unmasked steps

    def score(self, token):
        return zlib.crc32(repr((self.seed, len(self.history), self.history[-3:], token)).encode()) / 2**32

    async def step(self, pending, allowed):
        assert pending, "a step must feed at least one token"
        self.history.extend(pending)
        self.steps += 1
        if allowed is None:
            token = self.free_text.pop(0) if self.free_text else END
            return TopK([token], [1.0])
        ranked = sorted(allowed, key=lambda t: -self.score(t))
        return TopK(ranked[:40], [self.score(t) for t in ranked[:40]])


def decode(tokenizer, grammar, model, prompt=(1, 5, 9)):
    walker = Walker(tokenizer, model.step, END, {END, 0})
    return asyncio.run(walker.run(grammar, list(prompt)))


def random_grammar(rng, depth=0):
    words = ["milk", "bread", "dentist", "Lisbon", "report", "rent", "café", "2026", "x", "a b"]
    options = []
    for text in {" " + " ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(rng.randint(2, 6))}:
        nxt = random_grammar(rng, depth + 1) if depth < 2 and rng.random() < 0.5 else None
        options.append(Option(text, text, literal("\nnext:", nxt) if nxt else None))
    return Choice(f"c{depth}", options)


def texts_of(node):
    """Every complete text a grammar of Choices can produce."""
    if node is None:
        return [""]
    return [o.text + rest for o in node.options for rest in texts_of(o.next)]


@pytest.mark.parametrize("seed", range(25))
def test_output_is_always_one_of_the_grammars_texts(smollm_tokenizer, seed):
    grammar = random_grammar(random.Random(seed))
    model = ScriptedModel(smollm_tokenizer.vocab_size, seed)
    result = decode(smollm_tokenizer, grammar, model)
    assert result.text in texts_of(grammar)
    assert result.ids == smollm_tokenizer.encode(result.text) or result.text == smollm_tokenizer.decode(result.ids)


@pytest.mark.parametrize("seed", range(10))
def test_jump_forward_decides_as_feeding_token_by_token(smollm_tokenizer, seed):
    """Reference: feed every token alone and ask the model at every position where the grammar
    allows more than one token. Same history-dependent scores → same choices."""
    grammar = random_grammar(random.Random(100 + seed))
    fast = decode(smollm_tokenizer, grammar, ScriptedModel(0, seed))
    slow_model = ScriptedModel(0, seed)

    async def one_by_one(pending, allowed):
        for token in pending[:-1]:
            slow_model.history.append(token)
        return await slow_model.step(pending[-1:], allowed)

    walker = Walker(smollm_tokenizer, one_by_one, END, {END})
    slow = asyncio.run(walker.run(grammar, [1, 5, 9]))
    assert slow.text == fast.text and slow.values == fast.values


def test_forced_text_costs_no_model_step(smollm_tokenizer):
    grammar = literal("tool: a long forced prefix that is all one path", Choice("x", [Option(" yes"), Option(" no")]))
    model = ScriptedModel(0)
    result = decode(smollm_tokenizer, grammar, model)
    assert result.model_steps == model.steps == 1          # one decision, the prefix rode along
    assert result.text in ("tool: a long forced prefix that is all one path yes",
                           "tool: a long forced prefix that is all one path no")
    assert result.decisions[0].options.keys() == {" yes", " no"}


def test_titles_that_share_a_prefix_need_a_decision_only_where_they_differ(smollm_tokenizer):
    titles = ["Buy milk", "Buy milk and eggs", "Call the dentist"]
    grammar = literal("todo:", Choice("target", [Option(f" {t}", t) for t in titles]))
    for seed in range(6):
        model = ScriptedModel(0, seed)
        result = decode(smollm_tokenizer, grammar, model)
        assert result.values["target"] in titles
        assert result.model_steps <= 3


def test_free_text_stops_at_its_end_and_the_grammar_goes_on(smollm_tokenizer):
    tok = smollm_tokenizer
    free = tok.encode(" Buy bread") + tok.encode("\n") + tok.encode("junk")
    grammar = literal("title:", Free("title", end="\n", next=literal("due:", Choice("due", [Option(" none"), Option(" today")]))))
    model = ScriptedModel(0, 1, free_text=free)
    result = decode(tok, grammar, model)
    assert result.values["title"] == "Buy bread" and result.values["due"] in (" none", " today")
    assert result.text.startswith("title: Buy bread\ndue:")


def test_the_tool_grammar_yields_valid_calls(smollm_tokenizer):
    today = dt.date(2026, 11, 30)
    for seed in range(30):
        model = ScriptedModel(0, seed, free_text=smollm_tokenizer.encode(" some words"))
        result = decode(smollm_tokenizer, tools.tool_grammar(today), model)
        tool = result.values["tool"]
        assert tool in tools.TOOLS and result.text.startswith(f"tool: {tool}")
        assert result.decisions[0].name == "tool" and set(result.decisions[0].options) == set(tools.TOOLS)
        if tool == "count":
            assert result.values["status"] in tools.STATUSES
    forced = decode(smollm_tokenizer, tools.tool_grammar(today, only="list"), ScriptedModel(0, 3))
    assert forced.values["tool"] == "list" and forced.decisions[0].name == "filter"
