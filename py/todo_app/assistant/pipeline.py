"""One request in, one reply out: the assistant's whole path, used by the app's engine worker,
`build.py ask` and `build.py eval` alike (nothing duplicated).

    reply = await ask(engine, "what is overdue?", todos, today)

Phase 1 picks the tool (the model never sees the list there); phase 2, only for tools that act on
one to-do, shows the list and picks its title; `answer` writes free text over the list. Python
computes every fact and every date (tools.py, actions.py, dates.py).
"""
import math
import time

from . import actions, answers, cue_words, cues, grounding, matching, read_dates, tools

UNSURE_RATIO = 2.0   # unsure when the best tool is less than twice as likely as the second
FOCUS_SURE = 0.9     # the ask alone decides the tool when the model gives it at least this
ANSWER_OPTIONS = {"temperature": 0.3, "top_p": 0.9, "max_tokens": 200, "repetition_penalty": 1.15}
PICK_RESERVE = 64    # tokens left free for phase 2's pick (a title of at most 120 characters)


def tool_odds(call):
    """[(tool, probability)] best first, among the tools (from the phase-1 decision)."""
    logits = next((d.options for d in call.decisions if d.name == "tool" and d.options), {})
    if not logits:
        return [(call.values["tool"], 1.0)]
    top = max(logits.values())
    weights = {tool: math.exp(logit - top) for tool, logit in logits.items()}
    total = sum(weights.values())
    return sorted(((tool, w / total) for tool, w in weights.items()), key=lambda pair: -pair[1])


def unsure_choices(odds):
    """The two likeliest tools as choices when the model is unsure between them, else []."""
    if len(odds) < 2 or odds[1][1] * UNSURE_RATIO <= odds[0][1]:
        return []
    return [{"tool": tool, "label": tools.LABELS[tool]} for tool, _ in odds[:2]]


async def ask(engine, request, todos, today, force_tool=None, on_text=None, answer_options=None):
    """The reply (tools.py's shape, plus "odds", "unsure" and "timings") to one request."""
    todos = list(todos)
    start = time.perf_counter()
    call = await _choose_tool(engine, request, today, force_tool)
    if force_tool is None:
        call = await _focused(engine, request, today, call)
    odds = tool_odds(call) if force_tool is None else [(call.values["tool"], 1.0)]
    choices = unsure_choices(odds)
    verb = None if force_tool else cues.words_pick(request, call.values["tool"], choices)
    if verb is not None:  # a command's verb, or the words' pick of two close tools: ask with that one
        steps = call.model_steps
        call, choices = await _choose_tool(engine, request, today, verb), []
        call.model_steps += steps
    timings = {"tool_s": round(time.perf_counter() - start, 4), "prefilled_tokens": call.prefilled,
               "model_steps": call.model_steps}
    settled = settled_values(request, call.values, todos, force_tool)
    if settled["tool"] != call.values["tool"]:
        choices = []            # the request's words decided: nothing left to ask
        settled = {**settled, **dates_as_requested(settled, request, today)}   # "what am I doing today?"
    if settled != call.values:  # the call as it would have been written (phase 2 shows it)
        call.values, call.text = settled, tools.call_text(settled)
    tool = call.values["tool"]
    phase2 = time.perf_counter()
    if tool in tools.TARGET_TOOLS:
        result = await _target(engine, request, call, tool, todos, today, timings)
    elif tool == "add":
        result = actions.add_reply(call.values, today)
    elif tool == "answer":
        result = await _answer(engine, request, call, todos, today, on_text, answer_options, timings,
                               skip=bool(choices))
    else:
        result = tools.read_reply(tool, {**call.values, "request": request}, todos, today)
    timings["phase2_s"] = round(time.perf_counter() - phase2, 4)
    timings["total_s"] = round(time.perf_counter() - start, 4)
    result.update(choices=choices, unsure=bool(choices), timings=timings,
                  odds=[[t, round(p, 4)] for t, p in odds[:3]], tool_text=call.text)
    return result


def fitting(engine, request, tool_text, select, today, reserve, timings):
    """What phase 2 shows: select(most), the to-dos tools.py picks (at most `most`), cut to the
    most that fit the model's context with `reserve` tokens to spare. Long titles can overflow it
    (60 titles of ~95 characters do for SmolLM2's 2,048): the list is cut, never the request.
    timings["listed"] and ["list_cut"] say how many were shown and left out."""
    limit = engine.model.max_context - reserve

    def fits(shown):
        messages = grounding.target_messages(request, tool_text, shown, today)
        return len(engine.template.prompt_ids(messages, engine.tokenizer)) <= limit

    shown = select(grounding.MAX_LISTED)
    full = len(shown)
    if not fits(shown):  # the largest count that fits, by bisection (a few tokenizations)
        low, high = 0, full - 1
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(select(middle)) else (low, middle - 1)
        shown = select(low)
    timings["listed"], timings["list_cut"] = len(shown), full - len(shown)
    return shown


