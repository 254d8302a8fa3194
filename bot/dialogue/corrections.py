"""Corrections of an earlier answer ("sorry, I meant no", "我说错了", "go back"): which answer a correction
changes, and to what. One rule, used during the questions (by the form) and straight after they ended
early (by the reopening of the questions); what counts as a correction is read in bot.reading.corrections.
"""

from __future__ import annotations

from typing import Any

from bot.reading.check_answer import read_check_answer
from bot.reading.corrections import Correction
from bot.trial.criteria import Check, Criteria
from bot.trial.eligibility import questions_to_ask, ruling_check


def corrected_check(criteria: Criteria, answers: dict[str, Any], open_check: str | None,
                    reading_back: bool = False) -> str | None:
    """The check whose answer a correction changes.

    At the read-back of a ruling answer, or once the questions ended early (no open question): the
    ruling answer. During a question: the last one answered before it (None when nothing was answered
    before: the message answers the open question).
    """
    if reading_back or open_check is None:
        return ruling_check(criteria, answers)
    asked = questions_to_ask(criteria, answers)
    earlier = [check_id for check_id in asked[: asked.index(open_check)] if answers.get(check_id) is not None]
    return earlier[-1] if earlier else None


def corrected_answer(check: Check, correction: Correction, intent: str | None = None, confidence: float = 0.0,
                     repeated: Any = None) -> tuple[Any, str] | None:
    """The new answer a correction carries, read as the check's question reads it, and how it was read
    ("corrected ('i meant'): read age 60"); None when the question is to be asked again: the message
    carries no answer, or one that cannot be read.

    `repeated`: the answer being corrected, when saying it again means "not that" (during the questions,
    "no, that's not right" to the read-back of a "no"). Straight after the questions ended, the
    reopening passes none: the answer given in the correction is taken as it is.
    """
    if not correction.answer_text:
        return None
    new = read_check_answer(check, correction.answer_text, intent=intent, confidence=confidence)
    if new is None or (repeated is not None and new[0] == repeated):
        return None
    value, how = new
    return value, f"corrected ('{correction.how}'): {how}"
