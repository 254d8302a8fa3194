"""The one normaliser before reading: the table in normaliser.yml, and what it must never change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.reading import lexicon
from bot.reading.normaliser import normalise_spoken, prepare

TABLE: dict[str, list[list[str]]] = yaml.safe_load(Path(__file__).with_name("normaliser.yml").read_text("utf-8"))
ROWS = [(kind, typed, read) for kind, rows in TABLE.items() for typed, read in rows]


def test_the_table_is_big_enough() -> None:
    assert len(ROWS) >= 40


@pytest.mark.parametrize(("kind", "typed", "read"), ROWS, ids=[f"{row[0]}-{row[1]}" for row in ROWS])
def test_normalised(kind: str, typed: str, read: str) -> None:
    assert normalise_spoken(typed) == read


def test_prepare_lower_cases_and_straightens() -> None:
    assert prepare("  I DON’T   Know ") == "i don't know"


@given(st.from_regex(r"[0-9 +()-]{1,20}", fullmatch=True))
def test_numbers_are_never_changed(number: str) -> None:
    assert re.sub(r"\D", "", normalise_spoken(number)) == re.sub(r"\D", "", number)


@given(st.from_regex(r"[a-z][a-z0-9._]{0,12}@[a-z0-9]{1,10}\.(com|cn|net)", fullmatch=True))
def test_emails_are_never_changed(email: str) -> None:
    assert normalise_spoken(email) == email


@given(st.text(max_size=200))
def test_never_empties_a_message(text: str) -> None:
    if re.search(r"\w", text):
        assert re.search(r"\w", normalise_spoken(text))


def test_every_lexicon_word_is_in_the_normalised_form() -> None:
    """A word the normaliser would change could never match a normalised message."""
    for language in ("en", "zh"):
        for kind in lexicon.kinds(language):
            for word in lexicon.words(language, kind):
                assert word == word.lower() == " ".join(word.split())
                assert word.isascii() or normalise_spoken(word) == normalise_spoken(normalise_spoken(word))
