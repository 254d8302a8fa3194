"""Reference codes (bot/leads/reference_codes.py): one format, read the same way everywhere."""

from __future__ import annotations

import re

import pytest

from bot.leads.reference_codes import (
    ALPHABET,
    is_reference_code,
    new_reference_code,
    normalise_reference_code,
    reference_code_fragment,
    reference_code_in,
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
