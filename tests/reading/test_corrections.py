"""Corrections of the previous answer ("sorry, I meant no", "我说错了", "go back"), and their look-alikes.

The phrasings are in corrections.yml, beside this file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.reading.corrections import is_correction, read_correction

TABLE = yaml.safe_load(Path(__file__).with_name("corrections.yml").read_text(encoding="utf-8"))
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(("text", "kind", "answer"), TABLE["corrections"])
def test_a_correction_is_seen_with_its_new_answer(text: str, kind: str, answer: str | None) -> None:
    correction = read_correction(text)
    assert correction is not None and correction.kind == kind, correction
    if answer in ("yes", "no", "unsure"):
        assert correction.new_answer is not None and correction.new_answer.value == answer, correction
    elif answer is None:
        assert correction.answer_text is None and correction.new_answer is None, correction
    else:  # an age or other words the corrected question's own reader reads again
        assert correction.answer_text == answer, correction


@pytest.mark.parametrize("text", TABLE["not_corrections"])
def test_a_look_alike_is_not_a_correction(text: str) -> None:
    assert read_correction(text) is None
    assert not is_correction(text)


def test_full_width_punctuation() -> None:
    correction = read_correction("不好意思，我说错了！应该是没有。")
    assert correction is not None and correction.new_answer is not None and correction.new_answer.value == "no"


def test_a_long_story_is_not_trusted_as_a_correction() -> None:
    """Like every request, a correction comes in a message short enough to be an answer."""
    assert read_correction("I made a mistake " + "and then the doctor said something else " * 15) is None
    assert read_correction("No - my mistake, " + "we talked about it for a long time " * 2) is not None


def test_the_correction_says_why() -> None:
    correction = read_correction("sorry, I meant no")
    assert correction is not None and correction.how == "i meant"


def test_the_table_covers_both_languages() -> None:
    """At least 25 corrections and 15 look-alikes per language."""
    corrections = [row[0] for row in TABLE["corrections"]]
    look_alikes = TABLE["not_corrections"]
    for texts, least in ((corrections, 25), (look_alikes, 15)):
        assert sum(1 for text in texts if CJK.search(text)) >= least
        assert sum(1 for text in texts if not CJK.search(text)) >= least
