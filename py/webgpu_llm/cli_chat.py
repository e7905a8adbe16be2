"""Chat with the model from a terminal, natively (wgpu): ``python3 build.py chat --prompt TEXT``.

Streams the reply to stdout, or with --json prints one object:
{"text", "tokens", "ids" (the generated token ids), "prompt_tokens", "timings": {"load_s", "ttft_s",
"prefill_tok_s", "decode_tok_s"}, "dispatches_per_token", "kernel_set"}.
Greedy by default, with a repetition penalty: plain greedy loops on SmolLM2-135M.
"""
import argparse
import asyncio
import json
import os
import sys
import time

from .chat_template import ChatTemplate
from .generate import generate
from .gguf import FileSource, read_gguf
from .gpu import open_device
from .kv_cache import KV_CACHE_CHOICES
from .model import Model
from .sample import Sampler
from .tokenizer import Tokenizer

DEFAULT_MODEL = "~/.cache/todo-assistant/models/SmolLM2-135M-Instruct.Q4_1.gguf"


def default_model_path():
    """$TODO_MODEL_GGUF if set, else the SmolLM2 file in the user cache."""
    return os.path.expanduser(os.environ.get("TODO_MODEL_GGUF") or DEFAULT_MODEL)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="chat", description=__doc__.splitlines()[0])
    p.add_argument("--prompt", required=True, help="the user's message")
    p.add_argument("--system", help="system message (default: the template's own)")
    p.add_argument("--max-tokens", type=int, default=200)
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    p.add_argument("--top-k", type=int, default=40)
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--repeat-penalty", type=float, default=1.15)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--model", help=f"GGUF file (default: $TODO_MODEL_GGUF, else {DEFAULT_MODEL})")
    p.add_argument("--max-context", type=int, default=2048)
    p.add_argument("--kernel-set", choices=["cpu", "gpu"],
                   help="the CPU-adapter or the real-GPU kernel set (default: by adapter)")
    p.add_argument("--kv-cache", choices=KV_CACHE_CHOICES, default="auto",
                   help="the KV cache's rows (auto: f16 with the real-GPU set where the adapter has shader-f16)")
    p.add_argument("--json", action="store_true", help="print one JSON object at the end")
    p.add_argument("--backend", choices=["webgpu", "wasm"], default="webgpu",
                   help="webgpu (wgpu-py) or wasm (the CPU kernels under wasmtime, one thread)")
    args = p.parse_args(argv)
    args.model = args.model or default_model_path()
    if not os.path.isfile(args.model):
        p.error(f"model file not found: {args.model}")
    return args


async def chat(args, out=sys.stdout):
    started = time.perf_counter()
    source = FileSource(args.model)
    gguf = read_gguf(source)
    tokenizer = Tokenizer.from_gguf(gguf)
    messages = ([{"role": "system", "content": args.system}] if args.system else []) + \
        [{"role": "user", "content": args.prompt}]
    prompt_ids = ChatTemplate.from_gguf(gguf).prompt_ids(messages, tokenizer)
    device = await open_device(args.backend)
    model = await Model.load(device, gguf, source, max_context=args.max_context, kernel_set=args.kernel_set,
                             kv_cache=args.kv_cache)
    loaded = time.perf_counter()
    sampler = Sampler(args.temperature, args.top_k, args.top_p, args.repeat_penalty, seed=args.seed)
    pieces, tokens, first = [], [], None
    async for token, piece in generate(model, tokenizer, prompt_ids, args.max_tokens, sampler):
        first = first or time.perf_counter()
        tokens += [token] if token is not None else []
        pieces.append(piece)
        if not args.json:
            out.write(piece)
            out.flush()
    done = time.perf_counter()
    return {"text": "".join(pieces), "tokens": len(tokens), "ids": tokens, "prompt_tokens": len(prompt_ids),
            "timings": timings(started, loaded, first, done, len(prompt_ids), len(tokens)),
            "dispatches_per_token": model.dispatches_per_token,
            "kernel_set": "cpu" if model.cpu_kernels else "gpu", "kv_cache": model.kv.rows}


def timings(started, loaded, first, done, n_prompt, n_tokens):
    """Load, time to first token, and rates: the prompt over the time to first token (which is
    its prefill plus one sampling), later tokens over the time after the first."""
    first = first or done
    ttft = first - loaded
    return {"load_s": round(loaded - started, 3), "ttft_s": round(ttft, 3),
            "prefill_tok_s": round(n_prompt / ttft, 2) if ttft > 0 else None,
            "decode_tok_s": round((n_tokens - 1) / (done - first), 2) if n_tokens > 1 else None}


def main(argv=None):
    args = parse_args(argv)
    result = asyncio.run(chat(args))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        t = result["timings"]
        print(f"\n[{result['tokens']} tokens; load {t['load_s']} s, first token {t['ttft_s']} s, "
              f"prefill {t['prefill_tok_s']} tok/s, decode {t['decode_tok_s']} tok/s]", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
