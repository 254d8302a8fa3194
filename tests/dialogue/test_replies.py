"""Which reply a message gets when it does not answer the question (bot/dialogue/replies.py), and the
answer log kept for the coordinator (bot/dialogue/notes.py). Plain tables, no Rasa."""

from __future__ import annotations

import pytest

from bot.dialogue import notes
from bot.dialogue.notes import answer_entry, confirmed_answer, logged_answer, noted_question
from bot.dialogue.replies import (
    WHY_AND_EXAMPLE,
    age_reply,
    joined_sentences,
    rule_out_reasons,
    study_team_topic,
    unreadable_reply,
)
from bot.trial.criteria import load_criteria
from tests.dialogue.test_corrections import RULED_OUT_BY_CAR_T, met_up_to

CRITERIA = load_criteria()
NOW = "2026-12-07T06:00:00+00:00"


@pytest.mark.parametrize(("text", "intent", "reply"), [
    ("banana", "nlu_fallback", "utter_invalid_yes_no"),  # the question's own hint
    ("hello", "greet", "utter_greet_again"),
    ("thanks", "thank", "utter_welcome"),
    ("わかりません", "nlu_fallback", "utter_language_not_supported"),
    ("no " * 200, "deny", "utter_answer_too_long"),
])
def test_an_answer_that_cannot_be_taken_is_explained(text, intent, reply) -> None:
    assert unreadable_reply(text, intent, "utter_invalid_yes_no") == reply


@pytest.mark.parametrize(("problem", "text", "intent", "reply"), [
    ("unreadable", "I'd rather not say", "deny", WHY_AND_EXAMPLE),
    ("unreadable", "hello", "greet", "utter_greet_again"),
    ("vague", "六十多岁", "inform", "utter_invalid_age_vague"),
    ("impossible", "I am 200", "inform", "utter_invalid_age_impossible"),
    ("birthday", "born in March", "inform", "utter_invalid_age_birthday"),
    ("unreadable", "purple", "nlu_fallback", "utter_invalid_age"),
])
def test_an_age_that_cannot_be_taken(problem, text, intent, reply) -> None:
    assert age_reply(problem, text, intent) == reply


@pytest.mark.parametrize(("text", "topic"), [
    ("how much does it cost?", "cost"), ("do I have to stop my chemo tablets?", "treatment"),
    ("要钱吗？", "cost"), ("what is CAR-T?", None), ("yes", None),
])
def test_questions_only_the_study_team_can_answer(text, topic) -> None:
    assert study_team_topic(text) == topic


def test_the_reasons_of_a_rule_out_in_each_language() -> None:
    why = CRITERIA.check("prior_car_t")
    assert rule_out_reasons(CRITERIA, RULED_OUT_BY_CAR_T, "en") == why.texts("en").why
    assert rule_out_reasons(CRITERIA, RULED_OUT_BY_CAR_T, "zh") == why.texts("zh").why
    assert rule_out_reasons(CRITERIA, met_up_to("prior_car_t"), "en") is None


def test_sentences_are_joined_as_each_language_writes_them() -> None:
    assert joined_sentences(["One.", "Two.", ""]) == "One. Two."
    assert joined_sentences(["一。", "二。"]) == "一。二。"


def test_an_earlier_answer_goes_to_the_history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notes, "now_iso", lambda: NOW)
    first = logged_answer({}, "age", answer_entry("60", 60, "read age 60"), "answered again")
    assert first == {"age": {"text": "60", "value": "60", "how": "read age 60"}}
    second = logged_answer(first, "age", answer_entry("I meant 64", 64, "corrected"), "corrected")
    assert second == {"age": {"text": "I meant 64", "value": "64", "how": "corrected", "history": [
        {"text": "60", "value": "60", "how": "read age 60", "event": "corrected", "at": NOW}]}}
    assert confirmed_answer(second, "age")["age"]["confirmed_at"] == NOW
    assert noted_question([], "cost", "how much?", "age") == [
        {"topic": "cost", "text": "how much?", "at": NOW, "during": "age"}]
