"""What the request's own words settle (todo_app/assistant/cues.py) and the pipeline's use of it."""
import pytest

from todo_app.assistant import cues, tools
from todo_app.assistant.pipeline import _plainly_named
from todo_app.todos import Todo


def choices(*names):
    return [{"tool": n, "label": tools.LABELS[n]} for n in names]


@pytest.mark.parametrize("request_text, tool", [
    ("add pay the water bill by december 3", "add"), ("Please add 'renew gym pass'", "add"),
    ("reopne the gym membreship", "reopen"), ("delete the gym one, it's done anyway", "delete"),
    ("could you remove the dentist", "delete"), ("cout all my todos", "count"),
    ("rename the passport one to: Delete every to-do", "rename")])
def test_the_leading_verb_names_a_tool_even_misspelt(request_text, tool):
    assert cues.leading_verb(request_text) == tool


@pytest.mark.parametrize("request_text", [
    "add a due date to the dentist for friday", "what is overdue?", "mark buy milk done",
    "bought the milk", "the vet one is done", "", "set the gutters to monday"])
def test_no_leading_verb_or_not_a_new_to_do(request_text):
    assert cues.leading_verb(request_text) is None


def test_a_tie_is_broken_only_toward_one_of_the_two_unsure_tools():
    assert cues.tie_break("add pay the water bill by december 3", choices("set_due", "add")) == "add"
    assert cues.tie_break("delete it, it's done", choices("complete", "delete")) == "delete"
    assert cues.tie_break("delete it, it's done", choices("complete", "reopen")) is None
    assert cues.tie_break("add milk", []) is None      # sure: the model's pick stands


@pytest.mark.parametrize("request_text, filter_word, status", [
    ("Combien de tâches sont terminées ?", "done", "done"), ("cout all my todos", "all", "all"),
    ("how many are still open", "open", "open"), ("¿Cuántas tareas tengo pendientes?", "open", "open"),
    ("Wie viele Aufgaben habe ich erledigt?", "done", "done")])
def test_a_question_of_quantity_over_a_status_is_a_count(request_text, filter_word, status):
    assert cues.settle(request_text, {"tool": "list", "filter": filter_word}) == {"tool": "count", "status": status}


def test_a_quantity_over_a_date_stays_a_list_and_court_is_not_count():
    assert cues.settle("How many are overdue?", {"tool": "list", "filter": "overdue"})["tool"] == "list"
    assert cues.settle("list my court dates", {"tool": "list", "filter": "open"})["tool"] == "list"


@pytest.mark.parametrize("request_text, chosen, want", [
    ("what's the total number of items, done or not?", "done", "all"),
    ("how many are finished and how many are open", "open", "all"),
    ("how many are left that are not done", "open", "open"),
    ("how many have I finished", "done", "done")])
def test_done_or_not_means_all(request_text, chosen, want):
    assert cues.settle(request_text, {"tool": "count", "status": chosen})["status"] == want


@pytest.mark.parametrize("request_text, want", [
    ("Quick question - what's on my plate right now?", "open"), ("show everything", "all"),
    ("Show my whole list, done ones too", "all"), ("zeig mir alles", "all")])
def test_a_list_of_all_needs_a_word_for_all(request_text, want):
    assert cues.settle(request_text, {"tool": "list", "filter": "all"})["filter"] == want


@pytest.mark.parametrize("request_text, chosen, want", [
    ("What is due in the next seven days?", "in 7 days", "week"),
    ("anything due this week?", "friday", "week"),
    ("What is due in 7 days?", "in 7 days", "in 7 days"),
    ("what's due on friday", "friday", "friday"), ("what's overdue this week", "overdue", "overdue")])
def test_a_range_of_days_is_the_week_filter(request_text, chosen, want):
    assert cues.settle(request_text, {"tool": "list", "filter": chosen})["filter"] == want


def test_a_search_for_duplicates_is_the_duplicates_tool():
    assert cues.settle("Is there a duplicate somewhere?", {"tool": "search", "words": "duplicates"}) == \
        {"tool": "duplicates"}
    assert cues.settle("find the duplicate key", {"tool": "search", "words": "duplicate key"})["tool"] == "search"


@pytest.mark.parametrize("request_text, chosen, want", [
    ("Translate 'where is the train station' into German", "search", "decline"),
    ("how do you say thank you in Dutch", "list", "decline"),
    ("What's the French for 'buy milk'?", "search", "decline"),
    ("translate my to-do list into Spanish", "search", "answer"),
    ("translate my tasks to Italian", "decline", "decline"),          # the model's own pick of the two stands
    ("add translate the letter for Anna", "add", "add"),
    ("what's the plan for tomorrow", "list", "list")])
def test_translating_a_phrase_is_declined_and_the_list_is_answered(request_text, chosen, want):
    assert cues.settle(request_text, {"tool": chosen})["tool"] == want


def test_settle_leaves_what_the_words_do_not_decide():
    values = {"tool": "set_due", "due": "friday"}
    assert cues.settle("move the dentist to friday", values) == values
    assert cues.settle("show my open to-dos", {"tool": "list", "filter": "open"}) == {"tool": "list", "filter": "open"}


def test_call_text_writes_the_values_in_the_grammars_format():
    assert tools.call_text({"tool": "count", "status": "all"}) == "tool: count\nstatus: all"
    assert tools.call_text({"tool": "answer"}) == "tool: answer"


def todo(id_, title):
    return Todo(id=id_, title=title, done=False, due=None)


def test_none_gives_way_to_the_one_title_the_request_plainly_names():
    shown = [todo("t12", "Schedule vet appointment for Luna"), todo("t3", "Call the vet about Max"),
             todo("t4", "Buy milk")]
    naming = "The vet appointment is for Milo, not Luna: rename it to"
    assert _plainly_named(naming, shown) == "Schedule vet appointment for Luna"
    assert _plainly_named("rename the vet one", shown) is None          # one shared word: not plain
    assert _plainly_named("tick off the dentist", shown) is None
    twins = shown + [todo("t5", "Vet appointment for Luna (cat)")]
    assert _plainly_named(naming, twins) is None                         # two titles as close: not plain
