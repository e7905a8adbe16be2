"""The chat API on the native backend: streaming, KV-cache reuse, abort, context trimming."""
import asyncio

import pytest

from tools.tiny_model import write_tiny_model
from webgpu_llm.engine import Engine
from webgpu_llm.gguf import FileSource

LOOP = asyncio.new_event_loop()
run = LOOP.run_until_complete


@pytest.fixture(scope="module")
def tiny_engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "tiny.gguf"
    write_tiny_model(path, seed=3)
    return run(Engine.load(FileSource(path), max_context=256))


@pytest.fixture(scope="module")
def real_engine(real_model_path):
    return run(Engine.load(FileSource(real_model_path), max_context=512))


def chat(engine, messages, **options):
    async def collect():
        stream = await engine.chat.completions.create(messages=messages, stream=True, **options)
        return [chunk async for chunk in stream]
    return run(collect())


def text_of(chunks):
    return "".join(c.choices[0].delta.content for c in chunks)


def test_stream_concatenates_to_the_non_stream_text(tiny_engine):
    messages = [{"role": "user", "content": "hello there"}]
    options = dict(temperature=0.9, top_p=0.9, max_tokens=24, seed=7)
    chunks = chat(tiny_engine, messages, **options)
    whole = run(tiny_engine.chat.completions.create(messages=messages, **options))
    assert len(chunks) > 2
    assert text_of(chunks) == whole.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason in ("stop", "length")
    assert last.usage.completion_tokens == whole.usage.completion_tokens > 0
    assert last.usage.prompt_tokens == whole.usage.prompt_tokens


def test_second_turn_prefills_only_its_new_tokens(tiny_engine):
    tiny_engine.reset_chat()
    first = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "the cat"}]
    reply = run(tiny_engine.chat.completions.create(messages=first, temperature=0, max_tokens=8))
    assert reply.usage.prefilled_tokens == reply.usage.prompt_tokens  # cold cache
    follow = first + [{"role": "assistant", "content": reply.choices[0].message.content},
                      {"role": "user", "content": "and the dog"}]
    reused = len(tiny_engine.template.prompt_ids(first, tiny_engine.tokenizer))
    again = run(tiny_engine.chat.completions.create(messages=follow, temperature=0, max_tokens=8))
    assert again.usage.prefilled_tokens <= again.usage.prompt_tokens - reused
    assert again.usage.prefilled_tokens < again.usage.prompt_tokens // 2 + 1
    changed = [{"role": "system", "content": "be long"}] + follow[1:]
    third = run(tiny_engine.chat.completions.create(messages=changed, temperature=0, max_tokens=4))
    assert third.usage.prefilled_tokens > again.usage.prefilled_tokens  # re-prefilled from the change


def test_abort_mid_stream_then_a_new_request_works(tiny_engine):
    messages = [{"role": "user", "content": "tell me a story"}]

    async def abort_after_two():
        stream = await tiny_engine.chat.completions.create(
            messages=messages, stream=True, max_tokens=60, temperature=0.8, seed=1,
            stop=None, repetition_penalty=1.0)
        seen = []
        async for chunk in stream:
            seen.append(chunk)
            if len(seen) == 2:
                tiny_engine.interrupt()
        return seen

    chunks = run(abort_after_two())
    assert chunks[-1].choices[0].finish_reason == "abort"
    assert chunks[-1].usage.completion_tokens <= 3
    assert len(tiny_engine.model.tokens) == tiny_engine.model.pos
    fresh = run(tiny_engine.chat.completions.create(messages=messages, temperature=0, max_tokens=5))
    assert fresh.usage.completion_tokens > 0


