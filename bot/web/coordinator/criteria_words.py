"""The criteria and the patient's answers as the study team reads them, in the app's language.

Criterion labels, the engine's reasons and the records checklist come from the criteria files per language
(bot/trial); the topics of the patient's questions, answer values and the readers' notes on how an answer was read are
translated here (Flask-Babel). Nothing shows an internal key: an unknown one falls back to a text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from bot.languages import SOURCE_LANGUAGE
from bot.reading.chinese import has_han
from bot.trial.criteria import Check, RecordCheck
from bot.trial.eligibility import Verdict, explain, stored_answer
from bot.web.coordinator.core import services
from bot.web.coordinator.i18n import current_language
from bot.web.coordinator.translatable import _l

TOPIC_LABELS = {  # bot/reading/side_questions.py's SideTopic values
    "cost": _l("Cost"),
    "payment": _l("Payment for taking part"),
    "travel": _l("Travel"),
    "residence": _l("Staying near the hospital"),
    "duration": _l("How long the study lasts"),
    "withdrawal": _l("Stopping later"),
    "companion": _l("Bringing someone along"),
    "other": _l("Other question"),
}
ANSWER_LABELS = {"yes": _l("yes"), "no": _l("no"), "unsure": _l("not sure")}
INTENT_ANSWERS = {"affirm": "yes", "deny": "no", "dont_know": "unsure"}  # the model's intents, as answers


def _check(check_id: str | None) -> Check | None:
    try:
        return services().criteria.check(check_id or "")
    except KeyError:  # a check since removed from the criteria
        return None


def criterion_label(check_id: str | None, stored: str = "") -> str:
    """A criterion's title in the app's language; `stored` (the label kept with the lead) for one no longer
    in the criteria."""
    check = _check(check_id)
    if check is None:
        return stored
    try:
        return check.for_coordinator(current_language()).label
    except KeyError:
        return check.label


def record_item(record_check: RecordCheck) -> str:
    """A records-checklist item in the app's language (from the criteria files, like the labels)."""
    try:
        return record_check.item_in(current_language())
    except KeyError:
        return record_check.item


def criterion_reason(item: Mapping[str, Any], criteria_version: str) -> str:
    """The engine's reason for one stored criterion result, in the app's language. A lead scored on other
    criteria keeps the reason it was given (its thresholds may differ from today's)."""
    check = _check(item.get("check_id"))
    if check is None or criteria_version != services().criteria.version:
        return str(item.get("reason") or "")
    try:
        return explain(services().criteria, check, stored_answer(check, item.get("value")),
                       Verdict(item["verdict"]), current_language())
    except (KeyError, ValueError):
        return str(item.get("reason") or "")


def topic_label(topic: str | None) -> str:
    return str(TOPIC_LABELS.get(topic or "", TOPIC_LABELS["other"]))


def answer_label(value: str | None) -> str:
    """ "yes" -> "是"; an age or other value as it is."""
    return str(ANSWER_LABELS[value]) if value in ANSWER_LABELS else str(value or "")


