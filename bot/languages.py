"""The languages Prescreen speaks, in one place: the list, the default, and how a language is picked.

Everything that knows a language imports it from here: the readers, the chat page, the texts, the
lead records, the notifier and the coordinator app. Adding a language is its data (responses,
questions, the chat page's words, training data, catalogues; docs/architecture.md lists them) plus
its code in `Language` below.
"""

from __future__ import annotations

from typing import Literal, get_args

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "en"  # a conversation, record or page that names none (or one no longer spoken)
# The hospital's own language: what the study team reads unless they choose otherwise (new coordinator
# accounts, the notifications) and what the hospital's WeChat account speaks first.
STUDY_TEAM_LANGUAGE: Language = "zh"


def pick_language(value: object) -> Language | None:
    """A supported language from a page, a header or a setting ("zh-CN", "ZH", "en-GB"), else None."""
    if not isinstance(value, str):
        return None
    base = value.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None


def known_language(value: object) -> Language:
    """A stored language as it is: one of LANGUAGES, else the default (a record from before languages)."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE
