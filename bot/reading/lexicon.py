"""The words of yes / no / not sure per language, kind and variety, kept as data in lexicon.yml. No Rasa here.

Every entry is passed through the normaliser the messages pass through (Traditional -> Simplified,
full-width -> half-width, lower case), so the words and the messages meet in one form. See lexicon.yml
for the kinds.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.reading.normaliser import fold_width, to_simplified

LEXICON_FILE = Path(__file__).with_name("lexicon.yml")


def _plain(word: str) -> str:
    return " ".join(to_simplified(fold_width(word)).lower().replace("’", "'").split())


@lru_cache(maxsize=1)
def _document() -> dict[str, dict[str, Any]]:
    with open(LEXICON_FILE, encoding="utf-8") as handle:
        document: dict[str, dict[str, Any]] = yaml.safe_load(handle)
    return document


def words(language: str, kind: str, variety: str | None = None) -> tuple[str, ...]:
    """The `kind` words of `language` ("en", "zh"), of every variety (or of one), normalised, in file order."""
    return _words(language, kind, variety)


@cache
def _words(language: str, kind: str, variety: str | None) -> tuple[str, ...]:
    entry = _document()[language][kind]
    if isinstance(entry, list):
        groups = [entry]
    else:
        groups = [entry[variety]] if variety else list(entry.values())
    return tuple(dict.fromkeys(_plain(str(word)) for group in groups for word in group))


def kinds(language: str) -> tuple[str, ...]:
    """The kinds of word lists kept for a language (not the `same_as` maps)."""
    return tuple(kind for kind in _document()[language] if not kind.startswith("same_as"))


def varieties(language: str, kind: str) -> tuple[str, ...]:
    """The varieties a kind of words is kept for ("common", "cantonese"...)."""
    entry = _document()[language][kind]
    return tuple(entry) if isinstance(entry, dict) else ()


@lru_cache(maxsize=1)
def _regional() -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str], dict[str, str]]:
    zh = _document()["zh"]
    anywhere = {_plain(k): _plain(v) for group in zh["same_as"].values() for k, v in group.items()}
    alone = {_plain(k): _plain(v) for group in zh["same_as_alone"].values() for k, v in group.items()}
    by_length = sorted(anywhere, key=len, reverse=True)
    alone_by_length = sorted(alone, key=len, reverse=True)
    return (
        re.compile("|".join(map(re.escape, by_length))),
        anywhere,
        re.compile(r"(?:^|(?<=[\s,.;:!?~]))(" + "|".join(map(re.escape, alone_by_length)) + r")(?=$|[\s,.;:!?~])"),
        alone,
    )


def regional_to_mandarin(text: str) -> str:
    """ "呒没" -> "没有", "唔知" -> "不知道", "没得" -> "没有", 系 alone -> 是: regional words as the Mandarin ones."""
    anywhere, same, alone_pattern, alone = _regional()
    for _ in range(2):  # twice: 呒没额 -> 没有额 -> 没有的
        text = anywhere.sub(lambda m: same[m.group(0)], text)
    return alone_pattern.sub(lambda m: alone[m.group(1)], text)
