"""The eligibility engine, table-driven: every criterion, and the age limits."""

from __future__ import annotations

from datetime import date

import pytest

from bot.trial.criteria import load_criteria
from bot.trial.eligibility import Status, Verdict, evaluate, questions_to_ask, read_back, ruling_check, score_check

CRITERIA = load_criteria()
YES_NO = [c for c in CRITERIA.checks if c.answer == "yes_no"]
ELIGIBLE = {c.id: c.meets for c in YES_NO} | {"age": 40}


def other(value: str) -> str:
    return "no" if value == "yes" else "yes"


@pytest.mark.parametrize(
    ("age", "verdict"),
    [(17, Verdict.DOES_NOT_MEET), (18, Verdict.MEETS), (75, Verdict.MEETS), (76, Verdict.DOES_NOT_MEET)],
)
def test_age_limits(age: int, verdict: Verdict) -> None:
    result = score_check(CRITERIA.check("age"), age, CRITERIA)
    assert result.verdict is verdict
    assert str(age) in result.reason and "18 to 75" in result.reason


@pytest.mark.parametrize("check", YES_NO, ids=lambda c: c.id)
def test_each_yes_no_criterion(check) -> None:
    assert score_check(check, check.meets, CRITERIA).verdict is Verdict.MEETS
    failed = score_check(check, other(check.meets), CRITERIA)
    assert failed.verdict is Verdict.DOES_NOT_MEET
    assert failed.reason == f"Patient {check.says[other(check.meets)]}."
    unsure = score_check(check, "unsure", CRITERIA)
    assert unsure.verdict is Verdict.UNKNOWN
    expected = "Needs checking in the records" if check.source == "record" else "Needs review"
    assert expected in unsure.reason


def test_all_met_is_likely_eligible() -> None:
    result = evaluate(CRITERIA, ELIGIBLE)
    assert result.status is Status.LIKELY_ELIGIBLE
    assert [r.check_id for r in result.results] == [c.id for c in CRITERIA.checks]


RECORD_CHECKS = ["cea_expression", "ctdna_positive", "liver_mets_resected", "residual_disease"]


@pytest.mark.parametrize("record_check", RECORD_CHECKS)
def test_not_sure_on_a_record_based_criterion_needs_review_never_rejects(record_check: str) -> None:
    result = evaluate(CRITERIA, ELIGIBLE | {record_check: "unsure"})
    assert result.status is Status.NEEDS_REVIEW
    assert [r.check_id for r in result.unknown] == [record_check]


@pytest.mark.parametrize("check", YES_NO, ids=lambda c: c.id)
def test_one_failed_criterion_is_likely_ineligible(check) -> None:
    result = evaluate(CRITERIA, ELIGIBLE | {check.id: other(check.meets)})
    assert result.status is Status.LIKELY_INELIGIBLE
    assert [r.check_id for r in result.failed] == [check.id]


def test_unanswered_criteria_are_unknown() -> None:
    result = evaluate(CRITERIA, {"age": 60})
    assert result.status is Status.NEEDS_REVIEW
    assert all(r.reason == "Not answered." for r in result.unknown)


def test_pregnancy_questions_only_up_to_childbearing_age() -> None:
    limit = CRITERIA.childbearing_age_max
    young = questions_to_ask(CRITERIA, {"age": limit})
    older = questions_to_ask(CRITERIA, {"age": limit + 1})
    assert "pregnant_or_breastfeeding" in young and "pregnancy_plan" in young
    assert "pregnant_or_breastfeeding" not in older and "pregnancy_plan" not in older
    result = evaluate(CRITERIA, {k: v for k, v in ELIGIBLE.items() if not k.startswith("pregnan")} | {"age": 70})
    assert result.status is Status.LIKELY_ELIGIBLE


ALL_IDS = [c.id for c in CRITERIA.checks]
UP_TO_55 = ALL_IDS
OVER_55 = [i for i in ALL_IDS if not i.startswith("pregnan")]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, UP_TO_55),  # age unknown yet: every question, in the criteria file's order
        ({"age": 60}, OVER_55),
        ({"age": 40}, UP_TO_55),
        ({"age": 80}, ["age"]),  # a hard exclusion ends the questions, and is the last one asked
        ({"age": 17}, ["age"]),
        ({"age": 60, "prior_car_t": "yes"}, OVER_55[: OVER_55.index("prior_car_t") + 1]),
        ({"age": 60, "prior_car_t": "unsure"}, OVER_55),  # not sure never ends the questions
        ({"age": 60, "crc_liver_mets": "no", "prior_car_t": "yes"}, ["age", "crc_liver_mets"]),  # the first one
        ({"age": 40, "pregnancy_plan": "yes"}, UP_TO_55),  # the last question excludes: nothing left out
        ({"age": 60, "prior_car_t": "no"}, OVER_55),
    ],
)
def test_questions_to_ask(answers: dict[str, str | int], expected: list[str]) -> None:
    assert questions_to_ask(CRITERIA, answers) == expected


def test_every_check_quotes_its_protocol_item() -> None:
    for check in CRITERIA.checks:
        assert check.protocol_text == CRITERIA.protocol[check.protocol]
        assert check.question and check.why and check.label
    assert {c.protocol for c in CRITERIA.record_checks} >= {"I3", "I4", "I7", "I8", "E13"}


def test_the_age_limits_are_read_from_the_criteria_file() -> None:
    import yaml

    from bot.reading import read_age
    from bot.trial.criteria import CRITERIA_FILE, parse_criteria

    assert CRITERIA.age_range == (18, 75) == CRITERIA.check("age").age_range
    document = yaml.safe_load(CRITERIA_FILE.read_text(encoding="utf-8"))
    document["checks"][0]["age_range"] = [21, 70]
    other_study = parse_criteria(document)
    assert other_study.age_range == (21, 70)
    assert score_check(other_study.check("age"), 71, other_study).verdict is Verdict.DOES_NOT_MEET
    # a birth year alone is refused when the birthday decides the side of the file's own limit
    assert read_age("born 1950", today=date(2026, 11, 25)).problem == "birthday"
    assert read_age("born 1950", today=date(2026, 11, 25), boundaries=other_study.age_range).age == 76
    del document["checks"][0]["age_range"]
    with pytest.raises(ValueError, match="age_range"):
        parse_criteria(document)


@pytest.mark.parametrize(
    ("answers", "ruling"),
    [
        ({}, None),
        ({"age": 60}, None),
        ({"age": 80}, "age"),
        ({"age": 60, "prior_car_t": "yes"}, "prior_car_t"),
        ({"age": 60, "prior_car_t": "unsure"}, None),  # not sure never rules out, so nothing to read back
        ({"age": 60, "crc_liver_mets": "no", "prior_car_t": "yes"}, "crc_liver_mets"),  # the first one
        ({"age": 60, "ctdna_positive": "no"}, "ctdna_positive"),
        ({"age": 40, "pregnancy_plan": "yes"}, "pregnancy_plan"),
        ({"age": 60, "pregnancy_plan": "yes"}, None),  # not asked over 55
    ],
)
def test_ruling_check_is_the_answer_that_ends_the_questions(answers: dict[str, str | int], ruling: str | None) -> None:
    assert ruling_check(CRITERIA, answers) == ruling


def test_every_check_reads_back_its_ruling_answer_in_the_second_person() -> None:
    for check in CRITERIA.checks:
        assert check.read_back.startswith(("you ", "your ", "the ", "a ")), check.id
    assert read_back(CRITERIA, "age", 80) == "you are 80 years old"
    assert "CAR-T" in read_back(CRITERIA, "prior_car_t", "yes")
