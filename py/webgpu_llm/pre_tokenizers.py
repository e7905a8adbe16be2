"""Pre-tokenizers of the Llama 3 family (GGUF pre-types ``llama-bpe``, ``qwen2``), pure stdlib.

Both are one regex over the text (llama.cpp's LLAMA3 and QWEN2 pre-types; Hugging Face's
``Split`` pre-tokenizer in those models' tokenizer.json):

    (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*
    |\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+

with ``\\p{N}`` alone (one digit a word) instead of ``\\p{N}{1,3}`` for qwen2. Python's ``re`` has
no \\p{L}/\\p{N}, so as in tokenizer.py each character is first mapped to a one-character class
code and an ASCII regex runs on the codes; here CR and LF get their own code, which these
regexes single out. Qwen2's Hugging Face tokenizer also NFC-normalizes the text first.
"""
from __future__ import annotations

import re
import unicodedata

# The White_Space property, which is what \s means in the reference regex engines; str.isspace()
# differs (it also accepts U+001C..U+001F).
WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
    + "".join(map(chr, range(0x2000, 0x200B))))

# Class codes: ASCII letters keep their value (the contractions need them), as do the apostrophe
# and the space; other letters are "a", numbers "0", CR/LF "\n", other white space "\t", the rest "!".
_LETTER, _NUMBER, _NEWLINE, _OTHER_SPACE, _OTHER = "a", "0", "\n", "\t", "!"


def _char_class(ch: str) -> str:
    if ch == " " or ch == "'" or ("a" <= ch <= "z") or ("A" <= ch <= "Z"):
        return ch
    if ch in "\r\n":
        return _NEWLINE
    if ch in WHITE_SPACE:
        return _OTHER_SPACE
    category = unicodedata.category(ch)[0]
    return {"L": _LETTER, "N": _NUMBER}.get(category, _OTHER)


class _ClassTable(dict):
    """ord -> class code for str.translate, filled lazily per new character."""

    def __missing__(self, code: int) -> str:
        cls = self[code] = _char_class(chr(code))
        return cls


_CLASSES = _ClassTable((code, _char_class(chr(code))) for code in range(128))


def _word_regex(number: str) -> re.Pattern:
    return re.compile(
        r"'(?:[sStTmMdD]|[rR][eE]|[vV][eE]|[lL][lL])"  # (?i:'s|'t|'re|'ve|'m|'ll|'d)
        r"|[^\n0A-Za-z]?[A-Za-z]+"                      # [^\r\n\p{L}\p{N}]?\p{L}+
        + "|" + number +                                # \p{N}{1,3} or \p{N}
        r"| ?[!']+\n*"                                  # ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        r"|[ \t\n]*\n+"                                 # \s*[\r\n]+
        r"|[ \t\n]+(?![!'0A-Za-z])"                     # \s+(?!\S)
        r"|[ \t\n]+")                                   # \s+


_LLAMA3_WORD = _word_regex("0{1,3}")
_QWEN2_WORD = _word_regex("0")


def _split(pattern: re.Pattern, text: str) -> list[str]:
    words, pos = [], 0
    for coded in pattern.findall(text.translate(_CLASSES)):
        end = pos + len(coded)
        words.append(text[pos:end])
        pos = end
    return words


def split_llama3(text: str) -> list[str]:
    """Pre-tokenize for ``llama-bpe`` (Llama 3); the pieces concatenate to ``text``."""
    return _split(_LLAMA3_WORD, text)


def split_qwen2(text: str) -> list[str]:
    """Pre-tokenize for ``qwen2``: NFC first (as its Hugging Face tokenizer), then the regex."""
    return _split(_QWEN2_WORD, unicodedata.normalize("NFC", text))
