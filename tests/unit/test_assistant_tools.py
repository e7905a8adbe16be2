"""The assistant's tools in plain Python: date words, read tools, proposed actions, target matching."""
import datetime as dt

import pytest

from todo_app.assistant import actions, dates, tools
from todo_app.todos import Todo

TODAY = dt.date(2026, 11, 30)  # a Monday


def todo(id, title, done=False, due=None):
    return Todo(id=id, title=title, done=done, due=due)


LIST = [todo("t1", "Call the dentist", due="2026-11-28"), todo("t2", "Buy milk"),
        todo("t3", "buy  MILK", done=True), todo("t4", "Book flights to Lisbon", due="2026-12-04"),
        todo("t5", "Pay rent", due="2026-11-30"), todo("t6", "Write the report", done=True, due="2026-11-20")]


@pytest.mark.parametrize("word, iso", [
    ("today", "2026-11-30"), ("tomorrow", "2026-12-01"), ("yesterday", "2026-11-29"),
    ("monday", "2026-12-07"), ("friday", "2026-12-04"), ("sunday", "2026-12-06"),
    ("next week", "2026-12-07"), ("in 3 days", "2026-12-03"), ("december 3", "2026-12-03"),
    ("november 30", "2026-11-30"), ("november 29", "2027-11-29"), ("february 29", "2028-02-29"),
    ("2027-01-15", "2027-01-15"), ("  Friday ", "2026-12-04")])
def test_date_words_resolve_relative_to_today(word, iso):
    assert dates.resolve(word, TODAY) == iso


@pytest.mark.parametrize("word", ["someday", "february 30", "2026-13-01", "in x days", ""])
def test_unknown_date_words_raise(word):
    with pytest.raises(dates.DateError):
        dates.resolve(word, TODAY)


def test_every_vocabulary_word_resolves_and_words_are_unique():
    words = dates.vocabulary(TODAY)
    assert len(words) == len(set(words)) > 1000
    for word in words:
        assert dates.resolve(word, TODAY)


def test_spoken_dates():
    assert [dates.spoken(d, TODAY) for d in ("2026-11-30", "2026-12-01", "2026-12-03", "2027-01-02")] == [
        "today", "tomorrow", "Thu 3 Dec", "Sat 2 Jan 2027"]


def test_count_states_the_numbers():
    assert tools.read_reply("count", {"status": "open"}, LIST, TODAY)["text"] == "You have 4 open to-dos."
    assert tools.read_reply("count", {"status": "done"}, LIST, TODAY)["text"] == "You have 2 done to-dos."
    assert tools.read_reply("count", {"status": "all"}, LIST, TODAY)["text"] == \
        "You have 6 to-dos in all: 4 open, 2 done."
    assert tools.read_reply("count", {"status": "open"}, [], TODAY)["text"] == "You have 0 open to-dos."


@pytest.mark.parametrize("filter_word, ids", [
    ("open", ["t1", "t2", "t4", "t5"]), ("done", ["t3", "t6"]), ("overdue", ["t1"]),
    ("today", ["t5"]), ("week", ["t4", "t5"]), ("friday", ["t4"]), ("december 4", ["t4"]),
    ("tomorrow", [])])
def test_list_filters(filter_word, ids):
    reply = tools.read_reply("list", {"filter": filter_word}, LIST, TODAY)
    assert [i["id"] for i in reply["items"]] == ids
    assert reply["text"].endswith(f"({len(ids)}):") if ids else reply["text"].endswith("none.")


def test_duplicates_ignore_case_and_spacing():
    reply = tools.read_reply("duplicates", {}, LIST, TODAY)
    assert [i["id"] for i in reply["items"]] == ["t2", "t3"] and "“Buy milk”" in reply["text"]
    assert tools.read_reply("duplicates", {}, LIST[:2], TODAY)["items"] == []


def test_search_all_words_first_and_tolerates_typos():
    assert [t.id for t in tools.search("milk", LIST)] == ["t2", "t3"]
    assert [t.id for t in tools.search("dentsit", LIST)] == ["t1"]
    assert [t.id for t in tools.search("flights lisbon", LIST)] == ["t4"]
    assert tools.search("", LIST) == [] and tools.search("zebra", LIST) == []


def test_add_proposes_and_resolves_the_date_in_python():
    reply = actions.add_reply({"tool": "add", "title": " Buy bread ", "due": "tomorrow"}, TODAY)
    assert reply["actions"] == [{"op": "add", "id": None, "title": "Buy bread", "due": "2026-12-01"}]
    assert reply["text"] == "Add “Buy bread”, due tomorrow?"
    assert actions.add_reply({"title": "x", "due": "none"}, TODAY)["actions"][0]["due"] is None
    assert actions.add_reply({"title": "  ", "due": "none"}, TODAY)["actions"] == []


