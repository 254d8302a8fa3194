"""The catalogue of every patient-facing text, per language, each with a version (a short hash of its
wording), and a version per language for the whole set: stored with every screening, so a coordinator
or the ethics committee can tell which wording a patient was shown.

Three homes are read, none is copied: the assistant's responses (domain.yml), the eligibility questions
(the criteria file and its language files, through bot.trial) and the chat page's own words
(bot/web/chat/texts/<language>.yml, read as data: bot.texts does not import the web app).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT
from bot.texts.responses import (
    DEFAULT_LANGUAGE,
    DOMAIN_FILE,
    consent_version,
    filled,
    language_of_variation,
    load_domain,
    other_conditions,
)
from bot.trial.criteria import CRITERIA_FILE, Criteria, load_criteria

PLACEHOLDER = re.compile(r"\{(\w+)\}")  # {reference_code}, {phone}, {age}: filled when the text is sent
CHAT_TEXTS_DIR = PROJECT_ROOT / "bot" / "web" / "chat" / "texts"
WECHAT_TEXTS_DIR = PROJECT_ROOT / "bot" / "web" / "wechat" / "texts"
# The criteria texts a patient reads, and where: the field of CheckTexts → what a reviewer is told.
CHECK_FIELDS = {
    "question": "the question",
    "example": "how to answer (after \"what do you mean?\")",
    "why": "why we ask",
    "read_back": "read back before the questions end early",
}


@dataclass(frozen=True)
class PatientText:
    """One text in every language it is written in, with its buttons."""

    key: str  # e.g. "response.utter_intro", "criteria.age.question", "chat.notice"
    where: str  # where the patient reads it, for the review sheet
    wording: Mapping[str, str] = field(default_factory=dict)  # language → text
    buttons: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # language → (title, payload)

    @property
    def languages(self) -> set[str]:
        return set(self.wording)

    def shown(self, language: str) -> str:
        """The text and its buttons' titles, as the patient reads them."""
        titles = "".join(f" [{title}]" for title, _ in self.buttons.get(language, ()))
        return self.wording[language] + titles

    def version(self, language: str) -> str:
        """A short hash of the wording in `language` (its buttons included)."""
        return _short_hash(self.shown(language))


def _short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def _buttons(variation: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(b["title"]), str(b["payload"])) for b in variation.get("buttons") or ())


def response_texts(domain: Mapping[str, Any]) -> list[PatientText]:
    """Each response of the domain (and each of its non-language conditions) in every language it has."""
    grouped: dict[str, dict[str, Mapping[str, Any]]] = {}
    for name, response_variations in (domain.get("responses") or {}).items():
        for variation in response_variations:
            key = f"response.{name}" + (f" [{other_conditions(variation)}]" if other_conditions(variation) else "")
            language = language_of_variation(variation)
            by_language = grouped.setdefault(key, {})
            number = 2
            while language in by_language:  # several variations of one language: numbered
                key = f"response.{name} #{number}"
                by_language = grouped.setdefault(key, {})
                number += 1
            by_language[language] = variation
    return [
        PatientText(
            key=key,
            where="the assistant's message",
            wording={language: filled(str(v.get("text", "")), domain) for language, v in by_language.items()},
            buttons={language: _buttons(v) for language, v in by_language.items() if v.get("buttons")},
        )
        for key, by_language in grouped.items()
    ]


def criteria_texts(criteria: Criteria) -> list[PatientText]:
    """Each eligibility question's texts (question with its buttons, example, why, read-back) per language."""
    texts = []
    for check in criteria.checks:
        for name, where in CHECK_FIELDS.items():
            wording = {language: getattr(check.texts(language), name) for language in criteria.languages}
            if not any(wording.values()):
                continue  # e.g. no read-back: the age check's is the only text with {age}
            buttons = ({language: tuple((b.title, b.payload) for b in check.texts(language).buttons)
                        for language in criteria.languages} if name == "question" else {})
            texts.append(PatientText(
                key=f"criteria.{check.id}.{name}",
                where=f"eligibility question \"{check.label}\": {where}",
                wording={language: text for language, text in wording.items() if text},
                buttons={language: titles for language, titles in buttons.items() if titles},
            ))
    return texts


def _texts_files(directory: Path, prefix: str, where: str) -> list[PatientText]:
    """Texts kept one file per language (the same keys): `<prefix>.<key>`."""
    by_key: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("*.yml")):
        with open(path, encoding="utf-8") as handle:
            for key, text in (yaml.safe_load(handle) or {}).items():
                by_key.setdefault(str(key), {})[path.stem] = str(text)
    return [PatientText(key=f"{prefix}.{key}", where=where, wording=wording) for key, wording in by_key.items()]


def chat_page_texts(directory: Path = CHAT_TEXTS_DIR) -> list[PatientText]:
    """The chat page's own words, one file per language (the same keys)."""
    return _texts_files(directory, "chat", "the chat page")


def wechat_texts(directory: Path = WECHAT_TEXTS_DIR) -> list[PatientText]:
    """The WeChat channel's own words (notices, numbered choices, the account menu's buttons)."""
    return _texts_files(directory, "wechat", "the WeChat official account")


@lru_cache(maxsize=4)
def catalogue(
    domain_file: Path = DOMAIN_FILE, criteria_file: Path = CRITERIA_FILE, chat_texts: Path = CHAT_TEXTS_DIR,
    wechat_texts_dir: Path = WECHAT_TEXTS_DIR,
) -> tuple[PatientText, ...]:
    """Every patient-facing text: the assistant's responses, the eligibility questions, the chat page, WeChat."""
    return (*response_texts(load_domain(domain_file)), *criteria_texts(load_criteria(criteria_file)),
            *chat_page_texts(chat_texts), *wechat_texts(wechat_texts_dir))


def set_version(texts: Iterable[PatientText], language: str) -> str:
    """One version for all texts in `language`: changes when any of them (or which texts there are) changes."""
    lines = sorted(f"{text.key}\t{text.version(language)}" for text in texts if language in text.wording)
    return f"texts-{language}-{_short_hash(chr(10).join(lines))}"


def text_versions(languages: Iterable[str] = (DEFAULT_LANGUAGE,)) -> dict[str, str]:
    """The versions of the texts a screening was shown, per language: {"texts-zh": "texts-zh-1a2b3c4d",
    "consent-zh": "consent-…", …}. Made once per process (the files do not change while it runs)."""
    return dict(_text_versions(tuple(sorted(set(languages)))))


@lru_cache(maxsize=8)
def _text_versions(languages: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    texts = catalogue()
    versions: list[tuple[str, str]] = []
    for language in languages:
        versions.append((f"texts-{language}", set_version(texts, language)))
        versions.append((f"consent-{language}", consent_version(language)))
    return tuple(versions)


def missing_languages(texts: Iterable[PatientText], languages: Iterable[str]) -> dict[str, list[str]]:
    """Texts not written in every language, or whose buttons differ between languages: key → problems."""
    languages = sorted(languages)
    problems: dict[str, list[str]] = {}
    for text in texts:
        found = [f"no {language} text" for language in languages if not text.wording.get(language, "").strip()]
        payloads = {language: [payload for _, payload in text.buttons.get(language, ())] for language in languages}
        if len({tuple(p) for p in payloads.values()}) > 1:
            found.append(f"buttons differ: {payloads}")
        placeholders = {language: sorted(PLACEHOLDER.findall(text.wording.get(language, ""))) for language in languages}
        if len({tuple(p) for p in placeholders.values()}) > 1:
            found.append(f"placeholders differ: {placeholders}")
        if found:
            problems[text.key] = found
    return problems