def test_overflowing_conversation_drops_oldest_turns_and_answers(tiny_engine):
    long_turn = "word " * 60
    messages = [{"role": "system", "content": "sys"}]
    for i in range(6):
        messages += [{"role": "user", "content": f"{i} {long_turn}"}, {"role": "assistant", "content": "ok"}]
    messages.append({"role": "user", "content": "last question"})
    reply = run(tiny_engine.chat.completions.create(messages=messages, temperature=0, max_tokens=8))
    trimmed = reply.usage.trimmed_messages
    assert trimmed > 0
    assert reply.usage.completion_tokens > 0
    # Exactly the oldest `trimmed` turns went: the system message and the newest turns stay, and
    # dropping one turn fewer would not have fit.
    prompt_ids = lambda msgs: tiny_engine.template.prompt_ids(msgs, tiny_engine.tokenizer)  # noqa: E731
    survivors = messages[:1] + messages[1 + trimmed:]
    want = prompt_ids(survivors)
    assert reply.usage.prompt_tokens == len(want) < tiny_engine.model.max_context
    assert tiny_engine.model.tokens[:len(want)] == want  # what was actually run
    assert len(prompt_ids(messages[:1] + messages[trimmed:])) >= tiny_engine.model.max_context
    text = tiny_engine.tokenizer.decode(want)
    assert "sys" in text and "last question" in text and "0 word" not in text


def test_a_message_too_long_for_the_context_is_refused(tiny_engine):
    messages = [{"role": "system", "content": "sys"}, {"role": "user", "content": "old question"},
                {"role": "user", "content": "word " * 300}]
    n = len(tiny_engine.template.prompt_ids(messages[::2], tiny_engine.tokenizer))
    exact = f"the message is too long: {n} tokens for a context of {tiny_engine.model.max_context}"
    with pytest.raises(ValueError) as raised:
        run(tiny_engine.chat.completions.create(messages=messages, temperature=0, max_tokens=8))
    assert str(raised.value) == exact
    assert not tiny_engine.busy


def pieces_of(chunks):
    """The streamed texts, without the empty ones."""
    return [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]


def test_warm_cache_reply_equals_cold_cache_reply_after_earlier_turns_changed(tiny_engine):
    """Greedy: a follow-up whose earlier turns differ from what the cache holds (a divergent
    suffix) must give, token for token, what a cold cache gives."""
    first = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "the cat sat"},
             {"role": "assistant", "content": "on the mat"}, {"role": "user", "content": "and then?"}]
    changed = first[:1] + [{"role": "user", "content": "the cat ran"},
                           {"role": "assistant", "content": "away from the dog"}, first[3]]
    options = dict(temperature=0, max_tokens=12, repetition_penalty=1.0)

    def reply_and_cache(messages):
        reply = run(tiny_engine.chat.completions.create(messages=messages, **options))
        return reply, list(tiny_engine.model.tokens), run(tiny_engine.model.read_logits())

    tiny_engine.reset_chat()
    reply_and_cache(first)
    warm, warm_cache, warm_logits = reply_and_cache(changed)
    tiny_engine.reset_chat()
    cold, cold_cache, cold_logits = reply_and_cache(changed)
    assert cold.usage.prefilled_tokens == cold.usage.prompt_tokens
    assert 0 < warm.usage.prefilled_tokens < warm.usage.prompt_tokens  # some of the cache was reused
    assert warm.usage.completion_tokens == cold.usage.completion_tokens > 3
    assert warm_cache == cold_cache  # the prompt and every generated token
    assert warm.choices[0].message.content == cold.choices[0].message.content
    assert max(abs(a - b) for a, b in zip(warm_logits, cold_logits)) < 1e-3


STOP_PROMPT = [{"role": "user", "content": "hello there"}]
STOP_OPTIONS = dict(temperature=0, max_tokens=16, repetition_penalty=1.1)


def test_stop_string_split_across_streamed_pieces_never_reaches_the_client(tiny_engine):
    free = pieces_of(chat(tiny_engine, STOP_PROMPT, **STOP_OPTIONS))
    whole = "".join(free)
    # A stop string from the last character of one piece through the first of the piece after
    # the next: its match is only complete two pieces after it starts.
    i = next(i for i in range(len(free) - 2) if len(free[i + 1]) >= 2 and free[i].strip())
    stop = free[i][-1] + free[i + 1] + free[i + 2][0]
    starts = [sum(map(len, free[:k])) for k in range(len(free))]
    at = whole.find(stop)
    assert len({k for k, s in enumerate(starts) if at <= s < at + len(stop)}) >= 2  # split
    chunks = chat(tiny_engine, STOP_PROMPT, stop=["never", stop], **STOP_OPTIONS)
    streamed = pieces_of(chunks)
    assert "".join(streamed) == whole[:at] and at > 0, (streamed, stop)
    assert chunks[-1].choices[0].finish_reason == "stop"
    seen = ""
    for piece in streamed:  # no prefix of the stop string was shown before being taken back
        seen += piece
        assert seen == whole[:len(seen)] and len(seen) <= at


