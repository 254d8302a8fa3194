"""The languages (bot/languages.py): one list, one default, one way to pick; nothing else defines its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.languages import DEFAULT_LANGUAGE, LANGUAGES, known_language, pick_language
from bot.web.chat.strings import TEXTS_DIR

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("value", "picked"), [
    ("zh", "zh"), ("zh-CN", "zh"), ("ZH_cn", "zh"), (" en-GB ", "en"), ("en", "en"),
    ("fr", None), ("", None), (None, None), (7, None), ("chinese", None),
])
def test_a_language_is_picked_from_a_page_header_or_setting(value: object, picked: str | None) -> None:
    assert pick_language(value) == picked


def test_a_stored_language_is_kept_or_becomes_the_default() -> None:
    assert [known_language(v) for v in ("zh", "en", "fr", None, "zh-CN")] == ["zh", "en", DEFAULT_LANGUAGE,
                                                                            DEFAULT_LANGUAGE, DEFAULT_LANGUAGE]
    assert DEFAULT_LANGUAGE in LANGUAGES


def test_the_chat_page_has_its_words_in_every_language_and_no_other() -> None:
    assert sorted(path.stem for path in TEXTS_DIR.glob("*.yml")) == sorted(LANGUAGES)


# A list of languages, a `Language` type or a default language written anywhere but bot/languages.py.
_OWN_DEFINITION = re.compile(r"^\s*(?:[A-Z_]*LANGUAGES|Language|DEFAULT_LANG(?:UAGE)?)\s*(?::[^=]+)?=", re.MULTILINE)


def test_no_module_defines_the_languages_but_bot_languages() -> None:
    """(tools/evaluation.py's LANGUAGES are its test sets per language, not a list of what is spoken.)"""
    found = [str(path.relative_to(ROOT)) for folder in ("bot", "actions") for path in (ROOT / folder).rglob("*.py")
             if path != ROOT / "bot" / "languages.py" and _OWN_DEFINITION.search(path.read_text(encoding="utf-8"))]
    assert found == []
