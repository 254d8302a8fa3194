"""The words the WeChat gateway sends itself (the assistant's words come from Rasa).

One file per language in `texts/` (`en.yml`, `zh.yml`, the same keys), catalogued with every other
patient text (bot/texts) and checked for both languages (tests/texts).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.languages import STUDY_TEAM_LANGUAGE

ACCOUNT_LANG = STUDY_TEAM_LANGUAGE  # the hospital's account speaks Chinese first (a language of bot/languages.py)
TEXTS_DIR = Path(__file__).with_name("texts")


@lru_cache(maxsize=1)
def all_texts() -> dict[str, dict[str, str]]:
    return {
        path.stem: {str(key): str(value) for key, value in yaml.safe_load(path.read_text(encoding="utf-8")).items()}
        for path in sorted(TEXTS_DIR.glob("*.yml"))
    }


def texts_for(lang: str) -> dict[str, str]:
    texts = all_texts()
    return texts.get(lang, texts[ACCOUNT_LANG])
