"""`python3 build.py ask`: the app's assistant pipeline (todo_app.assistant.pipeline, the very
module the engine worker runs), natively on wgpu, over a to-do file in the app's export format.

    python3 build.py ask --todos my-todos.json [--today 2026-11-30] [--model PATH] [--json] QUESTION

With --json the last line is one object: {"answer", "actions", "tool", "timings", ...}.
"""
import argparse
import asyncio
import datetime as dt
import json
import sys
import time


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="build.py ask", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("question", nargs="+", help="what to ask (several words are joined)")
    parser.add_argument("--todos", required=True, help="a to-do file: the app's export, or a bare list")
    parser.add_argument("--today", help="the date to answer for (YYYY-MM-DD; default: today)")
    parser.add_argument("--model", help="GGUF path (default: the build's model)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    return parser.parse_args(argv)


def default_model_path():
    """The build's default model: $TODO_MODEL_GGUF (build.py sets the to-do-tuned one)."""
    import os
    from tools import vendor
    return os.environ.get("TODO_MODEL_GGUF") or str(vendor.tuned_model())


def load_todos(path):
    """Todo objects from an export file or a bare list, validated like the app's import."""
    from todo_app.todos import TodoList
    todos = TodoList()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    data = json.loads(text)
    entries = data.get("todos") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise SystemExit(f"{path}: expected the app's export format or a list of to-dos")
    # Keep the file's ids (the answer names them); import_json would keep them too.
    report = todos.import_json(json.dumps({"format": "todo-assistant", "todos": entries}))
    if not report.ok:
        raise SystemExit(f"{path}: {report.fatal}")
    for error in report.errors:
        print(f"warning: {error}", file=sys.stderr)
    return todos.items


def answer_text(reply):
    """The reply as plain text: the app's sentence, the listed to-dos, the proposed changes."""
    from todo_app.assistant.actions import describe
    lines = [reply["text"]] if reply["text"] else []
    today = dt.date.fromisoformat(reply["today"])
    for item in reply["items"]:
        due = f" (due {item['due']})" if item.get("due") else ""
        lines.append(f"- {item['title']}{' [done]' if item['done'] else ''}{due}")
    if reply.get("unsure"):
        lines.append("Not sure; the app offers: " + " / ".join(c["label"] for c in reply["choices"]))
    for action in reply["actions"]:
        lines.append(f"[proposed] {describe(action, today)}")
    return "\n".join(lines)


async def run(args):
    from todo_app.assistant.pipeline import ask
    from webgpu_llm.engine import Engine
    from webgpu_llm.gguf import FileSource
    todos = load_todos(args.todos)
    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    start = time.perf_counter()
    engine = await Engine.load(FileSource(args.model or default_model_path()))
    load_s = time.perf_counter() - start
    printed = []
    reply = await ask(engine, " ".join(args.question), todos, today,
                      on_text=None if args.json else lambda piece: (printed.append(piece), print(piece, end="", flush=True)),
                      answer_options={"temperature": 0})
    reply["today"] = today.isoformat()
    reply["timings"]["load_s"] = round(load_s, 3)
    if printed:
        print()
    reply["streamed"] = bool(printed)
    return reply


def main(argv=None):
    args = parse_args(argv)
    reply = asyncio.run(run(args))
    answer = answer_text(reply)
    if args.json:
        out = {"answer": answer, "actions": reply["actions"], "tool": reply["tool"],
               "timings": reply["timings"], "items": reply["items"], "values": reply["values"],
               "unsure": reply["unsure"], "choices": reply["choices"], "odds": reply["odds"]}
        print(json.dumps(out, ensure_ascii=False))
    elif not reply["streamed"]:
        print(answer)
    return 0
