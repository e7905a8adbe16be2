"""Chat prompt rendering with the model's own Jinja template (tokenizer.chat_template).

Rendering matches Hugging Face ``apply_chat_template(tokenize=False)``: same
sandboxed Jinja settings (trim_blocks, lstrip_blocks, loop controls) and the
same helpers (``raise_exception``, ``tojson``, ``strftime_now``).

Tokenizing the prompt safely is the other job. The template's own markers
(``<|im_start|>``, ``<|im_end|>``) must become special tokens, but text a
person typed must not, even if it spells a marker. So the conversation is
rendered once with every message content replaced by a unique sentinel; the
text around sentinels is template output (trusted: specials allowed), and the
sentinels stand for message contents (untrusted: plain text). The segments are
checked to join back to the real rendering, so nothing is lost or reordered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Unicode noncharacters: they never occur in template literals.
_SENTINEL_OPEN, _SENTINEL_CLOSE = "\U0010fffe", "\U0010ffff"
_SENTINEL_RE = re.compile(f"{_SENTINEL_OPEN}(\\d+){_SENTINEL_CLOSE}")

Message = dict  # {"role": str, "content": str, ...}
Segment = tuple[str, bool]  # (text, allow_special)


class ChatTemplateError(ValueError):
    """The template is missing, fails to render, or cannot be split safely."""


class _GenerationTag(Extension):
    """Accept HF's ``{% generation %}...{% endgeneration %}`` (it marks
    assistant text for training masks) and render just the body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.Scope(body, lineno=lineno)


def _raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def _tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # Jinja's own tojson escapes HTML characters; chat templates expect plain JSON.
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent,
                      separators=separators, sort_keys=sort_keys)


def _strftime_now(fmt):
    return datetime.now().strftime(fmt)


def _make_environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                       extensions=[_GenerationTag, loopcontrols])
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    return env


class ChatTemplate:
    """A chat template plus the special-token strings templates may refer to."""

    def __init__(self, source: str, special_tokens: dict[str, str] | None = None):
        try:
            self._template = _make_environment().from_string(source)
        except jinja2.TemplateError as exc:
            raise ChatTemplateError(f"chat template does not compile: {exc}") from exc
        self.source = source
        # bos_token, eos_token, ...: HF passes these to every template render.
        self.special_tokens = dict(special_tokens or {})

    @classmethod
    def from_gguf(cls, gguf) -> ChatTemplate:
        meta = gguf.metadata
        source = meta.get("tokenizer.chat_template")
        if not isinstance(source, str):
            raise ChatTemplateError("the GGUF has no tokenizer.chat_template")
        return cls(source, _special_token_strings(meta))

    def render(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        """The prompt text, exactly as HF apply_chat_template(tokenize=False)."""
        return self._render([dict(m) for m in messages], add_generation_prompt)

    def render_segments(self, messages: Sequence[Message],
                        add_generation_prompt: bool = True) -> list[Segment]:
        """The prompt as (text, allow_special) parts: template text is trusted,
        each message's ``content`` is not. Other message fields (role, ...) are
        rendered as template text, so they must come from the program."""
        contents, masked = _mask_contents(messages)
        rendered = self._render(masked, add_generation_prompt)
        segments: list[Segment] = []
        for index, part in enumerate(_SENTINEL_RE.split(rendered)):
            if index % 2 == 0:
                if part:
                    segments.append((part, True))
            else:
                segments.append((contents[int(part)], False))
        if "".join(text for text, _ in segments) != self.render(messages, add_generation_prompt):
            raise ChatTemplateError(
                "the chat template transforms message contents (e.g. strips them), so "
                "its markers cannot be told apart from user text safely")
        return segments

    def prompt_ids(self, messages: Sequence[Message], tokenizer,
                   add_generation_prompt: bool = True) -> list[int]:
        """Token ids of the prompt: only the template's markers become special ids."""
        return tokenizer.encode_segments(self.render_segments(messages, add_generation_prompt))

    def _render(self, messages: list[Message], add_generation_prompt: bool) -> str:
        try:
            return self._template.render(messages=messages,
                                         add_generation_prompt=add_generation_prompt,
                                         **self.special_tokens)
        except jinja2.TemplateError as exc:
            raise ChatTemplateError(f"chat template failed to render: {exc}") from exc


def _mask_contents(messages: Sequence[Message]) -> tuple[dict[int, str], list[Message]]:
    """Replace each non-empty string content by a numbered sentinel. Empty
    contents stay, so templates that test ``if message.content`` behave alike."""
    contents, masked = {}, []
    for index, message in enumerate(messages):
        message = dict(message)
        content = message.get("content")
        if isinstance(content, str) and content:
            contents[index] = content
            message["content"] = f"{_SENTINEL_OPEN}{index}{_SENTINEL_CLOSE}"
        masked.append(message)
    return contents, masked


def _special_token_strings(meta: dict) -> dict[str, str]:
    tokens = meta.get("tokenizer.ggml.tokens") or []
    names = {"bos_token": "bos_token_id", "eos_token": "eos_token_id",
             "unk_token": "unknown_token_id", "pad_token": "padding_token_id"}
    found = {}
    for name, key in names.items():
        token_id = meta.get(f"tokenizer.ggml.{key}")
        if isinstance(token_id, int) and 0 <= token_id < len(tokens):
            found[name] = tokens[token_id]
    return found
