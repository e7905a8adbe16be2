"""Print the token ids of a text as JSON (``python3 build.py tokenize "text"``).

Special-token strings in the text stay plain text unless --special is given.
"""

from __future__ import annotations

import argparse
import json
import os

from .gguf import FileSource, read_gguf
from .tokenizer import Tokenizer

DEFAULT_MODEL = "~/.cache/todo-assistant/models/SmolLM2-135M-Instruct.Q4_1.gguf"


def default_model_path() -> str:
    """$TODO_MODEL_GGUF if set, else the SmolLM2 file in the user cache."""
    return os.path.expanduser(os.environ.get("TODO_MODEL_GGUF") or DEFAULT_MODEL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tokenize", description=__doc__)
    parser.add_argument("text", help="text to tokenize")
    parser.add_argument("--model", help=f"GGUF file (default: $TODO_MODEL_GGUF, else {DEFAULT_MODEL})")
    parser.add_argument("--special", action="store_true",
                        help="match special-token strings such as <|im_start|>")
    args = parser.parse_args(argv)
    path = args.model or default_model_path()
    if not os.path.isfile(path):
        parser.error(f"model file not found: {path}")
    with FileSource(path) as source:
        tokenizer = Tokenizer.from_gguf(read_gguf(source))
    print(json.dumps(tokenizer.encode(args.text, allow_special=args.special)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
