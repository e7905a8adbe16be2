"""An OpenAI-shaped chat API over the model, the same on the native and browser backends.

    engine = await Engine.load(source, progress=print)
    stream = await engine.chat.completions.create(messages=[...], stream=True, max_tokens=64)
    async for chunk in stream:
        print(chunk.choices[0].delta.content, end="")

The engine keeps the ids already in the KV cache: a follow-up turn prefills only its new tokens.
`interrupt()` (or closing the stream) stops within one token and leaves the cache consistent.
"""
import time
from dataclasses import dataclass, field

from .chat_template import ChatTemplate
from .constrain import Walker
from .generate import common_prefix, generate, stop_ids_of
from .header_cache import read_gguf_remembered
from .gpu import open_device
from .model import Model
from .sample import Sampler
from .tokenizer import Tokenizer

DEFAULT_CONTEXT = 2048


@dataclass
class Delta:
    content: str = ""
    role: str = "assistant"


@dataclass
class Choice:
    index: int = 0
    delta: Delta = field(default_factory=Delta)
    finish_reason: str | None = None  # "stop" | "length" | "abort"


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prefilled_tokens: int = 0   # prompt tokens actually computed (the rest came from the KV cache)
    trimmed_messages: int = 0   # oldest turns dropped to fit the context window
    timings: dict = field(default_factory=dict)  # ttft_s, prefill_tok_s, decode_tok_s

    @property
    def total_tokens(self):
        return self.prompt_tokens + self.completion_tokens


@dataclass
class ChatCompletionChunk:
    choices: list
    usage: Usage | None = None
    object: str = "chat.completion.chunk"


@dataclass
class Message:
    content: str
    role: str = "assistant"


@dataclass
class FinalChoice:
    message: Message
    finish_reason: str
    index: int = 0


@dataclass
class ChatCompletion:
    choices: list
    usage: Usage
    object: str = "chat.completion"


class Engine:
    def __init__(self, model, tokenizer, template):
        self.model = model
        self.tokenizer = tokenizer
        self.template = template
        self.stop_ids = stop_ids_of(tokenizer)
        self.end_id = tokenizer.vocab.get("<|im_end|>", tokenizer.eos_id)  # ends an assistant turn
        self.chat = _Chat(self)
        self._interrupted = False
        self.busy = False
        self._tries = {}   # token tries of grammar choices, kept across calls (constrain.py)

    @classmethod
    async def load(cls, source, progress=None, device=None, max_context=DEFAULT_CONTEXT, kernel_set=None):
        """source: a GGUF byte source (gguf.FileSource/BytesSource natively, the weights cache's
        source in the browser). progress(stage: str) is told what is happening. kernel_set: see
        Model.load (None: chosen by the adapter)."""
        report = progress or (lambda stage: None)
        report("reading model header")
        gguf = await read_gguf_remembered(source)  # the browser keeps the parse beside the weights
        tokenizer = Tokenizer.from_gguf(gguf)
        template = ChatTemplate.from_gguf(gguf)
        report("opening GPU")
        device = device or await open_device()
        report("uploading weights to the GPU")
        model = await Model.load(device, gguf, source, max_context=max_context, kernel_set=kernel_set,
                                 progress=report)
        report("ready")
        return cls(model, tokenizer, template)

    def interrupt(self):
        """Stop the running generation after the current token."""
        self._interrupted = True

    def reset_chat(self):
        """Forget the KV cache (a new conversation)."""
        self.model.reset(0)

    async def constrained(self, messages, grammar):
        """The assistant's reply to `messages`, following `grammar` (constrain.py): greedy, token
        masks on the GPU, forced tokens appended in one prefill. Reuses the KV cache's prefix."""
        if self.busy:
            raise RuntimeError("the engine is already generating; interrupt() it first")
        self.busy = True
        try:
            prompt = self.template.prompt_ids(messages, self.tokenizer)
            if len(prompt) >= self.model.max_context:
                raise ValueError(f"the message is too long: {len(prompt)} tokens for a context of "
                                 f"{self.model.max_context}")
            cached = min(common_prefix(self.model.tokens, prompt), len(prompt) - 1)
            self.model.reset(cached)
            if len(self._tries) > 256:
                self._tries.clear()
            walker = Walker(self.tokenizer, self._masked_step, self.end_id, self.stop_ids, self._tries)
            result = await walker.run(grammar, prompt[cached:])
            result.prefilled = len(prompt) - cached
            return result
        finally:
            self.busy = False

    async def _masked_step(self, tokens, allowed):
        return await self.model.prefill(tokens, allowed=allowed)

    # -- prompt preparation ------------------------------------------------------------------
    def fit_prompt(self, messages, max_tokens):
        """(prompt ids, max_tokens, trimmed): drop the oldest non-system turns until the prompt
        plus at least one new token fits the context; the system message always stays."""
        messages = list(messages)
        context = self.model.max_context
        trimmed = 0
        while True:
            ids = self.template.prompt_ids(messages, self.tokenizer)
            if len(ids) < context:
                return ids, min(max_tokens, context - len(ids)), trimmed
            first = 1 if messages and messages[0]["role"] == "system" else 0
            if len(messages) - first <= 1:
                raise ValueError(f"the message is too long: {len(ids)} tokens for a context of {context}")
            del messages[first]
            trimmed += 1


