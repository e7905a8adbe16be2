"""Text generation as an async generator of (token id, text piece), streaming-safe.

    async for token_id, piece in generate(model, tokenizer, prompt_ids, 200, Sampler(seed=1)):
        print(piece, end="")

Pieces never split a UTF-8 character (tokenizer.StreamDecoder holds bytes back); a last pair
(None, text) carries any bytes still held at the end. Special tokens yield "" as text.
"""
from .tokenizer import StreamDecoder


def stop_ids_of(tokenizer):
    """End of turn and end of text: eos plus <|im_end|> / <|endoftext|> where the vocab has them."""
    ids = {tokenizer.eos_id} if tokenizer.eos_id is not None else set()
    for marker in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>"):
        if marker in tokenizer.vocab:
            ids.add(tokenizer.vocab[marker])
    return ids


def common_prefix(a, b):
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


async def generate(model, tokenizer, prompt_ids, max_tokens, sampler, stop_ids=None):
    """Up to max_tokens tokens after prompt_ids; stops at a stop id (not yielded) or a full context.
    The KV cache is reused for the part of the prompt it already holds (multi-turn chats)."""
    stop = set(stop_ids) if stop_ids is not None else stop_ids_of(tokenizer)
    prompt_ids = list(prompt_ids)
    cached = min(common_prefix(model.tokens, prompt_ids), len(prompt_ids) - 1)
    model.reset(cached)
    top = await model.prefill(prompt_ids[cached:])
    decoder = StreamDecoder(tokenizer, skip_special=True)
    history = list(prompt_ids)
    stepper = Stepper(model, greedy=sampler.temperature == 0, limit=max_tokens - 1)
    try:
        for produced in range(1, max_tokens + 1):
            token = sampler.pick(top, history)
            if token in stop:
                break
            history.append(token)
            yield token, decoder.feed(token)
            if produced == max_tokens or stepper.pos >= model.max_context:
                break
            top = await stepper.next(token)
    finally:
        await stepper.settle()
    tail = decoder.flush()
    if tail:
        yield None, tail


def lookahead_tokens(model):
    """Greedy tokens decoded per submit: with the CPU-adapter kernel set (lavapipe, SwiftShader)
    the readback is cheap next to a step and smaller batches stream more smoothly, so 1; else 16
    (Deno's readback takes ~11 ms: 8 steps of 1.5 ms left the GPU waiting; 16 on an H200: 603
    against 498 tok/s). `model.lookahead`, when set, overrides (tests)."""
    fixed = getattr(model, "lookahead", None)
    return fixed if fixed is not None else (1 if model.cpu_kernels else 16)


class Stepper:
    """The TopK after each token fed: one step at a time, or from batches the GPU decodes ahead
    greedily (Model.submit_ahead). While the caller takes the GPU's picks, the next batch is
    already submitted, chained to the last pick, before the current one is awaited; where the
    caller's pick differs, the in-flight batch is dropped and the cache rewound."""

    def __init__(self, model, greedy, limit=None):
        """limit: next() will be called at most this often (no batch is decoded past it)."""
        self.model = model
        self.n = lookahead_tokens(model) if greedy else 1
        self.batch, self.base, self.k = [], 0, 0
        self.in_flight = None   # the chained batch after self.batch, submitted, not yet read
        self.limit, self.calls = limit, 0

    @property
    def pos(self):
        """Tokens in the cache that belong to the sequence (lookahead beyond it excluded)."""
        return self.base + self.k + 1 if self.batch else self.model.pos

    def _room(self):
        """Steps for the next batch: up to the limit (and the context). Its first step serves this
        call, or with a batch in hand the call after that batch's last step."""
        first = self.calls + (len(self.batch) - self.k if self.batch else 0)
        wanted = self.n if self.limit is None else self.limit - first + 1
        return min(self.n, wanted, self.model.max_context - self.model.pos)

    async def next(self, token):
        self.calls += 1
        if self.batch and self.batch[self.k].ids[0] == token:
            if self.k + 1 < len(self.batch):
                self.k += 1
                return self.batch[self.k]
            if self.in_flight is not None:  # the chained batch continues the sequence
                return await self._take(self.in_flight)
        await self.settle()
        if self.n == 1:
            return await self.model.decode_one_token(token)
        return await self._take(self.model.submit_ahead(token, max(1, self._room())))

    async def _take(self, batch):
        """Chain the next batch behind `batch` (if the limit and the context leave room), then
        read `batch`."""
        model = self.model
        self.base, self.k, self.batch = batch.base, 0, [None] * batch.n
        room = self._room()
        self.in_flight = model.submit_ahead(None, room) if room > 0 else None
        self.batch = await model.ahead_tops(batch)
        return self.batch[0]

    async def settle(self):
        """Drop what the GPU decoded ahead that the sequence did not take."""
        if self.batch:
            self.model.reset(self.base + self.k + 1)
            self.batch = []
        if self.in_flight is not None:
            batch, self.in_flight = self.in_flight, None
            await self.model.ahead_tops(batch)  # its readback buffer is free again
