"""The answer to one eligibility question, read as the form reads it: one function, no Rasa.

Record-based questions (scans, liver surgery, ctDNA, CEA, hepatitis) go to the not-told reader
first (`not_told.read_record_answer`: "not that I was told" is not sure); then the general yes/no
reader with the question's own words and parts (`yes_no.read_yes_no`); a belief about a record-based
result is then not sure (`yes_no.belief_about_records`). The age question is read by `age.read_age`.
"""

from __future__ import annotations

from typing import Any

from bot.reading.age import read_age
from bot.reading.not_told import applies_to, read_record_answer, without_name_doubt
from bot.reading.yes_no import belief_about_records, read_yes_no
from bot.trial.criteria import Check


def read_check_answer(
    check: Check,
    text: str,
    *,
    intent: str | None = None,
    confidence: float = 0.0,
    topic_mentioned: bool = False,
) -> tuple[Any, str] | None:
    """(value, how it was read) for an answer to `check`, or None when it cannot be read (ask again)."""
    if check.answer == "age":
        age = read_age(text, boundaries=check.age_range)
        return (age.age, f"read age {age.age}") if age.age is not None else None
    if check.source == "record" and not text.startswith("/"):
        text = without_name_doubt(text) or text
    if applies_to(check) and not text.startswith("/"):
        record = read_record_answer(text, check)
        if record is not None:
            return record.value, record.how
    reading = read_yes_no(text, intent=intent, confidence=confidence, words=check.words,
                          topic_mentioned=topic_mentioned, parts=check.parts,
                          # a no followed by something minor stays a no only where a no rules nobody out
                          minor_is_no=check.source == "patient" and check.meets == "no")
    if reading is None:
        return None
    reading = belief_about_records(check, reading)
    return reading.value, reading.how
