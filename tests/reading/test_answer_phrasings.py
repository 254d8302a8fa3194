"""How patients hedge: the yes / no / not-sure reader on phrasings that read one way and mean another."""

from __future__ import annotations

import pytest

from bot.reading import read_yes_no


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # "not ... sure" in any form is not sure, also with typos
        ("not really sure", "unsure"), ("I'm not 100% sure", "unsure"), ("nto sure", "unsure"),
        ("not shure", "unsure"), ("nit sure", "unsure"), ("can't be sure", "unsure"),
        ("not entirely certain", "unsure"),
        # not told, no results, not tested
        ("my doctor didn't say", "unsure"), ("they never told me", "unsure"),
        ("I never saw the pathology report", "unsure"), ("I haven't got the results yet", "unsure"),
        ("I haven't had that test", "unsure"), ("never been tested", "unsure"),
        ("I don't have the report", "unsure"), ("haven't a clue", "unsure"), ("dont recall", "unsure"),
        # sure that it's a no
        ("I'm sure I haven't", "no"), ("pretty sure not", "no"), ("I'm quite sure I don't", "no"),
        ("of course I haven't", "no"), ("I dont believe so", "no"), ("probably no", "no"),
        ("I have had no other cancers", "no"),
        # and what must not change
        ("I'm sure I have", "yes"), ("pretty sure", "yes"), ("of course", "yes"),
        ("not sure", "unsure"), ("not really", "no"), ("no i haven't", "no"), ("I didn't", "no"),
    ],
)
def test_hedged_phrasings(text: str, value: str) -> None:
    reading = read_yes_no(text)
    assert reading is not None and reading.value == value, reading


def test_consent_phrasings_are_never_read_as_no() -> None:
    for text in ("sure, I don't mind", "sure I don't mind at all", "of course, I don't mind"):
        reading = read_yes_no(text, intent="affirm", confidence=0.9)
        assert reading is not None and reading.value == "yes", text
