"""The date a request names, read by Python (todo_app/assistant/read_dates.py), and the search
phrase widened from the request (matching.widened)."""
import datetime as _dt

import pytest

from todo_app.assistant import matching, read_dates
from todo_app.assistant.pipeline import dates_as_requested

TODAY = _dt.date(2026, 11, 25)   # a Wednesday


@pytest.mark.parametrize("request_text, word", [
    ("what's scheduled for the 27th?", "november 27"), ("What's due on the 3rd?", "december 3"),
    ("anything planned for 12 December?", "december 12"), ("le 12 décembre", "december 12"),
    ("12. Dezember", "december 12"), ("Set clean the gutters due on November 20", "november 20"),
    ("Was steht für Samstag an?", "saturday"), ("Ajoute « appeler le garagiste » pour jeudi", "thursday"),
    ("Wat moet ik vandaag doen?", "today"), ("Aggiungi 'la giacca' per lunedì", "monday"),
    ("what is due the day after tomorrow", "in 2 days"), ("add mow the lawn in 3 days", "in 3 days"),
    ("add file the report next week", "next week"), ("Add 'renew gym pass' due 2026-12-15", "2026-12-15"),
    ("buy 2 tickets for friday", "friday"),
    ("Submit tax return is due Monday — actually no, make it Tuesday", "tuesday")])
def test_one_date_named_in_any_form_or_language(request_text, word):
    assert read_dates.named_date(request_text, TODAY) == word


@pytest.mark.parametrize("request_text", [
    "move it from tuesday to friday", "what's due this week", "anything due the next few days",
    "Guten Morgen! Was steht heute an und morgen?", "add buy milk", "every monday water the plants"])
def test_no_single_date_named(request_text):
    assert read_dates.named_date(request_text, TODAY) is None


def test_the_named_date_wins_over_another_but_not_over_a_title_or_a_cleared_date():
    assert dates_as_requested({"tool": "list", "filter": "2025-12-02"}, "what's scheduled for the 27th?", TODAY) == \
        {"filter": "november 27"}
    assert dates_as_requested({"tool": "add", "title": "Zahnarzt anrufen", "due": "none"},
                              "Füge 'Zahnarzt anrufen' für Dienstag hinzu", TODAY) == {"due": "tuesday"}
    assert dates_as_requested({"tool": "add", "title": "Review Monday notes", "due": "none"},
                              "add 'Review Monday notes'", TODAY) == {"due": "none"}
    assert dates_as_requested({"tool": "set_due", "due": "none"}, "clear the date of the friday call", TODAY) == {}
    assert dates_as_requested({"tool": "set_due", "due": "none"}, "no wait, just move it to Sunday", TODAY) == \
        {"due": "sunday"}
    assert dates_as_requested({"tool": "list", "filter": "overdue"}, "Wat moet ik vandaag doen?", TODAY) == \
        {"filter": "today"}
    assert dates_as_requested({"tool": "list", "filter": "overdue"}, "what's overdue today?", TODAY) == {}
    assert dates_as_requested({"tool": "list", "filter": "friday"}, "what's due this friday", TODAY) == {"filter": "friday"}


@pytest.mark.parametrize("words, request_text, want", [
    ("plan", "find the phone plan task", "phone plan"), ("dentist", "Did I already call the dentist?", "dentist"),
    ("clean", "search 'clean'", "clean"), ("milk", "search for milk in my shopping tasks", "milk"),
    ("buy", "find to-dos with the word buy", "buy"),
    ("station", "nothing alike", "station")])
def test_the_searched_words_widen_to_the_phrase_around_them(words, request_text, want):
    assert matching.widened(words, request_text) == want


def test_not_due_until_names_the_new_day_but_a_range_names_none():
    today = _dt.date(2026, 11, 25)
    assert read_dates.named_date("the rent isn't due until the 4th of December, update it", today) == "december 4"
    assert read_dates.named_date("postpone the dentist until friday", today) == "friday"
    assert read_dates.named_date("what's due between monday and friday", today) is None
    assert read_dates.named_date("anything due until friday?", today) is None


