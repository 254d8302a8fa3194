"""The held-out Chinese tables of ages and phone numbers (tests/nlu/zh/), every row read as written."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.reading import read_age, read_phone

TABLES = Path(__file__).parents[1] / "nlu" / "zh"


def _table(name: str, key: str) -> tuple[Any, list[dict[str, Any]]]:
    with open(TABLES / name, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    return document.get("today"), document[key]


AGES_TODAY, AGE_ROWS = _table("ages.yml", "ages")
_, PHONE_ROWS = _table("phones.yml", "phones")


def test_tables_are_big_enough() -> None:
    assert len(AGE_ROWS) >= 100 and len(PHONE_ROWS) >= 100


@pytest.mark.parametrize("row", AGE_ROWS, ids=[row["text"] for row in AGE_ROWS])
def test_chinese_age(row: dict[str, Any]) -> None:
    today = AGES_TODAY if isinstance(AGES_TODAY, date) else date.fromisoformat(str(AGES_TODAY))
    reading = read_age(row["text"], today=today)
    got = reading.age if reading.age is not None else "ask_again"
    assert got == row["expect"], reading


@pytest.mark.parametrize("row", PHONE_ROWS, ids=[row["text"] for row in PHONE_ROWS])
def test_chinese_phone(row: dict[str, Any]) -> None:
    assert read_phone(row["text"], language="zh") == row["expect"]
