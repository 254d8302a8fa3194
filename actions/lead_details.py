"""What the lead records about the conversation beyond its answers: its language and the versions of the texts shown."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.language import LANGUAGE_SLOT, language_of
from bot.reading.language import pick_language
from bot.texts import text_versions


def conversation_language(tracker: Tracker) -> str:
    """The language the conversation ended in (set on every message by action_set_language)."""
    return language_of(tracker)


def languages_shown(tracker: Tracker) -> set[str]:
    """Every language the patient was answered in: a conversation may have switched on the way."""
    seen = {
        pick_language(event.get("value"))
        for event in tracker.events
        if event.get("event") == "slot" and event.get("name") == LANGUAGE_SLOT
    }
    return {language for language in seen if language} | {language_of(tracker)}


def shown_text_versions(tracker: Tracker) -> dict[str, str]:
    """The versions of the patient texts (and of the consent) in each language this conversation was shown,
    e.g. {"texts-zh": "texts-zh-1a2b3c4d", "consent-zh": "consent-4247ca03c44f"}: stored with the screening,
    so the ethics committee's approved wording can be matched to every lead."""
    return text_versions(languages_shown(tracker))


def optional_text(value: Any) -> str | None:
    """A slot read defensively: a non-empty string, or None (the slot may be absent from the domain)."""
    text = value.strip() if isinstance(value, str) else ""  # a skipped question leaves False
    return text or None