def test_a_weekday_with_its_day_number_is_that_day_and_month_end_is_its_last_day():
    today = _dt.date(2026, 12, 2)
    assert read_dates.named_date("mvoe the boiler to thursdy the 10th", today) == "december 10"
    assert read_dates.named_date("push the offsite to next Friday, the 11th", today) == "december 11"
    assert read_dates.named_date("what's due at the end of the month?", today) == "december 31"
    assert read_dates.named_date("fin du mois", _dt.date(2027, 2, 3)) == "february 28"
    assert read_dates.named_date("move it to friday or the 11th", today) is None   # two days: the model decides


def test_a_past_date_the_model_wrote_for_a_month_and_day_stands():
    today = _dt.date(2026, 12, 16)
    assert read_dates.as_requested("2026-12-03", "what was due on the 3rd of December?", today) == "2026-12-03"
    assert read_dates.as_requested("2026-11-03", "what was due on the 3rd of December?", today) == "december 3"


def test_a_span_from_today_is_that_many_days_on():
    today = _dt.date(2026, 12, 23)
    assert read_dates.named_date("push the gutters to a week from today", today) == "in 7 days"
    assert read_dates.named_date("due two weeks from now", today) == "in 14 days"
    assert read_dates.named_date("3 days from today", today) == "in 3 days"


def test_a_holiday_is_its_day_but_a_holiday_thing_is_not():
    today = _dt.date(2026, 12, 23)
    assert read_dates.named_date("what's due on Christmas Eve?", today) == "december 24"
    assert read_dates.named_date("the christmas tree has to be bought by christmas eve, update it", today) == "december 24"
    assert read_dates.named_date("tax return is due new year's eve now", today) == "december 31"
    assert read_dates.named_date("finish it before Weihnachten", today) == "december 25"
    assert read_dates.named_date("bis Silvester erledigen", today) == "december 31"
    assert read_dates.named_date("à noël", today) == "december 25"
    assert read_dates.named_date("party on halloween", today) == "october 31"
    assert read_dates.dates.resolve("january 1", today) == "2027-01-01"
    for thing in ("buy the christmas tree", "add buy christmas presents", "book the halloween costume",
                  "anything for the xmas party?"):
        assert read_dates.named_date(thing, today) is None, thing
    assert read_dates.named_date("for the xmas party tomorrow", today) == "tomorrow"


def test_a_weekday_of_next_week_and_a_fortnight():
    today = _dt.date(2026, 12, 2)   # a Wednesday
    assert read_dates.named_date("push the gutters out to friday next week", today) == "december 11"
    assert read_dates.named_date("next week on tuesday", today) == "december 8"
    assert read_dates.named_date("friday week", today) == "december 11"
    assert read_dates.named_date("set it for a fortnight from today", today) == "in 14 days"
    assert read_dates.named_date("in a fortnight", today) == "in 14 days"
    saturday = _dt.date(2026, 12, 5)
    assert read_dates.named_date("friday next week", saturday) == "december 11"
    assert read_dates.named_date("friday week", saturday) == "december 18"


def test_another_years_date_stands_only_in_the_past_tense():
    today = _dt.date(2026, 12, 2)
    assert read_dates.as_requested("2025-12-05", "what do I have on the 5th?", today) == "december 5"
    assert read_dates.as_requested("2025-12-05", "what was due on the 5th last year?", today) == "2025-12-05"


def test_a_day_named_as_the_start_of_a_shift_is_not_the_date():
    today = _dt.date(2026, 12, 7)
    assert read_dates.named_date("whatever's due tomorrow, push it back a week", today) is None
    assert read_dates.named_date("wedding on the 19th. Put the suit down for two days before it", today) is None
    assert read_dates.named_date("move it back by 3 days from friday", today) is None
    assert read_dates.named_date("push it to friday", today) == "friday"
    assert read_dates.named_date("pick up Anna's present the day before her party on Saturday", today) is None
    assert read_dates.named_date("what is due the day after tomorrow", today) == "in 2 days"
    assert read_dates.as_requested("in 8 days", "whatever's due tomorrow, push it back a week", today) == "in 8 days"


@pytest.mark.parametrize("typed, day", [("munday", "monday"), ("firday", "friday"), ("tuesdy", "tuesday"),
                                        ("thrusday", "thursday"), ("sundy", "sunday")])
def test_a_misspelt_weekday_is_the_nearest_one_with_its_first_letter(typed, day):
    from todo_app.assistant import dates
    assert dates.day_word(typed) == day