async def _choose_tool(engine, request, today, only=None):
    """Phase 1: the model's tool call (date words checked against the request)."""
    call = await engine.constrained(grounding.request_messages(request), tools.tool_grammar(today, only))
    call.values.update(dates_as_requested(call.values, request, today))
    return call


async def _focused(engine, request, today, call):
    """After a story, the ask: a long request's last sentence alone, when the model is sure of its
    tool and less sure of the whole request's, decides the tool (and a list's or count's filter);
    other values still come from the whole request."""
    ask_part = cues.the_ask(request)
    if ask_part is None or tool_odds(call)[0][1] >= FOCUS_SURE:
        return call
    focused = await _choose_tool(engine, ask_part, today)
    tool, sure = tool_odds(focused)[0]
    steps = call.model_steps + focused.model_steps
    if sure < FOCUS_SURE:
        call.model_steps = steps
        return call
    if tool not in ("list", "count") and tool != call.values["tool"]:
        focused = await _choose_tool(engine, request, today, tool)
        steps += focused.model_steps
    elif tool not in ("list", "count"):
        focused = call
    focused.model_steps = steps
    return focused


def dates_as_requested(values, request, today):
    """The model's date words checked against the date the request names (read_dates): a due date
    outside a new title, a list's date, or a day named where the model chose open/all/overdue."""
    found, text = {}, " ".join(str(request).casefold().split())
    due = values.get("due")
    if due is not None and not (due == "none" and cues.clears_date(request)):   # "none" removes it
        naming = _naming_words(request, values)
        found["due"] = read_dates.first_requests_date(read_dates.as_requested(due, naming, today), naming, today)
    filter_word = values.get("filter")
    if filter_word is not None and filter_word not in tools.FILTERS:
        found["filter"] = read_dates.looking_back(read_dates.as_requested(filter_word, request, today), request, today)
        if filter_word == "today" and not read_dates.names_a_day(request, today):
            found["filter"] = "open"   # "what's on my plate right now?" asks for no day
    elif filter_word in ("open", "all", "overdue") and not cues.says_overdue(request):
        ask = cues.the_ask(request)   # "I posted the cards today… anyway show me everything I haven't done yet"
        told = ask if ask and cues.names_a_status(ask) else request
        found["filter"] = read_dates.named_date(told, today) or filter_word
    elif filter_word == "week" and not (read_dates.DAY_PARTS.search(text) or cue_words.WEEK_RANGE.search(text)):
        found["filter"] = read_dates.named_date(request, today) or filter_word   # "shw me what is due tday"
    return found


def _naming_words(request, values):
    """The part of the request that names the to-do: without a rename's new title, whose words
    would otherwise pull look-alike titles onto the shortlist."""
    new_title = values.get("title", "").strip()
    at = request.casefold().rfind(new_title.casefold()) if new_title else -1
    return request[:at] + request[at + len(new_title):] if at >= 0 else request


async def _target(engine, request, call, tool, todos, today, timings):
    if not todos:
        return actions.target_reply(tool, call.values, tools.NO_TARGET, todos, today)
    naming = _naming_words(request, call.values)
    candidates = tools.candidates(todos, naming)   # matched once; fitting only cuts it shorter
    shown = fitting(engine, request, call.text, lambda most: candidates[:most],
                    today, PICK_RESERVE, timings)
    pick = await engine.constrained(grounding.target_messages(request, call.text, shown, today),
                                    tools.target_grammar(shown))
    timings["prefilled_tokens"] += pick.prefilled
    timings["model_steps"] += pick.model_steps
    values = {**call.values, "request": request}
    target = pick.values["target"]
    place = matching.named_position(naming, [t.title for t in todos])
    if place is not None:      # "complete the second item on my list": the list's own order
        return actions.target_reply(tool, values, todos[place].title, todos, today)
    quoted = _quoted_title(naming, todos)
    if quoted is not None:     # "make 'call the bank' read …": the title in quotes, word for word
        return actions.target_reply(tool, values, quoted, todos, today)
    plain = _plainly_named(naming, shown)
    if plain is not None and (target == tools.NO_TARGET or _shared_words(matching.content_words(naming), target) < 2):
        target = plain   # "the car service … clear it": the words name it, not "Clean the gutters"
    elif target == tools.NO_TARGET or _shared_words(matching.content_words(naming), target) == 0:
        translated = matching.named_in_another_language(todos, naming)
        if translated is not None:   # "Zet de kapper op maandag": "Book a haircut", not none
            return actions.target_reply(tool, values, todos[translated].title, todos, today)
    return actions.target_reply(tool, values, target, shown, today)


def _shared_words(asked, title):
    """How many of the request's content words `asked` the title holds (typos and accents aside)."""
    title_words = matching.words_of(title)
    return sum(matching.matches_any(w, title_words) for w in asked)