# The readers' and the form's notes on how an answer was read (bot/reading, actions/): patient words in
# quotes stay as typed; the words around them are translated.
_NOTES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"read age (\d+)"), lambda m: _("read age %(age)s", age=m[1])),
    (re.compile(r"asked again"), lambda m: _("asked again")),
    (re.compile(r"not sure"), lambda m: _("not sure")),
    (re.compile(r"declined to answer"), lambda m: _("declined to answer")),
    (re.compile(r"a yes and a no"), lambda m: _("a yes and a no")),
    (re.compile(r"mentions the topic"), lambda m: _("mentions the topic")),
    (re.compile(r"negated mention of the topic"), lambda m: _("a negated mention of the topic")),
    (re.compile(r"declined to answer: (.+)"), lambda m: _("declined to answer: %(words)s", words=m[1])),
    (re.compile(r"('.*'), then a mention of the topic"),
     lambda m: _("%(words)s, then a mention of the topic", words=m[1])),
    (re.compile(r"intent (affirm|deny|dont_know) \(([\d.]+)\)"),
     lambda m: _("understood as “%(answer)s” (confidence %(confidence)s)",
                 answer=answer_label(INTENT_ANSWERS[m[1]]), confidence=m[2])),
    (re.compile(r"corrected \('(.*?)'\): (.+)"),
     lambda m: _("corrected (“%(words)s”): %(how)s", words=m[1], how=reading_note(m[2]))),
    (re.compile(r"read-back denied: (.+)"), lambda m: _("said no at the read-back: %(words)s", words=m[1])),
    (re.compile(r"button"), lambda m: _("tapped a button")),
    (re.compile(r"button /(affirm|deny|dont_know)"),
     lambda m: _("tapped “%(answer)s”", answer=answer_label(INTENT_ANSWERS[m[1]]))),
    (re.compile(r"negated ('.*')"), lambda m: _("negated: %(words)s", words=m[1])),
    (re.compile(r"result: (.+)"), lambda m: _("result: %(words)s", words=m[1])),
    (re.compile(r"unclear result: (.+)"), lambda m: _("unclear result: %(words)s", words=m[1])),
    (re.compile(r"results both ways: (.+)"), lambda m: _("results both ways: %(words)s", words=m[1])),
    (re.compile(r"positive again, the newest result: (.+)"),
     lambda m: _("positive again, the newest result: %(words)s", words=m[1])),
    (re.compile(r"result (.+) with ('.*')"), lambda m: _("result %(words)s, with %(own)s", words=m[1], own=m[2])),
    (re.compile(r"a belief, not a result: ('.*?') (.+)"),
     lambda m: _("a belief, not a result: %(belief)s %(words)s", belief=m[1], words=m[2])),
    (re.compile(r"a result typed as a question: (.+)"),
     lambda m: _("a result typed as a question: %(words)s", words=m[1])),
    (re.compile(r"(.+): a belief about a record-based result"),
     lambda m: _("%(how)s: a belief about a result only the records show", how=reading_note(m[1]))),
    (re.compile(r"(.+), ended"), lambda m: _("%(how)s, since ended", how=reading_note(m[1]))),
    (re.compile(r"in parts: (.+)"), lambda m: _in_parts(m[1])),
    (re.compile(r"not sure at the read-back: (.+)"),
     lambda m: _("not sure at the read-back: %(how)s", how=reading_note(m[1]))),
)


_PART = re.compile(r"(\w+): (yes|no|unsure) \((.*)\)")


def part_name(part: str) -> str:
    """A part of a question asked as one (hepatitis_b, pregnant) by its own first word in the app's language
    (the criteria file's words for it: "hepatitis b", 乙肝)."""
    # A part's words are the criteria file's `words` (the source language's, Latin letters) then `words_zh`.
    translated = current_language() != SOURCE_LANGUAGE
    for check in services().criteria.checks:
        for word in check.parts.get(part, ()):
            if has_han(word) == translated:
                return word
    return part.replace("_", " ")


def _in_parts(notes: str) -> str:
    said = []
    for note in notes.split("; "):
        match = _PART.fullmatch(note)
        said.append(f"{part_name(match[1])}: {answer_label(match[2])} ({reading_note(match[3])})" if match else note)
    return _("in parts: %(parts)s", parts="; ".join(said))


def reading_note(how: str | None) -> str:
    """How an answer was read, in the app's language ("read age 59" -> "读取的年龄 59")."""
    how = (how or "").strip()
    for pattern, say in _NOTES:
        match = pattern.fullmatch(how)
        if match:
            return str(say(match))
    parts = how.split(" and ")
    if len(parts) > 1 and all(any(p.fullmatch(part) for p, _say in _NOTES) for part in parts):
        return "; ".join(reading_note(part) for part in parts)
    return how  # the patient's own words in quotes, or a note this app does not know yet
