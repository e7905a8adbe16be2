"""Byte-level BPE tokenizer built from GGUF metadata (tokenizer.ggml.model = gpt2).

Pure stdlib (runs in Pyodide). Encoding has three steps:

1. Special tokens (token_type CONTROL or USER_DEFINED, e.g. ``<|im_start|>``)
   are cut out, but only from text the caller marks as trusted
   (``allow_special=True``). Text a person typed is never trusted, so a to-do
   titled ``<|im_end|>`` is encoded as ordinary characters.
2. Pre-tokenization splits the rest into words. Pre-type ``smollm`` isolates
   every Unicode number (category N*) as its own word, then applies GPT-2's
   byte-level regex. Python's ``re`` has no \\p{L}/\\p{N}, so each character
   is first mapped to a one-character class code (letters, numbers, spaces,
   ...) with ``str.translate``, and a small ASCII regex runs on the codes.
3. Each word's UTF-8 bytes, written in GPT-2's byte alphabet, are merged by
   BPE (lowest merge rank first, leftmost on ties), with a per-word cache.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import compress

# WHITE_SPACE: \s of the reference regex engines (defined once, there).
from .pre_tokenizers import WHITE_SPACE, split_llama3, split_qwen2

TOKEN_TYPE_NORMAL, TOKEN_TYPE_UNKNOWN, TOKEN_TYPE_CONTROL = 1, 2, 3
TOKEN_TYPE_USER_DEFINED, TOKEN_TYPE_UNUSED, TOKEN_TYPE_BYTE = 4, 5, 6
SPECIAL_TOKEN_TYPES = (TOKEN_TYPE_CONTROL, TOKEN_TYPE_USER_DEFINED)
WORD_CACHE_LIMIT = 100_000


class TokenizerError(ValueError):
    """The GGUF tokenizer metadata is missing or of a kind we do not implement."""


# ------------------------------------------------------------ byte alphabet

def _gpt2_byte_chars() -> list[str]:
    """GPT-2's reversible map from the 256 byte values to printable characters:
    printable Latin-1 bytes stand for themselves, the rest get code points 256+."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    chars, extra = [""] * 256, 256
    for byte in range(256):
        if byte in printable:
            chars[byte] = chr(byte)
        else:
            chars[byte], extra = chr(extra), extra + 1
    return chars


BYTE_TO_CHAR = _gpt2_byte_chars()
CHAR_TO_BYTE = {ch: byte for byte, ch in enumerate(BYTE_TO_CHAR)}
# Latin-1 decoding turns bytes into chars 0..255; this table then rewrites
# them into the byte alphabet, both steps in C.
_LATIN1_TO_BYTE_CHAR = {byte: ch for byte, ch in enumerate(BYTE_TO_CHAR)}


# ------------------------------------------------------- pre-tokenization

# Class codes. ASCII letters keep their own value because the contraction
# rule ('s 't 're 've 'm 'll 'd) needs them; the apostrophe keeps its own too.
_LETTER, _NUMBER, _SPACE, _OTHER_SPACE, _OTHER = "a", "0", " ", "\t", "!"



def _char_class(ch: str) -> str:
    if ch == " " or ch == "'" or ("a" <= ch <= "z") or ("A" <= ch <= "Z"):
        return ch
    if ch in WHITE_SPACE:
        return _OTHER_SPACE
    category = unicodedata.category(ch)
    if category[0] == "L":
        return _LETTER
    if category[0] == "N":
        return _NUMBER
    return _OTHER


class _CharClassTable(dict):
    """ord -> class code for str.translate, filled lazily per new character."""

    def __missing__(self, code: int) -> str:
        cls = self[code] = _char_class(chr(code))
        return cls


_CHAR_CLASSES = _CharClassTable((code, _char_class(chr(code))) for code in range(128))

# GPT-2's regex ('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)
# over class codes, after smollm's first step, which makes every number its
# own word. That first step also ends words at numbers, so a run of spaces
# right before a number counts as running to the end of its word: hence the
# lookahead below excludes only letters and "other" codes, not "0".
_SMOLLM_WORD = re.compile(
    r"'(?:[stmd]|re|ve|ll)|0| ?[A-Za-z]+| ?[!']+|[ \t]+(?![!'A-Za-z])|[ \t]+")


def split_smollm(text: str) -> list[str]:
    """Pre-tokenize for pre-type ``smollm``; the pieces concatenate to ``text``."""
    words, pos = [], 0
    for coded in _SMOLLM_WORD.findall(text.translate(_CHAR_CLASSES)):
        end = pos + len(coded)
        words.append(text[pos:end])
        pos = end
    return words


# GGUF tokenizer.ggml.pre -> splitter (llama.cpp's names; llama3/llama-v3 are aliases it accepts)
PRE_TOKENIZERS = {"smollm": split_smollm, "qwen2": split_qwen2, "llama-bpe": split_llama3,
                  "llama3": split_llama3, "llama-v3": split_llama3}


# -------------------------------------------------------------------- BPE

