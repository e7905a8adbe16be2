"""Seeded synthetic conversations in the assistant's exact format (grounding.py), as JSON lines.

    PYTHONPATH=py python3 -m tools.finetune.generate OUT.jsonl [--seed 11] [--scenarios 12000]

One scenario = a random list, a random today and one request; it yields the phase-1 example
(system + request -> "tool: ...") and, for tools that act on one to-do or answer, the phase-2
example (target_messages -> "todo: TITLE" / "todo: none" / grounded text). Targets are written
exactly as the constrained decoder emits them. The split is by template: a template (its tool and
text) is either held out or trained on, never both. Also writes general-chat prompts (no tool
prompt) whose targets the base model writes itself at training time (self-distillation), and with
--case-repeat the dev sets' real requests (case_calls.py).
"""
import argparse
import datetime as dt
import random
import zlib
from dataclasses import dataclass

from todo_app.assistant import grounding, tools
from tools.eval import checks

from . import case_calls
from . import words as W
from .phrasing import date_phrase, dress, new_title, refer, verb_parts, verb_slots

HOLD_EVERY = 6          # a template is held out when crc32(tool + text) % HOLD_EVERY == 0


@dataclass
class Item:
    id: str
    title: str
    done: bool = False
    due: str | None = None


def held_out(tool, template):
    return zlib.crc32(f"{tool}|{template}".encode()) % HOLD_EVERY == 0


# -- lists --------------------------------------------------------------------------------------
def random_title(rng):
    r = rng.random()
    if r < 0.62:
        verb, objects = rng.choice(W.VERBS_OBJECTS)
        title = f"{verb} {rng.choice(objects)}"
    elif r < 0.72:
        title = rng.choice(W.PLAIN_TITLES)
    elif r < 0.84:
        title = rng.choice(W.FOREIGN_TITLES)
    elif r < 0.92:
        title = rng.choice(W.INJECTION_TITLES)
    else:
        title = " ".join(W.LONG_PARTS[:rng.randint(2, 4)])
    if rng.random() < 0.1:
        title = title.lower()
    return title


def random_list(rng, today):
    n = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60])
    todos = []
    for i in range(n):
        if todos and rng.random() < 0.08:     # near-duplicates: case, spacing, extension
            base = rng.choice(todos).title
            title = rng.choice([base.lower(), base.upper(), base + " and eggs", base + "  ", base])
        else:
            title = random_title(rng)
        due = None if rng.random() < 0.4 else (today + dt.timedelta(days=rng.randint(-10, 20))).isoformat()
        todos.append(Item(f"t{i}", title, rng.random() < 0.3, due))
    return todos


def absent_title(rng, todos):
    present = {tools.normalize(t.title) for t in todos}
    for _ in range(20):
        title = random_title(rng)
        if tools.normalize(title) not in present and all(
                tools.normalize(title) not in p and p not in tools.normalize(title) for p in present):
            return title
    return None


# -- phase-2 answers -----------------------------------------------------------------------------
def answer_text(kind, todos, today):
    open_items = [t for t in todos if not t.done]
    if not open_items:
        return "You have no open to-dos." if kind != "summary" else \
            f"All {len(todos)} to-dos are done." if todos else "Your list is empty."
    iso = today.isoformat()
    ranked = sorted(open_items, key=lambda t: (t.due is None, t.due or ""))

    def line(t):
        due = f" (due {t.due})" if t.due else ""
        return f"{grounding.clip_title(t.title)}{due}"
    if kind == "order":
        return "Suggested order:\n" + "\n".join(f"{n}. {line(t)}" for n, t in enumerate(ranked[:6], 1))
    late = [t for t in ranked if t.due and t.due < iso]
    if kind == "summary":
        text = f"You have {len(open_items)} open and {len(todos) - len(open_items)} done to-dos."
        if late:
            text += " Overdue: " + ", ".join(grounding.clip_title(t.title) for t in late[:5]) + "."
        nxt = next((t for t in ranked if t.due and t.due >= iso), None)
        return text + (f" Next up: {line(nxt)}." if nxt else "")
    week_end = (today + dt.timedelta(days=6)).isoformat()
    groups = [("Overdue", late), ("This week", [t for t in ranked if t.due and iso <= t.due <= week_end]),
              ("Later", [t for t in ranked if t.due and t.due > week_end]),
              ("No due date", [t for t in ranked if not t.due])]
    return "\n".join(f"{name}: " + ", ".join(grounding.clip_title(t.title) for t in items[:6])
                     for name, items in groups if items)


# -- scenarios -----------------------------------------------------------------------------------
TOOL_WEIGHTS = {"count": 5, "list": 8, "duplicates": 4, "search": 6, "add": 10, "complete": 15,
                "reopen": 12, "delete": 11, "rename": 6, "set_due": 11, "answer": 10, "decline": 12}
