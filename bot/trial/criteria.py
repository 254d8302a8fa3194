"""The trial's eligibility criteria, loaded from the YAML file beside this module."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

CRITERIA_FILE = Path(__file__).with_name("nct05240950.yml")

YesNo = Literal["yes", "no", "unsure"]
YES_NO_VALUES: tuple[YesNo, ...] = ("yes", "no", "unsure")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


DEFAULT_BUTTONS: tuple[Button, ...] = (
    Button("Yes", "/affirm"),
    Button("No", "/deny"),
    Button("Not sure", "/dont_know"),
)


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
    buttons: tuple[Button, ...] = DEFAULT_BUTTONS
    only_up_to_childbearing_age: bool = False
    # The ruling answer said back to the patient before it ends the questions ("you have had CAR-T…");
    # `{age}` in the age check's phrase is the age read.
    read_back: str = ""

    @property
    def slot(self) -> str:
        """The Rasa slot that holds this check's answer."""
        return self.id


@dataclass(frozen=True)
class RecordCheck:
    """Something only the hospital can verify: shown on the coordinator's checklist."""

    id: str
    protocol: str
    protocol_text: str
    item: str


@dataclass(frozen=True)
class Criteria:
    trial: str
    version: str
    title: str
    protocol: dict[str, str]
    childbearing_age_max: int
    checks: tuple[Check, ...]
    record_checks: tuple[RecordCheck, ...]

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


def _check(raw: dict[str, Any], protocol: dict[str, str], yes_no_example: str = "") -> Check:
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
    buttons = tuple(Button(**button) for button in raw["buttons"]) if "buttons" in raw else DEFAULT_BUTTONS
    age_range = tuple(raw["age_range"]) if "age_range" in raw else None
    return Check(
        id=raw["id"],
        protocol=ref,
        protocol_text=protocol[ref],
        kind=_kind(ref),
        label=raw["label"],
        source=raw["source"],
        answer=answer,
        question=" ".join(raw["question"].split()),
        why=" ".join(raw["why"].split()),
        example=raw.get("example", yes_no_example if answer == "yes_no" else ""),
        meets=raw.get("meets"),
        age_range=age_range,
        says=dict(raw.get("says", {})),
        words=_words(raw),
        topic=tuple(raw.get("topic", ())),
        buttons=buttons,
        only_up_to_childbearing_age=bool(raw.get("only_up_to_childbearing_age", False)),
        read_back=" ".join(str(raw.get("read_back", "")).split()),
    )


def parse_criteria(document: dict[str, Any]) -> Criteria:
    protocol = {str(key): " ".join(str(text).split()) for key, text in document["protocol"].items()}
    yes_no_example = " ".join(str(document.get("yes_no_example", "")).split())
    checks = tuple(_check(raw, protocol, yes_no_example) for raw in document["checks"])
    ids = [check.id for check in checks]
    if len(ids) != len(set(ids)):
        raise ValueError("check ids must be unique")
    record_checks = tuple(
        RecordCheck(id=raw["id"], protocol=raw["protocol"], protocol_text=protocol[raw["protocol"]], item=raw["item"])
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
    )


@lru_cache(maxsize=4)
def load_criteria(path: Path = CRITERIA_FILE) -> Criteria:
    """The criteria of the trial, parsed and checked once per process."""
    with open(path, encoding="utf-8") as handle:
        return parse_criteria(yaml.safe_load(handle))
