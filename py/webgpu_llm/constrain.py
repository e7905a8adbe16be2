"""Constrained decoding: the model's reply follows a small grammar, valid by construction.

A grammar is a tree of two kinds of nodes:

    Choice(name, [Option(text, value, next), ...])   exactly one of these texts, then its `next`
    Free(name, end="\\n", max_tokens=32, next=...)    free text up to `end` (None: the end of the reply)

`next` is the node that follows (None: the reply ends there, with the end-of-turn token). A Choice
with one option is forced text. Each Choice becomes a trie of its options' token ids, so a choice
among titles costs one model step per point where the titles differ, not one per token:

  * where only one token is allowed, it is appended without asking the model (jump-forward); such
    forced tokens wait in `pending` and go in with the next step's prefill, in one batch;
  * where several are allowed, the model is run with a token mask on the GPU (`model.prefill(...,
    allowed=ids)`), so its best *allowed* token is found even when it is far from the top-k.

Options' texts are tokenized one by one; write them so that they start at a pre-tokenizer boundary
(" word", "\\nkey:", a digit) and the ids equal those of the whole text.
"""
from dataclasses import dataclass, field


@dataclass
class Option:
    text: str
    value: object = None     # what `values[name]` becomes when this option is taken (default: text)
    next: object = None      # the node that follows; None: the end of the reply


@dataclass
class Choice:
    name: str | None
    options: list


@dataclass
class Free:
    name: str
    end: str | None = "\n"   # ends the text (not part of the value); None: only the end of the reply
    max_tokens: int = 32
    next: object = None


def literal(text, next=None):
    return Choice(None, [Option(text, None, next)])


@dataclass
class Decision:
    name: str | None         # the Choice being decided (None for a literal's inner branch)
    allowed: int             # how many tokens were allowed
    ranked: list             # [(token id, logit)] best first, only allowed tokens
    options: dict = field(default_factory=dict)  # option value -> logit of its first token (when
                                                 # the decision is between whole options)


@dataclass
class Constrained:
    text: str                # the reply, exactly as generated (without the end-of-turn token)
    ids: list                # its token ids
    values: dict             # Choice/Free name -> chosen value / free text (stripped)
    decisions: list          # the points where the model chose among several tokens
    model_steps: int = 0     # forward passes run (forced tokens ride along in these)
    prefilled: int = 0       # prompt tokens computed (the rest came from the KV cache)


def _value(option):
    """What `values[name]` becomes when this option is taken."""
    return option.text if option.value is None else option.value


class _TrieNode:
    __slots__ = ("children", "ends")

    def __init__(self):
        self.children = {}   # token id -> _TrieNode
        self.ends = []       # options that end here


class GrammarError(ValueError):
    """The grammar cannot be decoded (e.g. free text right after a branch point)."""


class _Tries:
    """Token tries of a grammar's Choices, built on first use (a grammar may be large: dates)."""

    def __init__(self, tokenizer, stop_id, cache=None):
        self.tokenizer = tokenizer
        self.stop_id = stop_id
        self.cache = {} if cache is None else cache   # (kind,) id(choice) -> (choice, trie data)

    def root(self, choice):
        key = id(choice)
        if key not in self.cache:
            root = _TrieNode()
            for option in choice.options:
                node = root
                for token in self.tokenizer.encode(option.text) if option.text else []:
                    node = node.children.setdefault(token, _TrieNode())
                node.ends.append(option)
            self.cache[key] = (choice, root)
        return self.cache[key][1]

    def by_first_token(self, choice):
        """{first token id: [options]} of a Choice, from its trie (no re-tokenizing)."""
        key = ("first", id(choice))
        if key not in self.cache:
            groups = {}
            for token, child in self.root(choice).children.items():
                stack = [child]
                while stack:
                    node = stack.pop()
                    groups.setdefault(token, []).extend(node.ends)
                    stack.extend(node.children.values())
            self.cache[key] = (choice, groups)
        return self.cache[key][1]

    def firsts(self, node):
        """Tokens that can start `node` (None: the end token); raises for Free (unconstrained)."""
        if node is None:
            return {self.stop_id}
        if isinstance(node, Free):
            raise GrammarError(f"free text {node.name!r} must follow forced text, not a branch point")
        return self.allowed(self.root(node))

    def allowed(self, trie):
        tokens = set(trie.children)
        for option in trie.ends:
            tokens |= self.firsts(option.next)
        return tokens


