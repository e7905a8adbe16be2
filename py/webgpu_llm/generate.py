"""Text generation as an async generator of (token id, text piece), streaming-safe.

    async for token_id, piece in generate(model, tokenizer, prompt_ids, 200, Sampler(seed=1)):
        print(piece, end="")

Pieces never split a UTF-8 character (tokenizer.StreamDecoder holds bytes back); a last pair
(None, text) carries any bytes still held at the end. Special tokens yield "" as text.
"""
from .lookahead import Stepper
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
    stepper = Stepper(model, greedy=sampler.temperature == 0)
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
        stepper.settle()
    tail = decoder.flush()
    if tail:
        yield None, tail