class _Chat:
    def __init__(self, engine):
        self.completions = _Completions(engine)


class _Completions:
    def __init__(self, engine):
        self.engine = engine

    async def create(self, messages, stream=False, temperature=0.7, top_p=0.95, top_k=40,
                     max_tokens=256, seed=None, stop=None, repetition_penalty=1.1, ignore_eos=False):
        """ignore_eos: go on past the end of the turn up to max_tokens (benchmarks: a fixed length)."""
        sampler = Sampler(temperature=temperature, top_k=top_k, top_p=top_p,
                          repetition_penalty=repetition_penalty, seed=seed)
        stop_ids = set() if ignore_eos else self.engine.stop_ids
        chunks = _stream(self.engine, messages, sampler, max_tokens, _stop_list(stop), stop_ids)
        if stream:
            return chunks
        return await _collect(chunks)


def _stop_list(stop):
    if stop is None:
        return []
    return [stop] if isinstance(stop, str) else [s for s in stop if s]


async def _collect(chunks):
    text, usage, reason = [], None, "stop"
    async for chunk in chunks:
        text.append(chunk.choices[0].delta.content)
        if chunk.choices[0].finish_reason:
            reason, usage = chunk.choices[0].finish_reason, chunk.usage
    return ChatCompletion([FinalChoice(Message("".join(text)), reason)], usage)


async def _stream(engine, messages, sampler, max_tokens, stops, stop_ids):
    """The chunk generator behind create(stream=True)."""
    if engine.busy:
        raise RuntimeError("the engine is already generating; interrupt() it first")
    engine.busy, engine._interrupted = True, False
    pieces = None
    try:
        prompt, max_tokens, trimmed = engine.fit_prompt(messages, max_tokens)
        usage = Usage(prompt_tokens=len(prompt), trimmed_messages=trimmed)
        cached_before = common_prefix(engine.model.tokens, prompt)
        clock = _Clock()
        reason, held = "length", ""  # held: text that might be the start of a stop string
        pieces = generate(engine.model, engine.tokenizer, prompt, max_tokens, sampler, stop_ids)
        async for token, piece in pieces:
            clock.token(token is not None)
            usage.completion_tokens += token is not None
            held += piece
            cut = _find_stop(held, stops)
            if cut is not None:
                held, reason = held[:cut], "stop"
                break
            emit, held = _split_safe(held, stops)
            if emit:
                yield ChatCompletionChunk([Choice(delta=Delta(emit))])
            if engine._interrupted:
                reason = "abort"
                break
        else:
            if usage.completion_tokens < max_tokens:
                reason = "stop"
        await pieces.aclose()  # settles the KV cache (drops unused lookahead)
        usage.prefilled_tokens = len(prompt) - min(cached_before, len(prompt) - 1)
        usage.timings = clock.timings(usage.prefilled_tokens, usage.completion_tokens)
        yield ChatCompletionChunk([Choice(delta=Delta(held), finish_reason=reason)], usage)
    finally:  # also when the caller closes the stream early
        if pieces is not None:
            await pieces.aclose()
        engine.busy = False


def _find_stop(text, stops):
    hits = [text.find(s) for s in stops if s in text]
    return min(hits) if hits else None


def _split_safe(text, stops):
    """(text safe to emit, text to hold back because a stop string may be starting there)."""
    keep = 0
    for s in stops:
        for n in range(min(len(s) - 1, len(text)), 0, -1):
            if text.endswith(s[:n]):
                keep = max(keep, n)
                break
    return (text[:len(text) - keep], text[len(text) - keep:]) if keep else (text, "")


class _Clock:
    """Time to first token and per-phase rates."""

    def __init__(self):
        self.start = time.perf_counter()
        self.first = None
        self.last = self.start

    def token(self, counted):
        now = time.perf_counter()
        if counted and self.first is None:
            self.first = now
        self.last = now

    def timings(self, prefilled, generated):
        first = self.first or self.last
        ttft = first - self.start
        decode_s = self.last - first
        return {"ttft_s": round(ttft, 4),
                "prefill_tok_s": round(prefilled / ttft, 2) if ttft > 0 else None,
                "decode_tok_s": round((generated - 1) / decode_s, 2) if generated > 1 and decode_s > 0 else None}