class Walker:
    """Decodes one reply of a grammar. `step(pending, allowed)` runs the model over the pending
    tokens and returns a TopK (masked to `allowed` when given). `end_id`: the end-of-turn token."""

    def __init__(self, tokenizer, step, end_id, stop_ids=(), trie_cache=None):
        self.tokenizer = tokenizer
        self.step = step
        self.stop_id = end_id                         # what ends the reply in the grammar
        self.stop_ids = set(stop_ids) | {end_id}      # any of these ends free text
        self.tries = _Tries(tokenizer, self.stop_id, trie_cache)

    async def run(self, grammar, pending):
        self.pending, self.ids, self.values, self.decisions, self.steps = list(pending), [], {}, [], 0
        self.carry = None
        node = grammar
        while node is not None:
            node = await (self._free(node) if isinstance(node, Free) else self._choice(node))
        text = self.tokenizer.decode(self.ids, skip_special=True)
        return Constrained(text, self.ids, self.values, self.decisions, self.steps)

    def _emit(self, token):
        self.pending.append(token)
        self.ids.append(token)

    async def _ask(self, allowed=None):
        top = await self.step(self.pending, allowed)
        self.pending = []
        self.steps += 1
        return top

    async def _choice(self, choice):
        """Walk the choice's trie to one option; return the node after it."""
        trie = self.tries.root(choice)
        while True:
            if not trie.children and len(trie.ends) == 1:
                return self._take(choice, trie.ends[0])
            allowed = self.tries.allowed(trie)
            if self.carry is not None:   # the token that ended the previous choice starts this one
                token, self.carry = self.carry, None
            elif len(allowed) == 1:
                token = next(iter(allowed))
            else:
                top = await self._ask(sorted(allowed))
                token = top.ids[0]
                self._record(choice, trie, top)
            if token in trie.children:
                self._emit(token)
                trie = trie.children[token]
                continue
            option = next(o for o in trie.ends if token in self.tries.firsts(o.next))
            self.carry = token if option.next is not None else None
            return self._take(choice, option)

    def _take(self, choice, option):
        if choice.name is not None:
            self.values[choice.name] = _value(option)
        return option.next

    def _record(self, choice, trie, top):
        ranked = list(zip(top.ids, top.logits))
        options = {}
        if trie is self.tries.root(choice) and choice.name is not None:
            by_first = self.tries.by_first_token(choice)
            for token, logit in ranked:
                for option in by_first.get(token, []):
                    options[_value(option)] = logit
        self.decisions.append(Decision(choice.name, len(ranked), ranked, options))

    async def _free(self, free):
        """Greedy free text until the end of its line (`free.end`), the end of the reply or
        max_tokens. The end text is written out only when the grammar goes on after it."""
        text = ""
        for _ in range(free.max_tokens):
            top = await self._ask()
            token = top.ids[0]
            if token in self.stop_ids:
                break
            piece = self.tokenizer.decode([token])
            if free.end is not None and free.end in piece:
                before = piece[:piece.index(free.end)]
                text += before
                for t in self.tokenizer.encode(before) if before else []:
                    self._emit(t)
                break
            text += piece
            self._emit(token)
        self.values[free.name] = text.strip()
        if free.next is not None:
            for token in self.tokenizer.encode(free.end or "\n"):
                self._emit(token)
        return free.next