def test_target_tools_propose_one_action_on_the_chosen_to_do():
    reply = actions.target_reply("complete", {"tool": "complete"}, "Book flights to Lisbon", LIST, TODAY)
    assert reply["actions"] == [{"op": "complete", "id": "t4", "title": "Book flights to Lisbon"}]
    due = actions.target_reply("set_due", {"due": "friday"}, "Pay rent", LIST, TODAY)["actions"]
    assert due == [{"op": "set_due", "id": "t5", "title": "Pay rent", "due": "2026-12-04"}]
    rename = actions.target_reply("rename", {"title": "Call Dr. Smith"}, "Call the dentist", LIST, TODAY)
    assert rename["actions"][0]["new_title"] == "Call Dr. Smith"
    undue = actions.target_reply("set_due", {"due": "none"}, "Pay rent", LIST, TODAY)
    assert undue["actions"][0]["due"] is None and undue["text"].startswith("Remove the due date")


def test_ambiguous_targets_offer_each_match_and_skip_those_it_cannot_apply_to():
    both = actions.target_reply("delete", {}, "Buy milk", LIST, TODAY)
    assert [a["id"] for a in both["actions"]] == ["t2", "t3"] and "Which one" in both["text"]
    only_open = actions.target_reply("complete", {}, "buy  MILK", LIST, TODAY)
    assert [a["id"] for a in only_open["actions"]] == ["t2"]
    done = actions.target_reply("complete", {}, "Write the report", LIST, TODAY)
    assert done["actions"] == [] and done["text"] == "“Write the report” is already done."


def test_no_target_and_empty_list_say_so():
    assert actions.target_reply("delete", {}, tools.NO_TARGET, LIST, TODAY)["text"] == \
        "I could not find that to-do in your list."
    assert actions.target_reply("delete", {}, tools.NO_TARGET, [], TODAY)["text"] == "Your list is empty."


def test_candidates_of_a_long_list_are_the_titles_sharing_words_with_the_request():
    long = [todo(f"x{i}", f"Task number {i}") for i in range(30)] + [todo("d", "Call the dentist"),
                                                                     todo("f", "Get a flu shot")]
    assert [t.id for t in tools.candidates(long, "mark the flu shot as completed")] == ["f"]
    assert [t.id for t in tools.candidates(long, "I called the dentsit")] == ["d"]
    # nothing in common: the list as it is (up to MAX_LISTED), so "the second one" still works
    assert tools.candidates(long, "the second one") == long
    assert tools.candidates(LIST, "anything") == LIST          # short lists are shown whole


def test_answer_context_keeps_the_most_relevant_of_a_very_long_list_in_order():
    long = [todo(f"x{i}", f"Task number {i}") for i in range(100)] + [todo("d", "Call the dentist")]
    shown = tools.answer_context(long, "call the dentist")
    assert len(shown) == 60 and shown[-1].id == "d" and shown[0].id == "x0"
    assert tools.answer_context(LIST, "anything") == LIST


def test_tool_names_start_with_distinct_tokens(smollm_tokenizer):
    firsts = [smollm_tokenizer.encode(f" {name}")[0] for name in tools.TOOLS]
    assert len(set(firsts)) == len(tools.TOOLS)


def test_describe_every_op():
    for action in ({"op": "add", "title": "A", "due": None}, {"op": "complete", "title": "A"},
                   {"op": "reopen", "title": "A"}, {"op": "delete", "title": "A"},
                   {"op": "rename", "title": "A", "new_title": "B"},
                   {"op": "set_due", "title": "A", "due": "2026-12-03"}):
        assert "“A”" in actions.describe(action, TODAY)


def test_answers_python_can_ground_are_built_from_the_list():
    from todo_app.assistant import answers
    assert [answers.kind_of(r) for r in ("Suggest an order for my tasks", "what should I tackle first?",
                                          "give me a summary", "group my to-dos by due date",
                                          "translate my list into French", "group them by theme")] == [
        "order", "order", "summary", "dates", None, None]
    order = answers.grounded("order", {}, LIST, TODAY)
    assert [i["id"] for i in order["items"]] == ["t1", "t5", "t4", "t2"]  # overdue, today, dec 4, none
    summary = answers.grounded("summary", {}, LIST, TODAY)
    assert summary["text"] == ("You have 4 open to-dos (overdue: 1, due today: 1, due in the next 7 days: 1, "
                               "no due date: 1) and 2 done.")
    dates_reply = answers.grounded("dates", {}, LIST, TODAY)
    assert [(g["label"], g["ids"]) for g in dates_reply["groups"]] == [
        ("Overdue", ["t1"]), ("Due today", ["t5"]), ("Due in the next 7 days", ["t4"]), ("No due date", ["t2"])]
    assert answers.grounded("order", {}, [LIST[2]], TODAY)["text"] == "You have no open to-dos."


@pytest.mark.parametrize("title, want", [
    ("book a table for Friday", ("book a table", "2026-12-04")),
    ("buy bred tomorow", ("buy bred", "2026-12-01")),
    ("acheter du fromage pour demain", ("acheter du fromage", "2026-12-01")),
    ("call mom on december 3", ("call mom", "2026-12-03")),
    ("pay rent next week", ("pay rent", "2026-12-07")),
    ("Brot kaufen morgen", ("Brot kaufen", "2026-12-01")),
    ("read Monday Night Stories", ("read Monday Night Stories", None)),
    ("friday", ("friday", None)),
    ("watch the december 3 launch", ("watch the december 3 launch", None)),
])
def test_a_date_left_at_the_end_of_a_title_is_read_by_python(title, want):
    assert dates.split_trailing(title, TODAY) == want


