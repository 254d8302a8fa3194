"""Words that answer the questions which are not eligibility checks (consent, contact, contact read-back).

They are data, kept in words.yml beside this module; each check's own words are in the criteria file.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from bot.reading.normaliser import prepare

WORDS_FILE = Path(__file__).with_name("words.yml")


@lru_cache(maxsize=1)
def _words() -> dict[str, dict[str, tuple[str, ...]]]:
    with open(WORDS_FILE, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    return {question: {value: tuple(phrases) for value, phrases in by_value.items()}
            for question, by_value in document.items()}


def consent_words() -> dict[str, tuple[str, ...]]:
    """Consent in the words people use ("fine by me", "go ahead"), from words.yml."""
    return _words()["consent"]


def contact_confirmation_words() -> dict[str, tuple[str, ...]]:
    """Words that confirm or reject the contact details read back ("all good", "the phone is wrong")."""
    return _words()["contact_confirmation"]


def contact_ok_words() -> dict[str, tuple[str, ...]]:
    """Words for "may a coordinator contact you?": wanting time to decide ("考虑一下", "let me think") is not sure."""
    return _words()["contact_ok"]


def other_studies_words() -> dict[str, tuple[str, ...]]:
    """Words for "may we keep your details to tell you about other studies?": contact_ok's, and "愿意"."""
    words = _words()
    return {value: words["contact_ok"].get(value, ()) + words["other_studies"].get(value, ())
            for value in ("yes", "no", "unsure")}


def says_yes_in_words(text: str) -> bool:
    """ "yes", "愿意", "keep my details": a yes in so many words, not only an "ok" or "好的" that may
    just close the conversation ("ok thank you", "好的，谢谢你")."""
    lowered = text.lower()
    return bool(re.search(r"\byes\b", lowered)) or any(
        phrase in lowered for phrase in _words()["other_studies"]["yes"]) and not any(
        phrase in lowered for phrase in _words()["other_studies"]["no"])


def keeps_nothing(text: str) -> bool:
    """ "no actually don't keep it", "算了，不要保存了" at the other-studies read-back: the permission taken back, so
    nothing is kept. Not "no, the e-mail is wrong" (the details fixed) nor a message that brings new details."""
    lowered = prepare(text)
    if re.search(r"@|\d{5}", lowered):
        return False
    found = [phrase for phrase in _words()["other_studies_keep_nothing"]["no"] if phrase in lowered]
    rest = lowered
    for phrase in found:
        rest = rest.replace(phrase, " ")  # "changed my mind" is no "change" of the details
    return bool(found) and not any(phrase in rest for phrase in _words()["contact_confirmation"]["no"])
