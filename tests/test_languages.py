"""The languages (bot/languages.py): one list, one default, one way to pick; nothing else defines its own."""

from __future__ import annotations

import ast
import re
import tokenize
from pathlib import Path

import pytest
from babel import Locale

from bot.languages import (
    DEFAULT_LANGUAGE,
    FACTS,
    LANGUAGES,
    SCRIPTS,
    SOURCE_LANGUAGE,
    STUDY_TEAM_LANGUAGE,
    known_language,
    pick_language,
    written_in,
)
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


def test_every_language_has_its_facts_and_a_script_of_its_own() -> None:
    assert set(FACTS) == set(LANGUAGES)
    assert {DEFAULT_LANGUAGE, SOURCE_LANGUAGE, STUDY_TEAM_LANGUAGE} <= set(LANGUAGES)
    scripts = [FACTS[language].script for language in LANGUAGES]
    assert len(set(scripts)) == len(scripts) and set(scripts) <= set(SCRIPTS)
    assert [written_in(script) for script in scripts] == list(LANGUAGES)
    for language in LANGUAGES:
        locale = Locale.parse(FACTS[language].date_locale)  # a locale Babel knows
        assert locale.language == language
        assert FACTS[language].name == Locale.parse(language).get_display_name(language)  # as a menu names it


def test_the_chat_page_has_its_privacy_notice_in_every_language() -> None:
    notices = ROOT / "bot" / "web" / "chat" / "templates" / "privacy"
    assert sorted(path.stem for path in notices.glob("*.html")) == sorted(LANGUAGES)


# Where a language's code may still be written in the code, and why: a language's own reading rules
# (its lexicon, its way of asking for a language, its phone numbers) are that language's, keyed by its
# code; spaCy's tokenizer language is spaCy's, not one the assistant speaks; the English notifications
# keep the dates they always had.
LANGUAGE_CODES_ALLOWED_IN = {
    "bot/reading/language.py", "bot/reading/contact.py", "bot/reading/lexicon.py", "bot/reading/not_told.py",
    "bot/reading/yes_no.py", "bot/reading/yes_no_zh.py", "bot/nlu/terms.py", "bot/notify/language.py",
}


def _modules_naming_a_language() -> set[str]:
    found = set()
    for folder in ("bot", "actions"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "bot" / "languages.py":
                continue
            with path.open("rb") as handle:
                for token in tokenize.tokenize(handle.readline):
                    if token.type == tokenize.STRING and token.string.strip("\"'") in LANGUAGES:
                        if ast.literal_eval(token.string) in LANGUAGES:
                            found.add(str(path.relative_to(ROOT)))
    return found


def test_no_module_names_a_language_but_where_a_rule_is_that_languages_own() -> None:
    """ "en" / "zh" as a default, a branch or a fallback: import it from bot/languages.py instead."""
    assert _modules_naming_a_language() == LANGUAGE_CODES_ALLOWED_IN
