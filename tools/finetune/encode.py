"""Token ids of the generated examples, as the app's engine sees and emits them (CPU, numpy).

    PYTHONPATH=py python3 -m tools.finetune.encode DATA.jsonl MODEL.gguf OUT.npz

Prompts go through the GGUF's chat template and the project's tokenizer (ChatTemplate.prompt_ids,
as the engine does). Targets are walked through the real grammar (tools.tool_grammar /
target_grammar) token by token, so the ids are exactly those constrained decoding produces, and
each position records what the decoder allows there: forced (one token), a choice among a set
(the grammar's trie), or free text. `walk` raises when a target does not parse.
"""
import argparse
import datetime as dt
import multiprocessing

import numpy as np

from todo_app.assistant import tools
from tools.eval import checks
from webgpu_llm.chat_template import ChatTemplate
from webgpu_llm.constrain import Free, _Tries
from webgpu_llm.byte_sources import FileSource
from webgpu_llm.gguf import read_gguf
from webgpu_llm.tokenizer import Tokenizer

FREE = None


class TargetError(ValueError):
    """A target the grammar cannot produce."""


class Item:
    def __init__(self, title):
        self.title = title


def grammar_for(example):
    if example["kind"] == "tool":
        return tools.tool_grammar(dt.date.fromisoformat(example["today"]))
    if example["kind"] == "target":
        return tools.target_grammar([Item(t) for t in example["titles"]])
    return None


class NoTries:
    """Stand-in for _Tries when only the ids are wanted (no allowed sets: much faster)."""

    def __init__(self, stop_id):
        self.stop_id = stop_id

    def root(self, choice):
        return None

    def allowed(self, trie):
        return FREE


def walk(node, text, tok, tries):
    """[(token id, allowed)] of `text` under the grammar from `node`; allowed is a set (len 1:
    forced) or FREE. The last entry is the end-of-turn token."""
    stop = tries.stop_id
    if node is None:
        if text:
            raise TargetError(f"text left after the grammar ended: {text!r}")
        return []
    if isinstance(node, Free):
        end = node.end if node.next is not None else None
        if end is not None:
            if end not in text:
                raise TargetError(f"free text {node.name!r} has no end {end!r}")
            value, rest = text.split(end, 1)
        else:
            value, rest = text, ""
        ids = tok.encode(value) if value else []
        if len(ids) > node.max_tokens or "\n" in value:
            raise TargetError(f"free text {node.name!r} too long or multi-line: {value!r}")
        tail = [(t, FREE) for t in tok.encode(end)] if end is not None else [(stop, FREE)]
        return [(t, FREE) for t in ids] + tail + walk(node.next, rest, tok, tries) \
            if end is not None else [(t, FREE) for t in ids] + tail
    root = tries.root(node)
    for option in sorted(node.options, key=lambda o: -len(o.text)):
        if not text.startswith(option.text) or (option.next is None and text != option.text):
            continue
        out, trie = [], root
        for t in tok.encode(option.text):
            out.append((t, tries.allowed(trie)))
            trie = trie.children[t] if trie is not None else None
        try:
            rest = walk(option.next, text[len(option.text):], tok, tries)
        except TargetError:
            continue
        if option.next is None:
            rest = [(stop, tries.allowed(trie))]
        elif isinstance(option.next, Free):
            pass
        return out + rest
    raise TargetError(f"no option matches {text[:40]!r}")


def load(model_path):
    gguf = read_gguf(FileSource(str(model_path)))
    tok = Tokenizer.from_gguf(gguf)
    return tok, ChatTemplate.from_gguf(gguf)


def encode_all(rows, tok, template, allowed_for=lambda row: row["split"] == "held"):
    """Ids of every row; the decoder's allowed sets only where allowed_for(row) (slow: tries)."""
    stop = tok.special_ids["<|im_end|>"]
    tries, fast = _Tries(tok, stop), NoTries(stop)
    ids, targets, allowed, tool_tokens = [], [], [], []
    head = len(tok.encode("tool:"))
    for row in rows:
        if len(tries.cache) > 64:
            tries.cache.clear()
        prompt = template.prompt_ids(row["messages"], tok, add_generation_prompt=True)
        grammar = grammar_for(row)
        if grammar is not None:
            steps = walk(grammar, row["target"], tok, tries if allowed_for(row) else fast)
        elif row["target"] is not None:     # answer: free text, then the end of the turn
            steps = [(t, FREE) for t in tok.encode(row["target"])] + [(stop, FREE)]
        else:                               # chat: the base model writes the target on the GPU
            steps = []
        ids.append(prompt + [t for t, _ in steps])
        targets.append(len(steps))
        tool_tokens.append(head + len(tok.encode(" " + row["tool"])) if row["kind"] == "tool" else len(steps))
        allowed.append([None if a is FREE else sorted(a) for _, a in steps])
    return ids, targets, allowed, tool_tokens


def pack(rows, ids, targets, allowed, tool_tokens):
    """One npz: flat ids with offsets; per target token the allowed set (-1 row: free)."""
    lengths = np.array([len(x) for x in ids], np.int64)
    flat_allowed, allowed_off = [], [0]
    for per_example in allowed:
        for a in per_example:
            flat_allowed.extend([-1] if a is None else a)
            allowed_off.append(len(flat_allowed))
    kinds = ["tool", "target", "answer", "chat"]
    names = sorted({r["tool"] for r in rows})
    return {"ids": np.concatenate([np.array(x, np.int32) for x in ids]),
            "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            "target_len": np.array(targets, np.int32),
            "tool_tokens": np.array(tool_tokens, np.int32),
            "allowed": np.array(flat_allowed, np.int32),
            "allowed_off": np.array(allowed_off, np.int64),
            "kind": np.array([kinds.index(r["kind"]) for r in rows], np.int8),
            "tool": np.array([names.index(r["tool"]) for r in rows], np.int8),
            "tool_names": np.array(names), "held": np.array([r["split"] == "held" for r in rows])}


def _encode_chunk(model, rows):
    tok, template = load(model)
    return [list(x) for x in encode_all(rows, tok, template)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data")
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    rows = checks.load_cases(args.data)
    rows.sort(key=lambda r: r.get("today", ""))    # grammars (date tries) are built per today
    chunks = [rows[i::args.jobs] for i in range(args.jobs)]
    with multiprocessing.Pool(args.jobs) as pool:
        parts = pool.starmap(_encode_chunk, [(args.model, c) for c in chunks])
    rows = [r for c in chunks for r in c]
    arrays = pack(rows, *[sum((p[k] for p in parts), []) for k in range(4)])
    np.savez_compressed(args.out, **arrays)
    print(f"{len(rows)} examples, {len(arrays['ids'])} tokens -> {args.out}")


if __name__ == "__main__":
    main()
