"""Text cleaning shared by the readers: normalising, phrase search, storing, language. No Rasa here."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

# Longer than this, a message is a story, not an answer: it is neither read nor trusted as a request.
MAX_ANSWER_CHARS = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def normalise(text: str) -> str:
    """Lower-case, straight apostrophes, no punctuation except apostrophes, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(text.split())


@functools.cache
def _whole_words(phrase: str) -> re.Pattern[str]:
    """A phrase as whole words, compiled once: the word lists outnumber `re`'s own cache of 512 patterns,
    which then compiled every phrase again for every message (most of a message's reading time)."""
    return re.compile(rf"(?<![\w']){re.escape(phrase)}(?![\w'])")


def any_phrase(text: str, phrases: Iterable[str]) -> str | None:
    """The first of the phrases found as whole words in the text."""
    for phrase in phrases:
        if _whole_words(phrase).search(text):
            return phrase
    return None


def longest_phrase(text: str, phrases: Iterable[str]) -> str | None:
    """The longest of the phrases found as whole words in the text."""
    found = [p for p in phrases if _whole_words(p).search(text)]
    return max(found, key=len) if found else None


def squeeze(text: str) -> str:
    """ "yesss" -> "yes", "nooooo" -> "noo", "yeahhh" -> "yeah": letters held down on a phone."""
    return re.sub(r"([a-z])\1{2,}", r"\1", text)


def clean_text(text: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """Printable text only, white space folded, cut to a length we are willing to store."""
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFKC", text)).split())[:limit]
