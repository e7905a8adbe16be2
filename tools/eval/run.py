"""`python3 build.py eval`: the assistant's eval, natively (wgpu-py), with the real model.

    python3 build.py eval [--model PATH] [--ci] [--category C] [--limit N] [--json] [--out FILE]
    python3 build.py eval --general [--model PATH] [--base PATH]   (general abilities: general.py)

Loads the engine once, runs every selected case of tools/eval/cases.jsonl through the app's own
pipeline (`todo_app.assistant.pipeline.ask`, greedy: temperature 0), checks the tool call and the
facts (tools/eval/checks.py) and prints accuracy per category and overall, the unsure rate and the
latency. --out writes everything per case as JSON (default eval-results.json with --json, which
also prints the summary as JSON). Not part of the shipped app.
"""
import argparse
import asyncio
import datetime as _dt
import json
import os
import sys
import time
from pathlib import Path

from tools.eval import checks

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "eval-results.json"
ANSWER_OPTIONS = {"temperature": 0}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="build.py eval", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", help="GGUF file (default: $TODO_MODEL_GGUF, else the shipped to-do-tuned model)")
    p.add_argument("--ci", action="store_true", help='only the cases marked "ci" (the CI subset)')
    p.add_argument("--category", choices=checks.CATEGORIES, help="only this category")
    p.add_argument("--limit", type=int, help="at most N cases")
    p.add_argument("--json", action="store_true", help="print the summary as JSON; write --out")
    p.add_argument("--out", help=f"write every case's details as JSON here (default with --json: "
                                 f"{DEFAULT_OUT.name})")
    p.add_argument("--answer-tokens", type=int, default=None,
                   help="cap the length of `answer` texts (not checked; shortens the run)")
    p.add_argument("--quiet", action="store_true", help="no line per case")
    p.add_argument("--backend", choices=["webgpu", "wasm"], default="webgpu",
                   help="run the model on WebGPU (wgpu) or on the CPU kernels (wasmtime)")
    p.add_argument("--cases", help="a JSON-lines file of cases instead of tools/eval/cases.jsonl")
    p.add_argument("--general", action="store_true",
                   help="instead: greedy answers to generic prompts, tuned vs base (tools/eval/general.py)")
    p.add_argument("--base", help="with --general: the base GGUF (default: $TODO_BASE_GGUF or the pinned original)")
    return p.parse_args(argv)


def default_model():
    if os.environ.get("TODO_MODEL_GGUF"):
        return os.environ["TODO_MODEL_GGUF"]
    from tools import vendor
    return str(vendor.tuned_model())


def todos_of(todo_list):
    from todo_app.todos import Todo
    return [Todo(id=t["id"], title=t["title"], done=bool(t.get("done")), due=t.get("due"))
            for t in todo_list["todos"]]


async def load_engine(model_path, backend="webgpu"):
    from webgpu_llm.engine import Engine
    from webgpu_llm.gguf import FileSource
    from webgpu_llm.gpu import open_device
    return await Engine.load(FileSource(str(model_path)), device=await open_device(backend))


async def run_case(engine, case, lists, answer_options=ANSWER_OPTIONS):
    """One case through the pipeline: the record the report and --out are made of."""
    from todo_app.assistant.pipeline import ask
    todos = todos_of(lists[case["list"]])
    today = _dt.date.fromisoformat(case["today"])
    start = time.perf_counter()
    error = None
    try:
        reply = await ask(engine, case["request"], todos, today, answer_options=answer_options)
    except Exception as exc:  # noqa: BLE001 - a crash is a result too (reported, counted as wrong)
        reply = {"tool": None, "values": {}, "actions": [], "items": [], "unsure": False, "text": ""}
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    ids = {t.id for t in todos}
    return {"id": case["id"], "category": case["category"], "list": case["list"], "today": case["today"],
            "request": case["request"], "expect": case["expect"],
            "got": {"tool": reply.get("tool"), "values": reply.get("values"), "actions": reply.get("actions"),
                    "items": [i["id"] for i in reply.get("items") or []], "text": reply.get("text"),
                    "odds": reply.get("odds"), "choices": reply.get("choices")},
            "checks": checks.check(case["expect"], reply, today), "unsure": bool(reply.get("unsure")),
            "problems": ([error] if error else []) + checks.problems(reply, ids, today),
            "seconds": round(seconds, 4), "timings": reply.get("timings")}


async def run_cases(engine, cases, lists, answer_options=ANSWER_OPTIONS, on_result=None):
    results = []
    for case in cases:
        result = await run_case(engine, case, lists, answer_options)
        results.append(result)
        if on_result:
            on_result(result)
    return results


def case_line(r):
    mark = "ok " if r["checks"]["all"] else "BAD"
    wanted = r["expect"]["tool"]
    got = r["got"]["tool"]
    extra = f"  !! {'; '.join(r['problems'])}" if r["problems"] else ""
    return f"{mark} {r['id']:<16} {r['seconds']:6.2f}s  want {wanted!s:<12} got {got!s:<11} {r['request'][:60]}{extra}"


def base_model():
    if os.environ.get("TODO_BASE_GGUF"):
        return os.environ["TODO_BASE_GGUF"]
    from tools import vendor
    return str(vendor.default_model())


def main_general(args):
    """Generic prompts through the tuned and the base model; 1 when a tuned reply has a problem
    the base's does not."""
    from tools.eval import general
    model, base = args.model or default_model(), args.base or base_model()

    async def replies(path):
        engine = await load_engine(path, args.backend)
        return (await general.answers(engine, general.PROMPTS, args.answer_tokens or 48),
                await general.text_nll(engine, general.passages()))
    (tuned, tuned_nll), (base_replies, base_nll) = asyncio.run(replies(model)), asyncio.run(replies(base))
    result = general.report(general.PROMPTS, tuned, base_replies, {"tuned": tuned_nll, "base": base_nll})
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}) if args.json else general.format_report(result))
    return 1 if result["with_problems"] or not result["perplexity"]["within_bound"] else 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.general:
        return main_general(args)
    all_cases = checks.load_cases(args.cases) if args.cases else checks.load_cases()
    cases = checks.select_cases(all_cases, ci=args.ci, category=args.category, limit=args.limit)
    lists = checks.load_lists()
    model = args.model or default_model()
    options = dict(ANSWER_OPTIONS, **({"max_tokens": args.answer_tokens} if args.answer_tokens else {}))
    print(f"[eval] {len(cases)} cases, model {Path(model).name}", file=sys.stderr, flush=True)
    started = time.perf_counter()

    out = args.out or (DEFAULT_OUT if args.json else None)
    done = []

    def write(results):
        report = {"model": Path(model).name, "cases": len(results), "of": len(cases),
                  "wall_s": round(time.perf_counter() - started, 1), "answer_options": options,
                  "summary": checks.summarize(results), "results": results}
        if out:  # after every case, so that a long run that is stopped still leaves its results
            Path(out).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return report

    def on_result(result):
        done.append(result)
        if not args.quiet:
            print(case_line(result), file=sys.stderr, flush=True)
        write(done)

    async def go():
        engine = await load_engine(model, args.backend)
        return await run_cases(engine, cases, lists, options, on_result)

    results = asyncio.run(go())
    wall = time.perf_counter() - started
    report = write(results)
    summary = report["summary"]
    broken = [r for r in results if r["problems"]]
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "results"}, ensure_ascii=False))
    else:
        print(checks.format_table(summary))
        print(f"{len(results)} cases in {wall:.0f} s; invalid replies: {len(broken)}"
              + (f"; details in {out}" if out else ""))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
