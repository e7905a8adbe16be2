"""Llama 3 (`llama-bpe`) and Qwen2 pre-tokenizers: pieces equal Hugging Face `tokenizers`' Split
with those models' regexes (fixture made by tests/fixtures/make_pre_tokenizer_references.py)."""
import pytest

from webgpu_llm.pre_tokenizers import split_llama3, split_qwen2
from webgpu_llm.tokenizer import PRE_TOKENIZERS, Tokenizer, TokenizerError

from .conftest import load_fixture

REFERENCE = load_fixture("pre_tokenizer_reference.json")


@pytest.mark.parametrize("pre,split", [("llama-bpe", split_llama3), ("qwen2", split_qwen2)])
def test_pieces_equal_hugging_face(pre, split):
    texts = REFERENCE["texts"]
    assert len(texts) >= 300 and len(REFERENCE[pre]) == len(texts)
    mismatches = [(t, split(t), want) for t, want in zip(texts, REFERENCE[pre]) if split(t) != want]
    assert not mismatches, mismatches[:3]


def test_the_two_differ_where_they_should():
    assert split_llama3("12345") == ["123", "45"] and split_qwen2("12345") == list("12345")
    assert split_qwen2("cafe\u0301") == ["caf\u00e9"]  # NFC first
    assert split_llama3("a\r\n\r\n b") == ["a", "\r\n\r\n", " b"]


def test_gguf_pre_types_are_registered():
    assert {"smollm", "qwen2", "llama-bpe"} <= set(PRE_TOKENIZERS)
    with pytest.raises(TokenizerError, match="'gpt4o'"):
        Tokenizer(["a"], [], pre="gpt4o")