def test_text_held_back_for_a_stop_string_that_does_not_come_is_streamed(tiny_engine):
    free = pieces_of(chat(tiny_engine, STOP_PROMPT, **STOP_OPTIONS))
    whole = "".join(free)
    stop = whole[-3:] + "\u2603\u2603"  # the text ends with a partial match of it
    chunks = chat(tiny_engine, STOP_PROMPT, stop=stop, **STOP_OPTIONS)
    assert "".join(pieces_of(chunks)) == whole
    assert chunks[-1].choices[0].finish_reason == "length"
    assert chunks[-1].choices[0].delta.content.endswith(whole[-3:])  # held to the end


def test_stop_strings_end_the_reply(real_engine):
    messages = [{"role": "user", "content": "Count from 1 to 10, separated by commas."}]
    reply = run(real_engine.chat.completions.create(messages=messages, temperature=0, max_tokens=40, stop=["5"]))
    text = reply.choices[0].message.content
    assert "5" not in text and "4" in text, text
    assert reply.choices[0].finish_reason == "stop"


def test_real_model_multi_turn_answer_uses_context(real_engine):
    real_engine.reset_chat()
    first = [{"role": "user", "content": "My cat is called Miso. Remember that."}]
    a = run(real_engine.chat.completions.create(messages=first, temperature=0, max_tokens=20))
    follow = first + [{"role": "assistant", "content": a.choices[0].message.content},
                      {"role": "user", "content": "What is my cat called?"}]
    b = run(real_engine.chat.completions.create(messages=follow, temperature=0, max_tokens=20))
    assert b.usage.prefilled_tokens < b.usage.prompt_tokens
    assert "Miso" in b.choices[0].message.content, b.choices[0].message.content


def test_closing_the_stream_early_leaves_a_consistent_engine(tiny_engine):
    messages = [{"role": "user", "content": "go on"}]

    async def take_two_then_close():
        stream = await tiny_engine.chat.completions.create(messages=messages, stream=True,
                                                           max_tokens=50, temperature=0)
        got = []
        async for chunk in stream:
            got.append(chunk)
            if len(got) == 2:
                break
        await stream.aclose()
        return got

    caches = []
    try:
        for ahead in (1, 8):  # with 8 the GPU decodes ahead; closing must drop what went unused
            tiny_engine.model.lookahead = ahead
            tiny_engine.reset_chat()
            assert len(run(take_two_then_close())) == 2
            assert not tiny_engine.busy
            caches.append(list(tiny_engine.model.tokens))
        assert caches[0] == caches[1]
        whole = run(tiny_engine.chat.completions.create(messages=messages, max_tokens=6, temperature=0))
        assert whole.usage.completion_tokens == 6
    finally:
        tiny_engine.model.lookahead = None


def test_ignore_eos_decodes_past_the_end_of_the_turn(tiny_engine):
    """Benchmarks decode a fixed number of tokens: make the greedy first token an end-of-turn id,
    then the reply ends at once, unless ignore_eos."""
    messages = [{"role": "user", "content": "count to ten"}]
    options = dict(temperature=0, max_tokens=6, repetition_penalty=1.0)
    prompt = tiny_engine.fit_prompt(messages, 6)[0]
    tiny_engine.model.reset()
    first_id = run(tiny_engine.model.prefill(prompt)).ids[0]     # the greedy first token
    saved = set(tiny_engine.stop_ids)
    tiny_engine.stop_ids.add(first_id)
    try:
        ended = run(tiny_engine.chat.completions.create(messages=messages, **options))
        forced = run(tiny_engine.chat.completions.create(messages=messages, ignore_eos=True, **options))
    finally:
        tiny_engine.stop_ids.clear()
        tiny_engine.stop_ids.update(saved)
    assert ended.usage.completion_tokens == 0
    assert forced.usage.completion_tokens == 6
