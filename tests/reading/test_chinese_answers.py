"""Chinese yes / no / not sure, as patients and their families type it (table: chinese_answers.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.reading import belief_about_records, read_yes_no
from bot.reading.chinese import has_han
from bot.trial.criteria import load_criteria

with open(Path(__file__).with_name("chinese_answers.yml"), encoding="utf-8") as handle:
    ROWS: list[dict[str, Any]] = yaml.safe_load(handle)["answers"]
CHECKS = {check.id: check for check in load_criteria().checks}


@pytest.mark.parametrize("row", ROWS, ids=[f"{row['text']}|{row.get('check', '')}" for row in ROWS])
def test_chinese_answer(row: dict[str, Any]) -> None:
    check = CHECKS.get(row.get("check", ""))
    reading = read_yes_no(row["text"], words=check.words if check else None)
    if check is not None and reading is not None:
        reading = belief_about_records(check, reading)
    assert (reading.value if reading else None) == row["expect"], reading


def test_table_covers_every_yes_no_check() -> None:
    asked = {row.get("check") for row in ROWS}
    assert {check.id for check in CHECKS.values() if check.answer == "yes_no"} - asked == set()


@pytest.mark.parametrize("check", CHECKS.values(), ids=CHECKS)
def test_chinese_words_are_chinese(check: Any) -> None:
    """The Chinese words must not change how English is read: each one holds a Chinese character."""
    raw = {item["id"]: item for item in load_raw_checks()}[check.id]
    for phrases in (raw.get("words_zh") or {}).values():
        assert all(has_han(phrase) for phrase in phrases), phrases


def load_raw_checks() -> list[dict[str, Any]]:
    from bot.trial.criteria import CRITERIA_FILE

    with open(CRITERIA_FILE, encoding="utf-8") as handle:
        checks: list[dict[str, Any]] = yaml.safe_load(handle)["checks"]
    return checks
