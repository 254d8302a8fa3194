"""Reference codes (bot/leads/reference_codes.py): one format, read the same way everywhere."""

from __future__ import annotations

import re

import pytest

from bot.leads.reference_codes import (
    ALPHABET,
    confirms_erasure,
    erasure_code,
    is_reference_code,
    new_reference_code,
    normalise_reference_code,
    reference_code_fragment,
    reference_code_in,
    without_reference_codes,
)

# typed by a patient or a coordinator -> the stored code, or None
NORMALISED = [
    ("PS-7K3F9Q", "PS-7K3F9Q"),
    ("ps-7k3f9q", "PS-7K3F9Q"),
    ("PS7K3F9Q", "PS-7K3F9Q"),
    ("ps7k3f9q", "PS-7K3F9Q"),
    ("PS 7K3F9Q", "PS-7K3F9Q"),
    (" PS - 7K3F9Q ", "PS-7K3F9Q"),
    ("Ps-7k3F9q", "PS-7K3F9Q"),
    ("PS-7K3F9", None),  # too short
    ("PS-7K3F9QX", None),  # too long
    ("PS-7K3F0Q", None),  # 0 is not in the alphabet
    ("PS-7K3FOQ", None),  # nor O
    ("PS-7K3F1Q", None),  # nor 1
    ("PS-7K3FIQ", None),  # nor I
    ("PS-7K3FLQ", None),  # nor L
    ("PS-7k3flq", None),  # nor l
    ("7K3F9Q", None),  # the prefix is part of the code
    ("XS-7K3F9Q", None),
    ("PS--7K3F9Q", None),
    ("", None),
]


@pytest.mark.parametrize(("typed", "stored"), NORMALISED)
def test_normalise(typed: str, stored: str | None) -> None:
    assert normalise_reference_code(typed) == stored


@pytest.mark.parametrize(("text", "valid"), [
    ("PS-7K3F9Q", True),
    ("PS-ABCDEF", True),
    ("PS-234567", True),
    ("ps-7k3f9q", False),  # valid once normalised, but not the stored form
    ("PS7K3F9Q", False),
    ("PS-7K3F0Q", False),
    ("PS-OOOOOO", False),
    ("PS-7K3F9", False),
])
def test_is_reference_code(text: str, valid: bool) -> None:
    assert is_reference_code(text) is valid


@pytest.mark.parametrize(("message", "found"), [
    ("please delete ps-7k3f9q thanks", "PS-7K3F9Q"),
    ("delete my answers PS-7K3F9Q", "PS-7K3F9Q"),
    ("my code is PS7K3F9Q, delete it", "PS-7K3F9Q"),
    ("code: ps 7k3f9q.", "PS-7K3F9Q"),
    ("(PS-7K3F9Q)", "PS-7K3F9Q"),
    ("delete my answers", None),
    ("delete PS-7K3F0Q", None),  # 0 is never in a code: a misread, erase nothing
    ("delete PS-1LOI23", None),
    ("delete PS-7K3F9QQ", None),  # a longer word is not a code
    ("TIPS-7K3F9Q", None),  # not a code inside another word
])
def test_reference_code_in(message: str, found: str | None) -> None:
    assert reference_code_in(message) == found


@pytest.mark.parametrize(("search", "fragment"), [
    ("PS-7K3F9Q", "PS-7K3F9Q"),
    ("ps7k3f9q", "PS-7K3F9Q"),
    ("PS-", "PS-"),
    ("ps-7k", "PS-7K"),
    ("7k3", "7K3"),
    ("ABCDEF", "ABCDEF"),  # six letters of the alphabet may be a code without its prefix
    ("Li Wei", None),
    ("138", None),  # 1 is never in a code: a phone number, not a code
    ("PS-%", None),
    ("PS-_", None),
])
def test_search_fragment(search: str, fragment: str | None) -> None:
    assert reference_code_fragment(search) == fragment


def test_new_codes_use_only_the_alphabet_and_read_back() -> None:
    codes = {new_reference_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(rf"PS-[{ALPHABET}]{{6}}", code)
        assert is_reference_code(code) and reference_code_in(f"delete {code.lower()}") == code
    assert not set("01OIL") & set(ALPHABET)


@pytest.mark.parametrize(("reference_code", "number", "typed", "confirms"), [
    ("PS-7K3F9Q", 12, "PS-7K3F9Q", True),
    ("PS-7K3F9Q", 12, "ps 7k3f9q", True),
    ("PS-7K3F9Q", 12, "PS7K3F9Q", True),
    ("PS-7K3F9Q", 12, "PS-7K3F9R", False),
    ("PS-7K3F9Q", 12, "#12", False),  # a lead with a code is confirmed with its code only
    ("PS-7K3F9Q", 12, "", False),
    (None, 12, "#12", True),
    (None, 12, "12", True),
    (None, 12, "# 12", True),
    (None, 12, "#13", False),
    (None, 12, "112", False),
])
def test_an_erasure_is_confirmed_by_the_code_the_page_asks_for(
        reference_code: str | None, number: int, typed: str, confirms: bool) -> None:
    """The lead page and the other-studies list ask for the same thing and read it the same way."""
    code = erasure_code(reference_code, number)
    assert code == (reference_code or f"#{number}")
    assert confirms_erasure(typed, code) is confirms


def test_codes_are_blanked_out_of_a_text_and_nothing_else() -> None:
    assert without_reference_codes("Your code is ps-7k3f9q.").split() == ["Your", "code", "is", "."]
    assert without_reference_codes("PS-7K3F9Q") == " "
    assert without_reference_codes("PSYCHE1 and PS-7K3F0Q stay") == "PSYCHE1 and PS-7K3F0Q stay"
