"""The one correction rule (bot/dialogue/corrections.py): which answer a correction changes, and to what.

Plain tables, no Rasa: the form and the reopening after an early exit both call these.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.dialogue.corrections import corrected_answer, corrected_check
from bot.reading.corrections import read_correction
from bot.trial.criteria import load_criteria

CRITERIA = load_criteria()


def met_up_to(check_id: str) -> dict[str, Any]:
    """The answers of a patient who met every criterion before `check_id` (aged 60)."""
    answers: dict[str, Any] = {"age": 60}
    for check in CRITERIA.checks:
        if check.id == check_id:
            break
        if check.answer == "yes_no":
            answers[check.id] = check.meets
    return answers


RULED_OUT_BY_CAR_T = met_up_to("prior_car_t") | {"prior_car_t": "yes"}


@pytest.mark.parametrize(("answers", "open_check", "reading_back", "target"), [
    (met_up_to("prior_car_t"), "prior_car_t", False, "self_care"),  # the last question answered before
    (RULED_OUT_BY_CAR_T, "prior_car_t", True, "prior_car_t"),  # at the read-back: the ruling answer
    (RULED_OUT_BY_CAR_T, None, False, "prior_car_t"),  # after the questions ended early: the ruling answer
    ({}, "age", False, None),  # nothing answered before the first question
    (met_up_to("prior_car_t"), None, False, None),  # ended without a ruling: nothing to reopen
])
def test_the_answer_a_correction_changes(answers, open_check, reading_back, target) -> None:
    assert corrected_check(CRITERIA, answers, open_check, reading_back) == target


@pytest.mark.parametrize(("text", "check_id", "repeated", "expected"), [
    ("sorry, I meant no", "prior_car_t", None, ("no", "corrected ('i meant'): ")),
    ("oops I meant 64", "age", None, (64, "corrected ('oops / i meant'): read age 64")),
    ("go back", "prior_car_t", None, None),  # no new answer: the question is asked again
    ("sorry, I meant no", "prior_car_t", "no", None),  # "not that" to a no: asked again
    ("sorry, I meant no", "prior_car_t", "yes", ("no", "corrected ('i meant'): ")),
])
def test_the_new_answer_a_correction_carries(text, check_id, repeated, expected) -> None:
    correction = read_correction(text)
    assert correction is not None
    new = corrected_answer(CRITERIA.check(check_id), correction, repeated=repeated)
    if expected is None:
        assert new is None
    else:
        assert new is not None and new[0] == expected[0] and new[1].startswith(expected[1])
