"""Word matching behind search and phase 2's shortlist (todo_app/assistant/matching.py)."""
import pytest

from todo_app.assistant import matching
from todo_app.todos import Todo


def todo(id_, title):
    return Todo(id=id_, title=title, done=False, due=None)


@pytest.mark.parametrize("word, other", [
    ("booked", "book"), ("taxes", "tax"), ("groceries", "grocery"), ("calling", "call"),
    ("print", "printer"), ("dentsit", "dentist"), ("apointment", "appointment"),
    ("recieve", "receive"), ("Über".casefold(), "über"), ("jürgenie", "jürgen"), ("cafe", "café")])
def test_words_that_name_the_same_thing_match(word, other):
    assert matching.word_matches(word, other)


@pytest.mark.parametrize("word, other", [
    ("printer", "print"), ("stamps", "stems"), ("car", "carrots"), ("cat", "car"), ("mum", "mud"),
    ("paint", "plant")])
def test_different_words_do_not_match(word, other):
    assert not matching.word_matches(word, other)


def test_typo_distance_counts_swaps_as_one_and_stops_past_the_limit():
    assert matching.typo_distance("dentsit", "dentist", 1) == 1
    assert matching.typo_distance("kitten", "sitting", 1) == 2        # limit + 1
    assert matching.typo_distance("abc", "abc", 0) == 0


def test_search_finds_all_words_first_and_ignores_filler_words():
    todos = [todo("a", "Order printer ink"), todo("b", "Print boarding passes"), todo("c", "Renew car insurance"),
             todo("d", "Vacuum the car"), todo("e", "Buy carrots")]
    assert [t.id for t in matching.search("printer", todos)] == ["a"]
    assert [t.id for t in matching.search("the car", todos)] == ["c", "d"]
    assert [t.id for t in matching.search("car insurance", todos)] == ["c"]
    assert matching.search("zebra", todos) == [] and matching.search("", todos) == []


def test_rare_words_weigh_more_than_common_ones():
    todos = [todo(f"c{i}", f"Call person {i}") for i in range(6)] + [todo("m", "Call mum about Sunday")]
    scores = matching.relevance(todos, "call mum")
    assert scores[-1] == max(scores) and scores[0] < scores[-1]


def test_the_shortlist_keeps_list_order_and_its_size():
    todos = [todo(f"t{i}", f"Water plant {i}") for i in range(40)]
    shown = matching.shortlist(todos, "water the plants", most=60)
    assert shown == todos     # a word in every title says nothing: the list as it is
    shown = matching.shortlist(todos + [todo("x", "Plant tulip bulbs")], "tulip", most=60)
    assert [t.id for t in shown] == ["x"]


def test_a_language_named_for_its_script_points_at_the_titles_in_that_script():
    titles = ["Café mit Jürgen", "寿司を買う", "Купить молоко", "Naïve Bayes homework", "学习中文", "Ελληνικά"]
    assert matching.in_named_script(titles, "mark the Japanese one as done") == [1]    # kana first
    assert matching.in_named_script(titles, "delete the Russian milk task") == [2]
    assert matching.in_named_script(titles, "le truc en chinois") == [4]
    assert matching.in_named_script(titles, "buy milk") == []
    assert matching.in_named_script(["学习中文", "Walk"], "the japanese one") == [0]     # no kana: Chinese characters
    todos = [todo(f"t{i}", f"Task {i}") for i in range(30)] + [todo("r", "Купить молоко")]
    assert [t.id for t in matching.shortlist(todos, "the russian one", most=60)] == ["r"]


def test_a_to_do_named_by_its_place_in_the_list():
    titles = [f"Title {i}" for i in range(8)]
    assert matching.named_position("complete the second item on my list", titles) == 1
    assert matching.named_position("delete the last one", titles) == 7
    assert matching.named_position("mark task 3 done", titles) == 2
    assert matching.named_position("tick #2", titles) == 1
    assert matching.named_position("Lösche die zweite Aufgabe", titles) == 1
    assert matching.named_position("item 12", titles) is None                   # no such place
    assert matching.named_position("the first thing tomorrow", titles) is None   # an idiom
    assert matching.named_position("Tick off the last thing on the list.", titles) == 7
    assert matching.named_position("buy a 2nd hand bike", titles) is None
    assert matching.named_position("finish task 2 of the course", titles + ["Finish task 2 of the course"]) is None
    assert matching.named_position("second to last one — bin it", titles) == 6
    assert matching.named_position("tick off the penultimate item", titles) == 6


def test_a_todo_named_in_another_language():
    titles = ["Book a haircut", "Pack for the trip", "Pay the parking fine", "Call the bank", "Buy milk",
              "Call mum", "Return the blender", "Check tyre pressure"]
    todos = [todo(f"t{i}", t) for i, t in enumerate(titles)]
    named = lambda request: matching.named_in_another_language(todos, request)
    assert titles[named("Sposta il taglio di capelli a venerdì")] == "Book a haircut"
    assert titles[named("Verplaats het inpakken voor de reis naar zaterdag")] == "Pack for the trip"  # not "parking"
    assert titles[named("Verschieb die Reifendruck-Kontrolle auf Samstag")] == "Check tyre pressure"
    assert named("call the bank") is None             # the words name it as they are: other rules' job
    assert named("Milch gekauft und Haare geschnitten") is None   # two to-dos
    assert named("Wie spät ist es?") is None
    long = [todo(f"x{i}", f"Task {i}") for i in range(40)] + todos
    assert [t.title for t in matching.shortlist(long, "Zet de kapper op maandag", 8)] == ["Book a haircut"]
    # "à" is no word: it would name every title with "a" in it
    assert "Book a haircut" not in [t.title for t in matching.shortlist(long, "J'ai rapporté ça à la maison", 8)]


def test_the_lexicon_is_symmetric_and_has_no_english_look_alikes():
    from todo_app.assistant import lexicon
    for word, others in lexicon.INDEX.items():
        assert all(word in lexicon.INDEX[o] for o in others)
    for risky in ("was", "list", "pass", "rock", "lit", "pan", "anne", "disk"):
        assert risky not in lexicon.INDEX
