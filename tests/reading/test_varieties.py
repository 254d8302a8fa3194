"""How people really type (issue 19): every variety's table read as the form reads it, and never as a question.

The tables are tests/reading/varieties.yml: Traditional characters, Shanghainese, Cantonese, northern and
south-western colloquial, spoken style (voice input), reduplication, two-part answers, named tests and
English varieties, at least 40 rows each.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.reading.check_answer import read_check_answer
from bot.reading.requests import is_question
from bot.reading.side_questions import read_side_question
from bot.trial.criteria import load_criteria

TABLES = Path(__file__).with_name("varieties.yml")
CRITERIA = load_criteria()
VARIETIES: dict[str, list[list[str]]] = yaml.safe_load(TABLES.read_text(encoding="utf-8"))
ROWS = [(variety, *row) for variety, rows in VARIETIES.items() for row in rows]


def test_every_variety_has_forty_rows() -> None:
    assert set(VARIETIES) == {"traditional", "shanghainese", "cantonese", "colloquial", "spoken", "reduplication",
                              "two_part", "named_tests", "english_varieties"}
    assert {variety: len(rows) for variety, rows in VARIETIES.items() if len(rows) < 40} == {}


def test_rows_name_real_questions_and_readings() -> None:
    ids = {check.id for check in CRITERIA.checks}
    assert {row[1] for row in ROWS} <= ids
    assert {row[3] for row in ROWS} <= {"yes", "no", "unsure", "ask_again"}


@pytest.mark.parametrize(("variety", "check_id", "text", "expect"), ROWS,
                         ids=[f"{row[0]}-{row[1]}-{row[2]}" for row in ROWS])
def test_reading(variety: str, check_id: str, text: str, expect: str) -> None:
    read = read_check_answer(CRITERIA.check(check_id), text)
    assert (read[0] if read else "ask_again") == expect, read


@pytest.mark.parametrize(("variety", "check_id", "text", "expect"), ROWS,
                         ids=[f"{row[0]}-{row[1]}-{row[2]}" for row in ROWS])
def test_an_answer_is_not_taken_for_a_question(variety: str, check_id: str, text: str, expect: str) -> None:
    side = read_side_question(text)
    assert side is None or side.after_answer, side
    assert not is_question(text)


@pytest.mark.parametrize("intent", [None, "affirm", "deny", "dont_know"])
def test_a_typed_command_is_never_an_answer(intent: str | None) -> None:
    """ "/帮助" (vz_slash_chinese) is no answer, whatever the NLU makes of it; only a button's own payload is."""
    for check in CRITERIA.checks:
        if check.answer == "yes_no":
            assert read_check_answer(check, "/帮助", intent=intent, confidence=1.0) is None
    if intent:
        assert read_check_answer(CRITERIA.check("prior_car_t"), f"/{intent}", intent=intent) is not None
