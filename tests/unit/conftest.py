"""Shared fixtures for the unit tier: the real SmolLM2 model file, parsed once."""

import json
import os
from pathlib import Path

import pytest

from webgpu_llm.cli_tokenize import default_model_path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load_fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def smollm_path() -> str:
    path = default_model_path()  # $TODO_MODEL_GGUF, else the user cache
    if not os.path.isfile(path):
        # A failure, not a skip: build.py always provides the model, so a
        # missing file means a broken setup that must not pass silently.
        pytest.fail(f"model file missing: {path} (set TODO_MODEL_GGUF or run build.py, "
                    "which downloads it)")
    return path


@pytest.fixture(scope="session")
def smollm_gguf(smollm_path):
    from webgpu_llm.gguf import FileSource, read_gguf
    return read_gguf(FileSource(smollm_path))


@pytest.fixture(scope="session")
def smollm_tokenizer(smollm_gguf):
    from webgpu_llm.tokenizer import Tokenizer
    return Tokenizer.from_gguf(smollm_gguf)


@pytest.fixture(scope="session")
def smollm_chat_template(smollm_gguf):
    from webgpu_llm.chat_template import ChatTemplate
    return ChatTemplate.from_gguf(smollm_gguf)