def test_add_moves_a_trailing_date_into_the_due_date():
    reply = actions.add_reply({"title": "book a table for Friday", "due": "none"}, TODAY)
    assert reply["actions"][0] == {"op": "add", "id": None, "title": "book a table", "due": "2026-12-04"}
    kept = actions.add_reply({"title": "book a table for Friday", "due": "tomorrow"}, TODAY)
    assert kept["actions"][0]["title"] == "book a table for Friday"  # the model's date wins


def test_rename_that_copied_the_old_title_takes_the_new_one_from_the_request():
    values = {"title": "buy milk", "request": "Rename buy milk to buy oat milk"}
    reply = actions.target_reply("rename", values, "Buy milk", LIST, TODAY)
    assert reply["actions"][0]["new_title"] == "buy oat milk"
    stuck = actions.target_reply("rename", {"title": "Buy milk", "request": "rename buy milk"}, "Buy milk", LIST, TODAY)
    assert stuck["actions"] == [] and "new title" in stuck["text"]


@pytest.mark.parametrize("word, request_text, read", [
    ("tomorrow", "shw me what is due tday", "today"),            # the request's misspelt day wins
    ("tomorrow", "mvoe water the plants to firday", "friday"),
    ("tomorrow", "ajoute du pain pour demain", "tomorrow"),      # said in French: agrees
    ("in 2 days", "what's due the day after tomorrow", "in 2 days"),   # not a plain day word
    ("monday", "move the dentist from tuesday to monday", "monday"),   # it says monday
    ("friday", "move it from tuesday to wednesday", "friday"),   # two other days: no guess
    ("today", "what is due", "today"),
    ("next week", "Adicionar comprar flores para sexta-feira", "friday"),   # a span vs one day said
    ("next week", "Termin beim Zahnarzt am Donnerstag", "thursday"),
    ("next week", "file the report next week", "next week"),     # the span is said
    ("in 3 days", "water the plants in 3 days", "in 3 days"),
    ("next week", "add call the bank", "next week")])            # no day said: the model's word
def test_a_day_word_is_checked_against_the_request(word, request_text, read):
    from todo_app.assistant import read_dates
    assert read_dates.as_requested(word, request_text, TODAY) == read


def test_search_of_filler_words_searches_the_request():
    reply = tools.read_reply("search", {"words": "task", "request": "find my dentist task"}, LIST, TODAY)
    assert [i["id"] for i in reply["items"]] == ["t1"]


def test_a_renames_new_title_does_not_pick_the_shortlist():
    from todo_app.assistant.pipeline import _naming_words
    said = "Call the shoes one 'order new hiking boots'"
    assert _naming_words(said, {"title": "order new hiking boots"}) == "Call the shoes one ''"
    assert _naming_words("delete the boots", {}) == "delete the boots"


def test_phase_two_lists_what_fits_the_context_and_keeps_the_request(smollm_tokenizer, smollm_chat_template):
    """60 long titles overflow SmolLM2's 2,048 tokens: the list is cut to fit, the request stays."""
    from types import SimpleNamespace

    from todo_app.assistant import grounding, pipeline
    engine = SimpleNamespace(model=SimpleNamespace(max_context=2048), tokenizer=smollm_tokenizer,
                             template=smollm_chat_template)
    long_title = ("Prepare the slides for Thursday's quarterly review with the finance team, "
                  "then send them to Anna and Bob")
    many = [todo(f"x{i}", f"{long_title} {i}", due="2026-12-04") for i in range(80)]
    timings = {}
    select = lambda most: tools.answer_context(many, "translate my list", most)  # noqa: E731
    shown = pipeline.fitting(engine, "translate my list", "tool: answer", select, TODAY, 200, timings)
    messages = grounding.target_messages("translate my list", "tool: answer", shown, TODAY)
    size = len(smollm_chat_template.prompt_ids(messages, smollm_tokenizer))
    assert 20 < len(shown) < 60 and size <= 2048 - 200
    bigger = grounding.target_messages("translate my list", "tool: answer",
                                       select(len(shown) + 1), TODAY)
    assert len(smollm_chat_template.prompt_ids(bigger, smollm_tokenizer)) > 2048 - 200  # as many as fit
    assert messages[1]["content"] == "translate my list"
    assert timings == {"listed": len(shown), "list_cut": 60 - len(shown)}
    timings = {}
    assert pipeline.fitting(engine, "x", "tool: answer", lambda most: tools.candidates(LIST, "x", most),
                            TODAY, 200, timings) == LIST
    assert timings == {"listed": len(LIST), "list_cut": 0}


def test_answer_selection_cuts_like_answer_context_at_every_size():
    long = [todo(f"x{i}", f"Task number {i}") for i in range(80)] + [todo("d", "Call the dentist")]
    select = tools.answer_selection(long, "call the dentist")
    for most in (100, 81, 60, 7, 1, 0):
        assert select(most) == tools.answer_context(long, "call the dentist", most)