ANSWER = {k: W.ANSWER.get(k, []) + W.ANSWER_MORE.get(k, []) for k in {**W.ANSWER, **W.ANSWER_MORE}}
ANSWER["order"] = ANSWER["order"] + W.ANSWER_PLAN
DECLINE = W.DECLINE + W.DECLINE_MORE + W.DECLINE_WORLD
LIST = {k: W.LIST[k] + W.LIST_MORE.get(k, []) for k in W.LIST}
COMPLETE_POOLS = ((0.4, W.COMPLETE_PAST), (0.35, W.COMPLETE_STATUS), (0.25, W.COMPLETE))
ACT_POOLS = {"reopen": W.REOPEN + W.REOPEN_MORE, "delete": W.DELETE + W.DELETE_MORE, "rename": W.RENAME,
             "set_due": W.SET_DUE + W.SET_DUE_MORE + W.SET_DUE_MORE + W.UNDUE + W.UNDUE_MORE}
VERB_SLOTS = ("{past}", "{pp}", "{obj}", "{inf}")
SECOND = {k: [t for t in v if not any(x in t for x in VERB_SLOTS)] for k, v in {
    "add": W.ADD, "complete": W.COMPLETE + W.COMPLETE_STATUS, "delete": W.DELETE,
    "set_due": W.SET_DUE + W.SET_DUE_MORE, "list": W.LIST["open"] + W.LIST["overdue"],
    "count": W.COUNT["open"]}.items()}


def second_intent(rng, todos, today):
    """Another request appended after the first (which decides the tool)."""
    tool = rng.choice(list(SECOND))
    template = rng.choice(SECOND[tool])
    slots = {"new": new_title(rng), "w": "milk", "t": rng.choice(todos).title if todos else new_title(rng)}
    if "{d}" in template:
        slots["d"] = date_phrase(rng, today)[0]
    return rng.choice(W.CONNECTORS) + template.format(**slots)


def scenario(rng):
    today = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 1000))
    todos = random_list(rng, today)
    tool = rng.choices(list(TOOL_WEIGHTS), weights=list(TOOL_WEIGHTS.values()))[0]
    slots, target, answer_kind = {}, None, None
    if tool == "count":
        status = rng.choice(list(W.COUNT))
        template, call = rng.choice(W.COUNT[status]), f"tool: count\nstatus: {status}"
    elif tool == "list":
        key = rng.choice(list(LIST) + ["date"])
        template, word = rng.choice(LIST[key]), key
        if key == "date":
            slots["d"], word = date_phrase(rng, today)
        if rng.random() < 0.08:    # in another language
            word = rng.choice(list(W.FOREIGN_LIST))
            template = rng.choice(W.FOREIGN_LIST[word])
            slots["fd"] = rng.choice(W.FOREIGN_DATE_WORDS.get(word, [""]))
        call = f"tool: list\nfilter: {word}"
    elif tool == "duplicates":
        template, call = rng.choice(W.DUPLICATES), "tool: duplicates"
    elif tool == "search":
        verb, objects = rng.choice(W.VERBS_OBJECTS)
        slots["w"] = rng.choice(objects).split(" ")[-1]
        template = rng.choice(W.SEARCH + W.SEARCH_MORE)
        verbal = [t for t in todos if verb_parts(t.title)] if rng.random() < 0.15 else []
        did = verb_slots(rng, rng.choice(verbal), todos) if verbal else None
        if did:    # "did I already call the dentist?" looks the to-do up
            template = rng.choice(W.SEARCH_DID)
            slots.update(did)
            slots["w"] = did["obj"].removeprefix("the ").split(" ")[-1]
        call = f"tool: search\nwords: {slots['w']}"
    elif tool == "add":
        template = rng.choice(W.ADD + W.ADD_MORE)
        slots["new"] = new_title(rng)
        due = "none"
        if rng.random() < 0.06:    # in another language, with its word for today/tomorrow
            template, due = rng.choice(W.FOREIGN_ADD), rng.choice(list(W.FOREIGN_DATE_WORDS))
            slots["fd"] = rng.choice(W.FOREIGN_DATE_WORDS[due])
        elif "{d}" in template:
            slots["d"], due = date_phrase(rng, today)
        call = f"tool: add\ntitle: {slots['new']}\ndue: {due}"
    elif tool in ("answer", "decline"):
        if tool == "answer":
            answer_kind = rng.choice(list(ANSWER))
            template = rng.choice(ANSWER[answer_kind])
        else:
            template = rng.choice(DECLINE)
        call = f"tool: {tool}"
    else:
        if tool == "complete":
            r, pool = rng.random(), None
            for p, pool in COMPLETE_POOLS:
                if r < p:
                    break
                r -= p
            template = rng.choice(pool)
        else:
            template = rng.choice(ACT_POOLS[tool])
        call = f"tool: {tool}"
        if tool == "rename":
            slots["new"] = new_title(rng)
            call += f"\ntitle: {slots['new']}"
        if tool == "set_due":
            due = "none"
            if "{d}" in template:
                slots["d"], due = date_phrase(rng, today)
            call += f"\ndue: {due}"
        if any(v in template for v in VERB_SLOTS):
            # a report in the user's words ("I booked the flights"): the to-do must start with a verb
            if rng.random() < 0.9:
                verbal = [t for t in todos if verb_slots(rng, t, todos)]
                if not verbal:
                    title = f"{rng.choice(list(W.PAST))} " + "x"
                    while not verb_parts(title) or tools.normalize(title) in {tools.normalize(t.title) for t in todos}:
                        title = new_title(rng)
                        title = title[:1].upper() + title[1:]
                    todos.insert(rng.randint(0, len(todos)), Item(f"t{len(todos)}", title, rng.random() < 0.2,
                                 None if rng.random() < 0.4 else (today + dt.timedelta(days=rng.randint(-5, 15))).isoformat()))
                    verbal = [t for t in todos if verb_slots(rng, t, todos)]
                if verbal:
                    todo = rng.choice(verbal)
                    slots.update(verb_slots(rng, todo, todos))
                    target = grounding.clip_title(todo.title)
            if target is None:
                for _ in range(20):
                    title = new_title(rng)
                    fake = Item("x", title)
                    v = verb_slots(rng, fake, [fake])
                    if v and not any(v["obj"].lower().removeprefix("the ") in t.title.lower() for t in todos):
                        slots.update(v)
                        target = tools.NO_TARGET
                        break
            if target is None:
                template, target = "{t} is done" if tool == "complete" else "reopen {t}", None
        if "{t}" in template and todos and rng.random() < 0.88:
            todo = rng.choice(todos)
            slots["t"], target = refer(rng, todo, todos), grounding.clip_title(todo.title)
        elif "{t}" in template:
            slots["t"], target = absent_title(rng, todos) or "the unicorn thing", tools.NO_TARGET
    request = dress(rng, template).format(**slots) if "{" in template else dress(rng, template)
    if tool not in ("answer", "decline") and not template.endswith(("{new}", "{w}")) and rng.random() < 0.08:
        request = request.rstrip(" ?!.") + second_intent(rng, todos, today)     # the first intent wins
    return {"today": today, "todos": todos, "tool": tool, "template": template, "request": request,
            "call": call, "target": target, "answer_kind": answer_kind}


