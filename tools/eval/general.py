"""General abilities after tuning: greedy answers of the base and the tuned model to generic prompts
(no tool prompt), judged for what tuning can break.

    python3 build.py eval --general [--model PATH] [--base PATH] [--json]

The prompts are written apart from the training data's general-chat templates (other wording,
other topics). A reply has a problem when it
  - speaks the assistant's tool syntax ("tool: …", "todo: …"),
  - drifts into to-dos when the prompt is not about them,
  - is empty, or collapses into a loop (one short phrase repeated) that the base's reply does not.
Judged against the base's reply to the same prompt: a problem the base has too is not the tuning's.

And the perplexity of both models on general_text.txt: plain prose written for this check (no
model wrote it, no training data holds it), teacher-forced through the engine, so measured on the
re-quantized weights the app runs. The issue's bound: the tuned model's within 10 % of the base's.
"""
import math
import re
from pathlib import Path

import numpy as np

PROMPTS = [
    "Name three planets of the solar system.", "What is the boiling point of water in Celsius?",
    "Who wrote Romeo and Juliet?", "Give me a synonym for happy.", "What is 9 times 8?",
    "Describe a rainbow in two sentences.", "What language is spoken in Brazil?",
    "Suggest a name for a pet goldfish.", "Why do leaves change colour in autumn?",
    "Write one sentence about the moon.", "What is the largest ocean on Earth?",
    "How many days are in a leap year?", "Tell me a fun fact about octopuses.",
    "What does a thermometer measure?", "Give me a short motivational quote.",
    "What is the opposite of cold?", "Which animal is known as the king of the jungle?",
    "How do bees help plants?", "What colour do you get by mixing blue and yellow?",
    "Write a two-line poem about coffee.", "What is the main ingredient of guacamole?",
    "Explain what a verb is.", "How many continents are there?", "What is the capital of Japan?",
]
TEXT = Path(__file__).resolve().parent / "general_text.txt"
PERPLEXITY_BOUND = 1.10  # tuned / base
TOOL_SYNTAX = re.compile(r"(^|\n)\s*(tool|todo|status|filter|due|title)\s*:", re.IGNORECASE)
TODO_WORDS = re.compile(r"\bto-?dos?\b|\btask list\b", re.IGNORECASE)


def loops(text, size=3, times=4):
    """Whether some run of `size` words comes back `times` times or more."""
    words = text.split()
    grams = [" ".join(words[i:i + size]) for i in range(len(words) - size + 1)]
    return any(grams.count(g) >= times for g in set(grams))


def problems(prompt, reply):
    found = []
    if TOOL_SYNTAX.search(reply):
        found.append("tool syntax")
    if TODO_WORDS.search(reply) and not TODO_WORDS.search(prompt):
        found.append("drifts into to-dos")
    if not reply.split():
        found.append("empty")
    if loops(reply):
        found.append("loops")
    return found


def judge(prompt, tuned, base=None):
    """The tuned reply's problems that the base reply (when given) does not share."""
    own = problems(prompt, tuned)
    return [p for p in own if base is None or p not in problems(prompt, base)]


async def answers(engine, prompts, max_tokens):
    out = []
    for prompt in prompts:
        reply = await engine.chat.completions.create(
            messages=[{"role": "user", "content": prompt}], temperature=0, repetition_penalty=1.0,
            max_tokens=max_tokens)
        out.append(reply.choices[0].message.content.strip())
    return out


def passages(path=TEXT):
    return [p.strip() for p in Path(path).read_text(encoding="utf-8").split("\n\n") if p.strip()]


async def text_nll(engine, texts):
    """Mean negative log-likelihood (nats a token) of each text's tokens after its first, every
    text from an empty context, one decode step a token; exp of it is the perplexity."""
    model, total, count = engine.model, 0.0, 0
    for text in texts:
        ids = engine.tokenizer.encode(text)
        model.reset(0)
        await model.prefill(ids[:1])
        for i, following in enumerate(ids[1:], 1):
            logits = np.array(await model.read_logits(), np.float64)
            top = logits.max()
            total += top + math.log(np.exp(logits - top).sum()) - logits[following]
            count += 1
            if i < len(ids) - 1:
                await model.decode_one_token(following)
    model.reset(0)
    return total / count


def report(prompts, tuned, base, nll=None):
    """nll: {"tuned": …, "base": …} of text_nll, when measured."""
    rows = [{"prompt": p, "base": b, "tuned": t, "problems": judge(p, t, b)}
            for p, t, b in zip(prompts, tuned, base)]
    result = {"prompts": len(rows), "with_problems": sum(bool(r["problems"]) for r in rows), "rows": rows}
    if nll:
        ratio = math.exp(nll["tuned"] - nll["base"])
        result["perplexity"] = {"tuned": math.exp(nll["tuned"]), "base": math.exp(nll["base"]),
                                "ratio": ratio, "within_bound": ratio <= PERPLEXITY_BOUND}
    return result


def format_report(result):
    lines = []
    for row in result["rows"]:
        mark = "BAD" if row["problems"] else "ok "
        lines.append(f"{mark} {row['prompt']}\n    base : {row['base'][:110]!r}\n    tuned: {row['tuned'][:110]!r}"
                     + (f"\n    !! {', '.join(row['problems'])}" if row["problems"] else ""))
    if "perplexity" in result:
        p = result["perplexity"]
        lines.append(f"perplexity on general_text.txt: tuned {p['tuned']:.2f}, base {p['base']:.2f}, "
                     f"ratio {p['ratio']:.3f} (bound {PERPLEXITY_BOUND})")
    lines.append(f"{result['prompts'] - result['with_problems']} of {result['prompts']} tuned replies "
                 "without a problem the base's reply does not have")
    return "\n".join(lines)