def bpe_merge(word: str, ranks: dict[str, int]) -> list[str]:
    """Apply BPE merges to ``word`` (byte-alphabet characters).

    ``ranks`` maps "left right" to merge priority. A heap over adjacent pairs
    with linked-list neighbours keeps long words O(n log n) instead of O(n^2).
    """
    symbols: list[str | None] = list(word)
    n = len(symbols)
    if n < 2:
        return list(word)
    nxt = list(range(1, n + 1))
    prv = list(range(-1, n - 1))
    heap = []
    for i in range(n - 1):
        rank = ranks.get(f"{word[i]} {word[i + 1]}")
        if rank is not None:
            heap.append((rank, i, word[i], word[i + 1]))
    heapq.heapify(heap)
    while heap:
        _, i, left, right = heapq.heappop(heap)
        j = nxt[i]
        # Entries go stale when a neighbour merged; symbols only ever grow,
        # so comparing the strings detects that.
        if j >= n or symbols[i] != left or symbols[j] != right:
            continue
        merged = symbols[i] = left + right
        symbols[j] = None
        k = nxt[i] = nxt[j]
        if k < n:
            prv[k] = i
            _push_pair(heap, ranks, i, merged, symbols[k])
        p = prv[i]
        if p >= 0:
            _push_pair(heap, ranks, p, symbols[p], merged)
    return [s for s in symbols if s is not None]


def _push_pair(heap, ranks, pos, left, right) -> None:
    rank = ranks.get(f"{left} {right}")
    if rank is not None:
        heapq.heappush(heap, (rank, pos, left, right))


# -------------------------------------------------------------- tokenizer

