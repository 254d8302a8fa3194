"""The words of the chat page's own interface (the assistant's words come from Rasa).

Only the page chrome: buttons, hints, the notices and the "can't reach the assistant" banner. One
file per language in `texts/` (`en.yml`, `zh.yml`, the same keys); `{phone}`, `{emergency}`, `{max}`,
`{n}` and `{s}` are filled in by the page.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.languages import DEFAULT_LANGUAGE, LANGUAGES, pick_language

TEXTS_DIR = Path(__file__).with_name("texts")


@lru_cache(maxsize=1)
def all_strings() -> dict[str, dict[str, str]]:
    """Every language's strings, read once: {"en": {...}, "zh": {...}} (a file per language of LANGUAGES)."""
    return {
        language: {str(key): str(value) for key, value in yaml.safe_load(path.read_text(encoding="utf-8")).items()}
        for language, path in ((language, TEXTS_DIR / f"{language}.yml") for language in LANGUAGES)
    }


def pick_lang(requested: str | None) -> str:
    """The supported language closest to `requested` ("zh-CN" → "zh"), else the default."""
    return pick_language(requested) or DEFAULT_LANGUAGE


def strings_for(lang: str) -> dict[str, str]:
    strings = all_strings()
    return strings.get(lang, strings[DEFAULT_LANGUAGE])