def examples(s):
    """The training examples (dicts) of one scenario."""
    split = "held" if held_out(s["tool"], s["template"]) else "train"
    base = {"split": split, "tool": s["tool"], "template": s["template"], "today": s["today"].isoformat()}
    out = [{**base, "kind": "tool", "messages": grounding.request_messages(s["request"]),
            "target": s["call"]}]
    todos = s["todos"]
    if s["tool"] in tools.TARGET_TOOLS and todos:
        shown = tools.candidates(todos, s["request"])
        titles = [grounding.clip_title(t.title) for t in shown]
        if s["target"] == tools.NO_TARGET or s["target"] in titles:
            out.append({**base, "kind": "target", "titles": titles, "target": f"todo: {s['target']}",
                        "messages": grounding.target_messages(s["request"], s["call"], shown, s["today"])})
    if s["tool"] == "answer" and s["answer_kind"] != "translate":     # no made-up translations
        shown = tools.answer_context(todos, s["request"])
        out.append({**base, "kind": "answer", "target": answer_text(s["answer_kind"], shown, s["today"]),
                    "messages": grounding.target_messages(s["request"], s["call"], shown, s["today"])})
    return out


def chat_prompts(rng, n):
    seen, out = set(), []
    while len(out) < n and len(seen) < 20 * n:
        t = rng.choice(W.CHAT_TEMPLATES)
        text = t.format(c=rng.choice(W.COUNTRIES), k=rng.choice(W.CHAT_CONCEPTS), p=rng.choice(W.CHAT_TOPICS),
                        a=rng.choice(W.CHAT_ACTIVITIES), x=rng.randint(2, 99), y=rng.randint(2, 99))
        seen.add(text)
        if text not in {o["messages"][0]["content"] for o in out[-50:]}:
            out.append({"split": "held" if held_out("chat", t) else "train", "kind": "chat",
                        "tool": "chat", "template": t, "messages": [{"role": "user", "content": text}],
                        "target": None})
    return out


def generate(seed=11, scenarios=12000, chats=3000, case_repeat=0):
    """`case_repeat`: also each dev-set request (case_calls.py) that many times."""
    rng = random.Random(seed)
    out = []
    for _ in range(scenarios):
        out.extend(examples(scenario(rng)))
    if case_repeat:
        lists = checks.load_lists()
        out.extend(row for label in case_calls.load() for row in case_calls.examples(label, lists, case_repeat))
    return out + chat_prompts(rng, chats)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--scenarios", type=int, default=12000)
    parser.add_argument("--chats", type=int, default=3000)
    parser.add_argument("--case-repeat", type=int, default=0, help="dev-set requests, each this many times")
    args = parser.parse_args(argv)
    rows = generate(args.seed, args.scenarios, args.chats, args.case_repeat)
    checks.write_lines(args.out, rows)
    print(f"{len(rows)} examples -> {args.out}")


if __name__ == "__main__":
    main()