def _quoted_title(naming, todos):
    """The to-do's title the request quotes exactly (case and spacing aside), else None."""
    titles = {tools.normalize(t.title): t.title for t in todos}
    for match in cue_words.QUOTED_TITLE.finditer(naming):
        found = titles.get(tools.normalize(match.group(2)))
        if found is not None:
            return found
    return None


def settled_values(request, values, todos, force_tool=None):
    """The model's phase-1 values as the request's words settle them (cues.settle), with what the
    list adds: a request that names the person's own to-dos is about them, not off-topic."""
    settled = cues.settle(request, values)
    if force_tool is not None:  # the person picked this tool: their pick stands
        return settled if settled["tool"] == values["tool"] else values
    if settled["tool"] == "decline" and values["tool"] == "answer" and _about_a_todo(request, todos):
        return values           # "Is the boiler service before or after the offsite?"
    looked_up = _names_a_todo(request, todos) if settled["tool"] == "decline" else None
    if looked_up:               # "the tax thing", "what about the hotel": a lookup on the list
        return {"tool": "search", "words": looked_up}
    return settled


def _about_a_todo(request, todos):
    """Whether a word of the request (not a quote, a translation or an override) names a to-do."""
    text = " ".join(str(request).casefold().split())
    if _quotes_or_overrides(text):
        return False
    titles = [matching.words_of(t.title) for t in todos]
    return any(len(w) >= 4 and w.isalpha() and any(matching.matches_any(w, t) for t in titles)
               for w in matching.content_words(text))


def _quotes_or_overrides(text):
    """An instruction override, a quote or a translation: words that name a to-do there are not
    about the person's to-do."""
    return bool(cue_words.OVERRIDE.search(text) or cue_words.QUOTED.search(text) or cue_words.TRANSLATE.search(text))


def _names_a_todo(request, todos, most_words=5):
    """The words of a short request declined as off-topic that name to-dos on the list ("car
    stuff", "the tax thing?"), else None: a person naming their own to-do is asking about it. Not
    a request to do the to-do itself, a quote, a translation or a sum."""
    text = " ".join(str(request).casefold().split())
    words = matching.words_of(text)
    if not words or len(words) > most_words or _quotes_or_overrides(text):
        return None
    titles = [matching.words_of(t.title) for t in todos]
    if any(t and matching.word_matches(words[0], t[0]) for t in titles):
        return None      # "call the dentist for me": asks the app to do the to-do, which it cannot
    named = [w for w in matching.content_words(text)
             if w.isalpha() and len(w) >= 3 and any(matching.matches_any(w, t) for t in titles)]   # not "what's" -> "s"
    return " ".join(named) or None


def _plainly_named(naming, shown):
    """The title the request plainly names (where the model said `none`, or picked one the words
    hardly name): the one shown title that
    shares at least two words with the request where no other shares more than one, or the only
    title sharing any word when it holds every word the request names ("mark the tom one"); the one
    title in the script of a language the request names ("the Russian milk task")."""
    scripted = matching.in_named_script([t.title for t in shown], naming)
    if len(scripted) == 1:      # "the Japanese one": the one title in Japanese
        return shown[scripted[0]].title
    asked = matching.content_words(naming)
    shared = [_shared_words(asked, t.title) for t in shown]
    best = max(shared, default=0)
    if best == 0 or shared.count(best) > 1:
        return None
    runner_up = sorted(shared)[-2] if len(shared) > 1 else 0
    if (best >= 2 and runner_up <= 1) or (runner_up == 0 and best == len(asked)):
        return shown[shared.index(best)].title
    distinctive = [w for w in asked if len(w) >= 6 and w.isalpha()]
    only = shown[shared.index(best)].title
    if runner_up == 0 and best == 1 and _shared_words(distinctive, only):
        return only   # one long word only this title has: "passaporte"
    return None


async def _answer(engine, request, call, todos, today, on_text, options, timings, skip):
    """An order, a summary or groups by due date computed from the list (answers.py); anything
    else as the model's free text over the list, streamed through on_text(piece). Skipped when
    unsure (the person picks first)."""
    if skip:
        return tools.reply("answer", "", values=call.values)
    kind = answers.kind_of(request)
    if kind is not None:
        return answers.grounded(kind, call.values, todos, today)
    options = {**ANSWER_OPTIONS, **(options or {})}
    shown = fitting(engine, request, call.text, tools.answer_selection(todos, request),
                    today, options["max_tokens"], timings)
    messages = grounding.target_messages(request, call.text, shown, today)
    stream = await engine.chat.completions.create(messages=messages, stream=True, **options)
    pieces = []
    async for chunk in stream:
        piece = chunk.choices[0].delta.content
        if piece:
            pieces.append(piece)
            if on_text is not None:
                on_text(piece)
    return tools.reply("answer", "".join(pieces).strip(), values=call.values)
