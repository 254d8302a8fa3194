"""Read the patient's latest message from a tracker; what it means is decided in `bot.reading`."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.reading import clean_text, is_tapped, read_yes_no
from bot.reading import is_side_request as _is_side_request


def is_side_request(tracker: Tracker) -> bool:
    """Whether the latest message is a side question or request rather than an answer."""
    intent, _ = latest_intent(tracker)
    return _is_side_request(intent, latest_text(tracker))


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def yes_no_answer(value: Any, tracker: Tracker, words: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """A form slot's value as "yes", "no" or "unsure" (None: unreadable): a tapped button's boolean, or the
    words read with the NLU's intent as a hint and the question's own `words`."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    intent, confidence = latest_intent(tracker)
    reading = read_yes_no(str(value), intent=intent, confidence=confidence, words=words)
    return reading.value if reading else None


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def entity_ids(tracker: Tracker) -> set[str]:
    """Ids of the entity-ruler patterns found in the latest message (e.g. "car_t", "hiv")."""
    return {str(entity.get("value", "")) for entity in tracker.latest_message.get("entities") or []}


def patient_words(tracker: Tracker, buttons: list[dict[str, Any]] | None = None) -> str:
    """The patient's own words for the record: a tapped button is stored as its title."""
    text = latest_text(tracker).strip()
    if is_tapped(text):
        for button in buttons or []:
            if button.get("payload") == text:
                return f"[tapped] {button.get('title')}"
        return f"[tapped] {text}"
    return clean_text(text)
