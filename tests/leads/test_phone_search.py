"""The store's search reads typed phone numbers itself (no dependency on the answer readers), and
reads them as the bot stored them: the same digits as bot.reading.contact.read_phone."""

from __future__ import annotations

import pytest

from bot.leads.search import typed_phone
from bot.reading.contact import read_phone

TYPED = [
    "+86 138 1234 5678", "138-1234-5678", "13812345678", "0086 138 1234 5678", "+8613812345678",
    "(021) 6549 0000", "021.6549.0000", "+44 20 7946 0958", "1234567", "＋８６ １３８ １２３４ ５６７８",
    "138\u200b1234\u200b5678", " 138 1234 5678 ", "138/1234/5678",
]
NOT_PHONES = ["Li Wei", "12", "li@example.com", "PS-7K3F9Q", "1234567890123456", "", "+", "138 1234 567a"]


@pytest.mark.parametrize("text", TYPED)
def test_typed_numbers_read_as_the_bot_stored_them(text: str) -> None:
    assert typed_phone(text) is not None
    assert typed_phone(text) == read_phone(text)


@pytest.mark.parametrize("text", NOT_PHONES)
def test_other_searches_are_not_phone_numbers(text: str) -> None:
    assert typed_phone(text) is None