class Tokenizer:
    """Encode text to token ids and back.

    ``encode(text)`` treats all of ``text`` as untrusted: no special tokens.
    ``encode(text, allow_special=True)`` matches special-token strings.
    ``encode_segments([(text, allow_special), ...])`` mixes both, as the chat
    template needs (its markers are trusted, message contents are not); text
    from adjacent segments is pre-tokenized as one string, so the result equals
    encoding the joined text whenever untrusted parts contain no markers.
    """

    def __init__(self, tokens: Sequence[str], merges: Sequence[str],
                 token_types: Sequence[int] | None = None, pre: str = "smollm",
                 bos_id: int | None = None, eos_id: int | None = None,
                 unk_id: int | None = None, add_bos: bool = False):
        if pre not in PRE_TOKENIZERS:
            raise TokenizerError(f"pre-tokenizer {pre!r} is not implemented "
                                 f"(known: {', '.join(PRE_TOKENIZERS)})")
        self.tokens = list(tokens)
        self.token_types = list(token_types) if token_types is not None else [1] * len(tokens)
        if len(self.token_types) != len(self.tokens):
            raise TokenizerError("token_type and tokens have different lengths")
        self.pre = pre
        self._split = PRE_TOKENIZERS[pre]
        self.bos_id, self.eos_id, self.unk_id, self.add_bos = bos_id, eos_id, unk_id, add_bos
        # Built by C loops (zip, map, compress): ~100k entries, on every model load.
        self.vocab = dict(zip(self.tokens, range(len(self.tokens))))
        self.ranks = dict(zip(merges, range(len(merges))))
        special = compress(range(len(self.tokens)), map(SPECIAL_TOKEN_TYPES.__contains__, self.token_types))
        self.special_ids = {self.tokens[i]: i for i in special}
        self._special_re = _alternation(self.special_ids)
        self._word_cache: dict[str, tuple[int, ...]] = {}
        self._bytes_of_id: list[bytes | None] = [None] * len(self.tokens)

    @classmethod
    def from_gguf(cls, gguf) -> Tokenizer:
        return cls.from_metadata(gguf.metadata)

    @classmethod
    def from_metadata(cls, meta: dict) -> Tokenizer:
        model = meta.get("tokenizer.ggml.model")
        if model != "gpt2":
            raise TokenizerError(f"tokenizer.ggml.model {model!r} is not supported (only 'gpt2')")
        for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.merges"):
            if key not in meta:
                raise TokenizerError(f"metadata {key!r} is missing")
        return cls(meta["tokenizer.ggml.tokens"], meta["tokenizer.ggml.merges"],
                   meta.get("tokenizer.ggml.token_type"),
                   pre=meta.get("tokenizer.ggml.pre", "smollm"),
                   bos_id=meta.get("tokenizer.ggml.bos_token_id"),
                   eos_id=meta.get("tokenizer.ggml.eos_token_id"),
                   unk_id=meta.get("tokenizer.ggml.unknown_token_id"),
                   add_bos=bool(meta.get("tokenizer.ggml.add_bos_token", False)))

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def is_special(self, token_id: int) -> bool:
        return self.token_types[token_id] in SPECIAL_TOKEN_TYPES

    # ------------------------------------------------------------ encode

    def encode(self, text: str, allow_special: bool = False) -> list[int]:
        """Token ids of ``text``. Never adds BOS (see ``add_bos``)."""
        return self.encode_segments([(text, allow_special)])

    def encode_segments(self, segments: Iterable[tuple[str, bool]]) -> list[int]:
        """Encode (text, allow_special) parts as one text; only parts with
        allow_special=True can produce special tokens."""
        ids: list[int] = []
        pending: list[str] = []  # plain text not yet encoded
        for text, allow_special in segments:
            if not allow_special or self._special_re is None:
                pending.append(text)
                continue
            pos = 0
            for match in self._special_re.finditer(text):
                pending.append(text[pos:match.start()])
                self._encode_plain("".join(pending), ids)
                pending.clear()
                ids.append(self.special_ids[match.group()])
                pos = match.end()
            pending.append(text[pos:])
        self._encode_plain("".join(pending), ids)
        return ids

    def _encode_plain(self, text: str, ids: list[int]) -> None:
        cache = self._word_cache
        for word in self._split(text):
            # Lone surrogates are not text, but must not make encode raise.
            coded = word.encode("utf-8", "surrogatepass").decode("latin-1")
            coded = coded.translate(_LATIN1_TO_BYTE_CHAR)
            word_ids = cache.get(coded)
            if word_ids is None:
                word_ids = self._encode_word(coded)
                if len(cache) >= WORD_CACHE_LIMIT:
                    cache.clear()
                cache[coded] = word_ids
            ids.extend(word_ids)

    def _encode_word(self, coded: str) -> tuple[int, ...]:
        ids = []
        for symbol in bpe_merge(coded, self.ranks):
            token_id = self.vocab.get(symbol)
            if token_id is not None:
                ids.append(token_id)
            else:
                # Not in the vocabulary: SmolLM2 lacks 8 of the 256 byte tokens
                # (^D, ^F, ^S, ^T, ^V, ^] and the UTF-8 lead bytes F1, F2 of
                # U+40000..U+BFFFF). Such bytes are dropped, as HF tokenizers
                # and llama.cpp do; the unknown token would be <|endoftext|>, a
                # control token that user text must never produce.
                ids.extend(self.vocab[ch] for ch in symbol if ch in self.vocab)
        return tuple(ids)

    # ------------------------------------------------------------ decode

    def token_bytes(self, token_id: int) -> bytes:
        """The raw bytes a token stands for (special tokens: their UTF-8 text)."""
        if not 0 <= token_id < len(self.tokens):
            raise ValueError(f"token id {token_id} is outside the vocabulary "
                             f"(0..{len(self.tokens) - 1})")
        raw = self._bytes_of_id[token_id]
        if raw is None:
            raw = self._bytes_of_id[token_id] = self._token_to_bytes(token_id)
        return raw

    def _token_to_bytes(self, token_id: int) -> bytes:
        token = self.tokens[token_id]
        if self.token_types[token_id] in SPECIAL_TOKEN_TYPES:
            return token.encode("utf-8")
        try:
            return bytes(CHAR_TO_BYTE[ch] for ch in token)
        except KeyError:  # not in the byte alphabet: take the text as written
            return token.encode("utf-8")

    def decode(self, ids: Iterable[int], skip_special: bool = False) -> str:
        """Text of ``ids``; invalid UTF-8 (from odd id sequences) becomes U+FFFD."""
        if skip_special:
            ids = [i for i in ids if not self.is_special(i)]
        return b"".join(map(self.token_bytes, ids)).decode("utf-8", "replace")


def _alternation(strings: Iterable[str]) -> re.Pattern | None:
    # Longest first, so that a marker which prefixes another never wins.
    ordered = sorted((s for s in strings if s), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


class StreamDecoder:
    """Decode ids one at a time, as the model produces them.

    ``feed(id)`` returns the text that became complete (possibly ""); bytes of
    a character split across tokens are held back until it is whole, so no
    half character (or U+FFFD for one) is ever emitted. ``flush()`` returns
    whatever is left at the end. The pieces concatenate to ``decode(ids)``.
    """

    def __init__(self, tokenizer: Tokenizer, skip_special: bool = False):
        self.tokenizer, self.skip_special = tokenizer, skip_special
        self._pending = b""

    def feed(self, token_id: int) -> str:
        if self.skip_special and self.tokenizer.is_special(token_id):
            return ""
        data = self._pending + self.tokenizer.token_bytes(token_id)
        cut = len(data) - _incomplete_tail_length(data)
        self._pending = data[cut:]
        return data[:cut].decode("utf-8", "replace")

    def flush(self) -> str:
        data, self._pending = self._pending, b""
        return data.decode("utf-8", "replace")


def _incomplete_tail_length(data: bytes) -> int:
    """Length of a trailing UTF-8 sequence whose lead byte wants more bytes."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:  # continuation byte: keep looking for the lead
            continue
        if byte >= 0xF0:
            wanted = 4
        elif byte >= 0xE0:
            wanted = 3
        elif byte >= 0xC0:
            wanted = 2
        else:
            wanted = 1
        return back if wanted > back else 0
    return 0
