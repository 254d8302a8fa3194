"""Helpers to read the patient's latest message from a tracker."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

from bot.reading.answers import MAX_ANSWER_CHARS, clean_text, declines_to_answer, read_yes_no

# Questions the patient may ask at any point: answered by a rule, then the form asks again.
QUESTION_INTENTS = frozenset(
    {
        "ask_car_t", "ask_ctdna", "ask_cea", "ask_location", "ask_involvement", "ask_risks", "ask_study",
        "ask_privacy", "ask_why", "ask_medical_advice", "bot_challenge",
    }
)
# Requests that always leave the question being asked.
REQUEST_INTENTS = frozenset({"human_handoff", "withdraw", "start_over"})
_QUESTION_START = re.compile(
    r"^\s*(what|what's|whats|why|how|where|who|when|which|is|are|can|could|does|do|will|would|should|tell|explain)\b",
    re.IGNORECASE,
)


def is_side_request(tracker: Tracker) -> bool:
    """Whether the latest message is a side question or request rather than an answer.

    "I had CAR-T last year" may be classified as a CAR-T question, but it is phrased as a
    statement, so it is read as an answer to the question being asked. A message too long to be
    an answer is never trusted to be a request either.
    """
    intent, _ = latest_intent(tracker)
    text = latest_text(tracker)
    if len(text) > MAX_ANSWER_CHARS:
        return False
    if intent in REQUEST_INTENTS:
        return text.startswith("/") or clearly_requested(intent, text)
    if intent not in QUESTION_INTENTS:
        return False
    return text.startswith("/") or "?" in text or bool(_QUESTION_START.match(text)) or intent == "ask_why"


_WH_START = re.compile(r"^\W*(what|what's|whats|why|how|where|who|which|whose)\b", re.IGNORECASE)
_ANSWER_START = re.compile(r"^\W*(yes|yeah|yep|ok|okay|sure|no|nope|fine|i agree|agreed)\b", re.IGNORECASE)


def is_question(text: str) -> bool:
    """Whether a message is phrased as a question ("what is the consent for?", "is it safe?"), not as an
    answer ("yes, but is it safe?", "will do")."""
    if _ANSWER_START.match(text):
        return False
    return text.rstrip().endswith("?") or bool(_WH_START.match(text))


# Words that must appear before a message is taken as a wish to stop and delete, or to start
# over: both erase answers, so a misread message must never trigger them. "I forget" and "I don't
# want to answer that" are answers to the question, not a withdrawal.
WITHDRAW_WORDS = re.compile(
    r"\b(stop|delete|deleting|withdraw|withdrawing|remove|erase|forget (?:me|everything|it all|all|about me|my)|"
    r"quit|cancel|opt[- ]?out|end|no more|leave me|"
    r"(?:don'?t|do not) want(?! to (?:answer|say|tell|share|discuss|talk about|give|reply)\b"
    r"(?! (?:any ?more|more|these|your|the rest|all|any)))|"
    r"unsubscribe|get rid|wipe)\b|删除|停止",
    re.IGNORECASE,
)
START_OVER_WORDS = re.compile(r"\b(start|restart|again|beginning|reset|redo|over|scratch|top|anew)\b", re.IGNORECASE)
# Asking for a person in so many words; "I'd have to ask my doctor" is an answer ("not sure").
HANDOFF_WORDS = re.compile(
    r"\b(?:talk|speak|chat)(?:ing)? (?:to|with)\b|\b(?:real|actual|live) (?:person|human|people)\b|"
    r"\b(?:human|person|someone|somebody|coordinator|operator|agent|representative|staff)\b|"
    r"\bcall me\b|\bphone number\b|\bcontact (?:number|details)\b|\bwho (?:can|do) i (?:call|contact)\b|人工",
    re.IGNORECASE,
)


def clearly_requested(intent: str | None, text: str) -> bool:
    """Whether a message the NLU took for a request (a person, stop, start over) says so in words.

    A message that does not, and reads as an answer ("I'd have to ask my doctor", "I forget",
    "I don't want to answer that"), answers the question being asked.
    """
    if intent == "withdraw":
        return bool(WITHDRAW_WORDS.search(text))
    if intent == "start_over":
        return bool(START_OVER_WORDS.search(text))
    if HANDOFF_WORDS.search(text):
        return True
    return read_yes_no(text) is None and not declines_to_answer(text)


def clearly_asked(tracker: Tracker, words: re.Pattern[str]) -> bool:
    """A destructive request is honoured only from a button or a message that says so in words."""
    text = latest_text(tracker)
    return text.startswith("/") or (len(text) <= MAX_ANSWER_CHARS and bool(words.search(text)))


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def entity_ids(tracker: Tracker) -> set[str]:
    """Ids of the entity-ruler patterns found in the latest message (e.g. "car_t", "hiv")."""
    found: set[str] = set()
    for entity in tracker.latest_message.get("entities") or []:
        value = str(entity.get("value", ""))
        found.add(value)
    return found


def patient_words(tracker: Tracker, buttons: list[dict[str, Any]] | None = None) -> str:
    """The patient's own words for the record: a tapped button is stored as its title."""
    text = latest_text(tracker).strip()
    if text.startswith("/"):
        for button in buttons or []:
            if button.get("payload") == text:
                return f"[tapped] {button.get('title')}"
        return f"[tapped] {text}"
    return clean_text(text)
