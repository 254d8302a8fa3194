"""Record-based answers: not being told is not a "no", a result the patient was given stays definite.

The phrasings are in record_answers.yml, beside this file, keyed by the record-based question.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.reading.not_told import applies_to, read_record_answer, record_answer
from bot.trial.criteria import load_criteria

CRITERIA = load_criteria()
TABLE = yaml.safe_load(Path(__file__).with_name("record_answers.yml").read_text(encoding="utf-8"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def rows(section: str) -> list[tuple[str, str]]:
    return [(check_id, text) for check_id, texts in TABLE[section].items() for text in texts]


def definite_rows() -> list[tuple[str, str, str]]:
    return [
        (check_id, text, value)
        for check_id, by_value in TABLE["definite"].items()
        for value, texts in by_value.items()
        for text in texts
    ]


@pytest.mark.parametrize(("check_id", "text"), rows("unsure"))
def test_not_told_is_not_sure(check_id: str, text: str) -> None:
    reading = read_record_answer(text, CRITERIA.check(check_id))
    assert reading is not None and reading.value == "unsure", reading


@pytest.mark.parametrize(("check_id", "text", "value"), definite_rows())
def test_a_result_given_stays_definite(check_id: str, text: str, value: str) -> None:
    reading = read_record_answer(text, CRITERIA.check(check_id))
    assert reading is not None and reading.value == value, reading


@pytest.mark.parametrize(("check_id", "text"), rows("doubtful"))
def test_a_belief_a_question_or_two_results_is_not_sure(check_id: str, text: str) -> None:
    assert record_answer(text, CRITERIA.check(check_id)) == "unsure"


@pytest.mark.parametrize(("check_id", "text"), rows("no_opinion"))
def test_plain_answers_are_left_to_the_general_reader(check_id: str, text: str) -> None:
    assert record_answer(text, CRITERIA.check(check_id)) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # negation scope: what is negated is the telling, or the result
        ("not that I was told", "unsure"), ("I was told it was negative", "no"),
        ("nobody told me it was positive", "unsure"), ("I was told it wasn't positive", "no"),
        ("I wasn't told it was negative", "unsure"), ("it was not detected, they told me", "no"),
        ("医生没说是阴性", "unsure"), ("医生说是阴性", "no"), ("医生说不是阳性", "no"),
    ],
)
def test_negation_scope(text: str, value: str) -> None:
    assert record_answer(text, CRITERIA.check("ctdna_positive")) == value


def test_without_a_question_the_rule_still_holds() -> None:
    assert record_answer("not that I was told") == "unsure"
    assert record_answer("没做过") == "unsure"
    assert record_answer("the test came back negative") == "no"
    assert record_answer("no") is None


def test_the_surgery_question_has_no_not_tested() -> None:
    """ "Not yet" means not removed to the liver question, and no result exists to ask about."""
    liver, ctdna = CRITERIA.check("liver_mets_resected"), CRITERIA.check("ctdna_positive")
    assert record_answer("not yet", liver) is None and record_answer("not yet", ctdna) == "unsure"
    assert record_answer("没做过", liver) is None and record_answer("没做过", ctdna) == "unsure"


def test_the_reading_says_why() -> None:
    reading = read_record_answer("nobody told me it was positive", CRITERIA.check("cea_expression"))
    assert reading is not None and reading.how == "not told: 'nobody told'"


def test_applies_to_record_based_questions_only() -> None:
    assert {check.id for check in CRITERIA.checks if applies_to(check)} == {
        "liver_mets_resected", "residual_disease", "ctdna_positive", "cea_expression", "viral_infection",
    }


def test_the_table_covers_both_languages_and_every_record_question() -> None:
    """At least 40 not-told phrasings and 15 definite results per language, across the record questions."""
    unsure = [text for _, text in rows("unsure")]
    definite = [text for _, text, _ in definite_rows()]
    assert sum(1 for text in unsure if not CJK.search(text)) >= 40
    assert sum(1 for text in unsure if CJK.search(text)) >= 40
    assert sum(1 for text in definite if not CJK.search(text)) >= 15
    assert sum(1 for text in definite if CJK.search(text)) >= 15
    record_questions = {check.id for check in CRITERIA.checks if applies_to(check)}
    assert set(TABLE["unsure"]) == record_questions
