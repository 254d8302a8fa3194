"""The languages Prescreen speaks, in one place: the list, the default, how a language is picked, and
what the code needs to know of each (its name, its dates, the script it is written in).

Everything that knows a language imports it from here: the readers, the chat page, the texts, the
lead records, the notifier and the coordinator app. Adding a language is its data (responses,
questions, the chat page's words, training data, catalogues; docs/architecture.md lists them) plus
its code in `Language` and its line in `FACTS` below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "en"  # a conversation, record or page that names none (or one no longer spoken)
# The hospital's own language: what the study team reads unless they choose otherwise (new coordinator
# accounts, the notifications) and what the hospital's WeChat account speaks first.
STUDY_TEAM_LANGUAGE: Language = "zh"
# The language texts are first written in: the criteria file, domain.yml's default responses and the
# msgids of the coordinator app's and the notifier's catalogues (other languages are translations of it).
SOURCE_LANGUAGE: Language = "en"

# The letters a script is told apart by, as a regular-expression class (the readers and the chat page
# build their patterns from these). Han: CJK unified ideographs, extension A, compatibility ideographs.
SCRIPTS: Mapping[str, str] = {
    "latin": "A-Za-z",
    "han": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
}


@dataclass(frozen=True)
class LanguageFacts:
    """What the code needs to know of one language; its words live in the data files, not here."""

    name: str  # its own name for itself: the coordinator app's account page, a lead's conversation language
    english_name: str  # for the ethics committee's review sheet, beside `name` when they differ
    date_locale: str  # the CLDR locale its dates are written in (Babel)
    script: str  # the script a message written in it is told by (a key of SCRIPTS), one per language
    comma: str  # between two parts of one line ("completed 3 Dec, may be eligible")


FACTS: Mapping[Language, LanguageFacts] = {
    "en": LanguageFacts(name="English", english_name="English", date_locale="en_GB", script="latin", comma=", "),
    "zh": LanguageFacts(name="中文", english_name="Simplified Chinese", date_locale="zh_Hans_CN", script="han",
                        comma="，"),
}


def written_in(script: str) -> Language:
    """The language a message written in `script` ("han", "latin") is read as."""
    return next(language for language in LANGUAGES if FACTS[language].script == script)


def pick_language(value: object) -> Language | None:
    """A supported language from a page, a header or a setting ("zh-CN", "ZH", "en-GB"), else None."""
    if not isinstance(value, str):
        return None
    base = value.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None


def known_language(value: object) -> Language:
    """A stored language as it is: one of LANGUAGES, else the default (a record from before languages)."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE
