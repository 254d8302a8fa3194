"""The trial's eligibility criteria, loaded from the YAML file beside this module.

The rules and the English texts are in `nct05240950.yml`; each other language's patient texts are in
`nct05240950.<language>.yml` beside it, keyed by check id. `check.texts("zh")` gives one language's
texts; a language file that misses a text the English has is refused at load, so a patient is never
asked a question in a language it was not written in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.languages import SCRIPTS, SOURCE_LANGUAGE

CRITERIA_FILE = Path(__file__).with_name("nct05240950.yml")  # written in SOURCE_LANGUAGE

YesNo = Literal["yes", "no", "unsure"]
YES_NO_VALUES: tuple[YesNo, ...] = ("yes", "no", "unsure")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class CheckTexts:
    """What the patient reads of one check, in one language."""

    question: str
    why: str
    example: str = ""
    # The ruling answer said back before it ends the questions; `{age}` is the age read.
    read_back: str = ""
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class CoordinatorTexts:
    """What the study team reads of one check, in one language: its title and, per answer, what the
    patient says ("has had CAR-T…"), which the engine's reasons quote."""

    label: str
    says: Mapping[str, str] = field(default_factory=dict)


# The engine's reasons, per language (`reasons:` in each criteria file), and their placeholders.
REASONS: dict[str, tuple[str, ...]] = {
    "not_answered": (), "not_asked": ("age_max",), "age": ("age", "youngest", "oldest"),
    "age_unreadable": ("answer",), "not_yes_no": ("answer",), "answered": ("says",),
    "unsure_record": ("says",), "unsure": ("says",),
}


@dataclass(frozen=True)
class Check:
    """One question asked of the patient and the rule that scores its answer."""

    id: str
    protocol: str
    protocol_text: str
    kind: Literal["inclusion", "exclusion"]
    label: str
    source: Literal["patient", "record"]
    answer: Literal["age", "yes_no"]
    question: str
    why: str
    example: str = ""
    meets: YesNo | None = None
    age_range: tuple[int, int] | None = None
    says: dict[str, str] = field(default_factory=dict)
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    topic: tuple[str, ...] = ()
    # A question asked as one with parts ("pregnant or breastfeeding?"): each part's words, English and
    # Chinese, so that an answer in parts is read part by part ("not pregnant, but breastfeeding" is a yes).
    parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    buttons: tuple[Button, ...] = ()
    only_up_to_childbearing_age: bool = False
    # The ruling answer said back to the patient before it ends the questions ("you have had CAR-T…");
    # `{age}` in the age check's phrase is the age read.
    read_back: str = ""
    # The patient's texts in the other languages (from nct05240950.<language>.yml), by language.
    translations: Mapping[str, CheckTexts] = field(default_factory=dict)
    # The study team's label and `says` in the other languages, by language.
    coordinator_translations: Mapping[str, CoordinatorTexts] = field(default_factory=dict)

    @property
    def slot(self) -> str:
        """The Rasa slot that holds this check's answer."""
        return self.id

    def texts(self, language: str = SOURCE_LANGUAGE) -> CheckTexts:
        """The question, why, example, read-back and buttons in `language` ("en", "zh")."""
        if language == SOURCE_LANGUAGE:
            return CheckTexts(self.question, self.why, self.example, self.read_back, self.buttons)
        try:
            return self.translations[language]
        except KeyError:
            raise KeyError(f"check {self.id!r} has no {language!r} texts (nct05240950.{language}.yml)") from None


    def for_coordinator(self, language: str = SOURCE_LANGUAGE) -> CoordinatorTexts:
        """The label and what the patient says, in `language`, for the study team."""
        if language == SOURCE_LANGUAGE:
            return CoordinatorTexts(self.label, self.says)
        try:
            return self.coordinator_translations[language]
        except KeyError:
            raise KeyError(f"check {self.id!r} has no {language!r} label (nct05240950.{language}.yml)") from None


@dataclass(frozen=True)
class RecordCheck:
    """Something only the hospital can verify: shown on the coordinator's checklist."""

    id: str
    protocol: str
    protocol_text: str
    item: str
    translations: Mapping[str, str] = field(default_factory=dict)  # the item by language (not the source's)

    def item_in(self, language: str = SOURCE_LANGUAGE) -> str:
        """The item as the study team reads it in `language` (the source text in the source language)."""
        if language == SOURCE_LANGUAGE:
            return self.item
        try:
            return self.translations[language]
        except KeyError:
            raise KeyError(f"record check {self.id!r} has no {language!r} item (nct05240950.{language}.yml)") from None


@dataclass(frozen=True)
class Criteria:
    trial: str
    version: str
    title: str
    protocol: dict[str, str]
    childbearing_age_max: int
    checks: tuple[Check, ...]
    record_checks: tuple[RecordCheck, ...]
    languages: tuple[str, ...] = (SOURCE_LANGUAGE,)
    # The engine's reasons as the study team reads them, by language then REASONS key.
    reasons: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The provisional statuses' names, by language then status (likely_eligible, needs_review, …).
    statuses: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def status_name(self, status: str, language: str = SOURCE_LANGUAGE) -> str:
        """A provisional status as the study team reads it in `language` (the source language's name when
        the language has none; the value itself only for a status the criteria do not know)."""
        names = self.statuses.get(language) or self.statuses.get(SOURCE_LANGUAGE, {})
        return names.get(status, status)

    def reasons_in(self, language: str = SOURCE_LANGUAGE) -> Mapping[str, str]:
        try:
            return self.reasons[language]
        except KeyError:
            raise KeyError(f"the criteria have no {language!r} reasons (nct05240950.{language}.yml)") from None

    def check(self, check_id: str) -> Check:
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(f"no check named {check_id!r} in {self.trial} criteria")

    @property
    def slots(self) -> list[str]:
        return [check.slot for check in self.checks]

    @property
    def age_range(self) -> tuple[int, int]:
        """The study's age limits, from the age check's `age_range` (the one place they are written)."""
        for check in self.checks:
            if check.answer == "age" and check.age_range is not None:
                return check.age_range
        raise ValueError(f"{self.trial} criteria have no age check with an age_range")


def _kind(ref: str) -> Literal["inclusion", "exclusion"]:
    return "inclusion" if ref.startswith("I") else "exclusion"


def _words(raw: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """A check's own words per value: the English `words` and the Chinese `words_zh`, read together."""
    merged: dict[str, tuple[str, ...]] = {}
    for key in ("words", "words_zh"):
        for value, phrases in (raw.get(key) or {}).items():
            merged[value] = (*merged.get(value, ()), *phrases)
    return merged


# Chinese characters and full-width punctuation: a line break between two of them is not a space.
_CJK = SCRIPTS["han"] + "\u3000-\u303f\uff00-\uffef\u201c\u201d"
_SPACE_IN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def _one_line(text: Any) -> str:
    """A text folded over several lines of YAML, as one line (no space where Chinese lines were joined)."""
    return _SPACE_IN_CJK.sub("", " ".join(str(text or "").split()))


def _buttons(raw: Any) -> tuple[Button, ...]:
    return tuple(Button(title=str(button["title"]), payload=str(button["payload"])) for button in raw or ())


def _check(
    raw: dict[str, Any], protocol: dict[str, str], yes_no_example: str, yes_no_buttons: tuple[Button, ...]
) -> Check:
    ref = raw["protocol"]
    if ref not in protocol:
        raise ValueError(f"check {raw['id']!r} names unknown protocol item {ref!r}")
    answer = raw["answer"]
    if answer == "yes_no" and raw.get("meets") not in ("yes", "no"):
        raise ValueError(f"check {raw['id']!r}: a yes/no check needs meets: yes|no")
    if answer == "yes_no" and set(raw.get("says", {})) != set(YES_NO_VALUES):
        raise ValueError(f"check {raw['id']!r}: `says` needs exactly yes, no and unsure")
    if answer == "age" and "age_range" not in raw:
        raise ValueError(f"check {raw['id']!r}: an age check needs age_range: [youngest, oldest]")
    buttons = _buttons(raw["buttons"]) if "buttons" in raw else yes_no_buttons if answer == "yes_no" else ()
    age_range = tuple(raw["age_range"]) if "age_range" in raw else None
    return Check(
        id=raw["id"],
        protocol=ref,
        protocol_text=protocol[ref],
        kind=_kind(ref),
        label=raw["label"],
        source=raw["source"],
        answer=answer,
        question=_one_line(raw["question"]),
        why=_one_line(raw["why"]),
        example=_one_line(raw.get("example", yes_no_example if answer == "yes_no" else "")),
        meets=raw.get("meets"),
        age_range=age_range,
        says=dict(raw.get("says", {})),
        words=_words(raw),
        topic=tuple(raw.get("topic", ())),
        parts={str(part["id"]): (*part.get("words", ()), *part.get("words_zh", ())) for part in raw.get("parts", ())},
        buttons=buttons,
        only_up_to_childbearing_age=bool(raw.get("only_up_to_childbearing_age", False)),
        read_back=_one_line(raw.get("read_back", "")),
    )


def _translated(check: Check, own: dict[str, Any], document: Mapping[str, Any], language: str) -> CheckTexts:
    """One check's texts in `language`, checked against the English: every text the English check has,
    the same buttons (payloads, in order) and the same placeholders."""
    where = f"nct05240950.{language}.yml, check {check.id!r}"
    default_buttons = _buttons(document.get("yes_no_buttons"))
    texts = CheckTexts(
        question=_one_line(own.get("question")),
        why=_one_line(own.get("why")),
        example=_one_line(own.get("example") or (document.get("yes_no_example") if check.answer == "yes_no" else "")),
        read_back=_one_line(own.get("read_back")),
        buttons=_buttons(own["buttons"]) if "buttons" in own else default_buttons if check.answer == "yes_no" else (),
    )
    english = check.texts(SOURCE_LANGUAGE)
    for name in ("question", "why", "example", "read_back"):
        theirs, ours = getattr(english, name), getattr(texts, name)
        if bool(theirs) != bool(ours):
            raise ValueError(f"{where}: `{name}` is missing (the English has one)" if theirs
                             else f"{where}: `{name}` has no English text to translate")
        if sorted(_placeholders(theirs)) != sorted(_placeholders(ours)):
            raise ValueError(f"{where}: `{name}` must keep the placeholders {sorted(_placeholders(theirs))}")
    if [b.payload for b in texts.buttons] != [b.payload for b in english.buttons]:
        raise ValueError(f"{where}: buttons must have the English payloads "
                         f"{[b.payload for b in english.buttons]}, in that order")
    if any(not b.title.strip() for b in texts.buttons):
        raise ValueError(f"{where}: a button has no title")
    return texts


def _coordinator_texts(check: Check, own: Mapping[str, Any], language: str) -> CoordinatorTexts:
    """One check's label and `says` in `language`, checked against the English: a label, and the same
    answers in `says`."""
    where = f"nct05240950.{language}.yml, check {check.id!r}"
    says = {str(answer): _one_line(text) for answer, text in (own.get("says") or {}).items()}
    texts = CoordinatorTexts(_one_line(own.get("label")), says)
    if not texts.label:
        raise ValueError(f"{where}: `label` is missing (the study team reads it)")
    if set(texts.says) != set(check.says) or not all(texts.says.values()):
        raise ValueError(f"{where}: `says` needs exactly {sorted(check.says) or 'nothing'}, each with a text")
    return texts


def _reasons(raw: Any, where: str) -> dict[str, str]:
    """A criteria file's `reasons`: every one of REASONS, each with exactly its placeholders."""
    reasons = {str(key): _one_line(text) for key, text in (raw or {}).items()}
    if set(reasons) != set(REASONS):
        raise ValueError(f"{where}: `reasons` needs exactly {sorted(REASONS)}")
    for key, names in REASONS.items():
        if sorted(_placeholders(reasons[key])) != sorted(names):
            raise ValueError(f"{where}: reason `{key}` must have the placeholders {sorted(names)}")
    return reasons


STATUSES = ("likely_eligible", "needs_review", "likely_ineligible")  # bot.trial.eligibility.Status's values


def _statuses(raw: Any, where: str) -> dict[str, str]:
    names = {str(key): _one_line(text) for key, text in (raw or {}).items()}
    if set(names) != set(STATUSES) or not all(names.values()):
        raise ValueError(f"{where}: `statuses` needs a name for each of {list(STATUSES)}")
    return names


def _placeholders(text: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", text)


def parse_criteria(
    document: dict[str, Any], translations: Mapping[str, Mapping[str, Any]] | None = None
) -> Criteria:
    """The criteria of `document`, with each language's texts from `translations` (language → document)."""
    protocol = {str(key): _one_line(text) for key, text in document["protocol"].items()}
    yes_no_example = _one_line(document.get("yes_no_example", ""))
    yes_no_buttons = _buttons(document.get("yes_no_buttons"))
    if not yes_no_buttons:
        raise ValueError("the criteria need `yes_no_buttons` (the buttons of a yes/no question)")
    checks = tuple(_check(raw, protocol, yes_no_example, yes_no_buttons) for raw in document["checks"])
    ids = [check.id for check in checks]
    if len(ids) != len(set(ids)):
        raise ValueError("check ids must be unique")
    translations = translations or {}
    for language, texts in translations.items():
        if texts.get("language") != language:
            raise ValueError(f"nct05240950.{language}.yml must say `language: {language}`")
        own = texts.get("checks") or {}
        if set(own) != set(ids):
            raise ValueError(f"nct05240950.{language}.yml: checks missing {sorted(set(ids) - set(own))}, "
                             f"unknown {sorted(set(own) - set(ids))}")
    checks = tuple(
        replace(check, translations={
            language: _translated(check, texts["checks"][check.id], texts, language)
            for language, texts in translations.items()
        }, coordinator_translations={
            language: _coordinator_texts(check, texts["checks"][check.id], language)
            for language, texts in translations.items()
        })
        for check in checks
    )
    statuses: dict[str, dict[str, str]] = {SOURCE_LANGUAGE: _statuses(document.get("statuses"), "nct05240950.yml")}
    statuses |= {language: _statuses(texts.get("statuses"), f"nct05240950.{language}.yml")
                 for language, texts in translations.items()}
    reasons: dict[str, dict[str, str]] = {SOURCE_LANGUAGE: _reasons(document.get("reasons"), "nct05240950.yml")}
    reasons |= {language: _reasons(texts.get("reasons"), f"nct05240950.{language}.yml")
                for language, texts in translations.items()}
    record_ids = [str(raw["id"]) for raw in document.get("record_checks", ())]
    for language, texts in translations.items():
        own_items = texts.get("record_checks") or {}
        if set(own_items) != set(record_ids) or not all(own_items.values()):
            missing, unknown = sorted(set(record_ids) - set(own_items)), sorted(set(own_items) - set(record_ids))
            raise ValueError(f"nct05240950.{language}.yml: record_checks missing {missing}, unknown {unknown}")
    record_checks = tuple(
        RecordCheck(id=raw["id"], protocol=raw["protocol"], protocol_text=protocol[raw["protocol"]], item=raw["item"],
                    translations={language: _one_line(texts["record_checks"][raw["id"]])
                                  for language, texts in translations.items()})
        for raw in document.get("record_checks", ())
    )
    return Criteria(
        trial=document["trial"],
        version=str(document["version"]),
        title=document["title"],
        protocol=protocol,
        childbearing_age_max=int(document["childbearing_age_max"]),
        checks=checks,
        record_checks=record_checks,
        languages=(SOURCE_LANGUAGE, *sorted(translations)),
        reasons=reasons,
        statuses=statuses,
    )


def translation_files(path: Path = CRITERIA_FILE) -> dict[str, Path]:
    """The criteria's other languages and their files (`nct05240950.zh.yml` → "zh")."""
    return {file.name.split(".")[-2]: file for file in sorted(path.parent.glob(f"{path.stem}.*.yml"))}


@lru_cache(maxsize=4)
def load_criteria(path: Path = CRITERIA_FILE) -> Criteria:
    """The criteria of the trial, parsed and checked once per process."""
    translations = {language: _read_yaml(file) for language, file in translation_files(path).items()}
    return parse_criteria(_read_yaml(path), translations)


def _read_yaml(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a YAML mapping")
    return document
