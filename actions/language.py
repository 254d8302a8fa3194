"""The conversation's language: set on every message (a slot mapping runs this action), read by the others."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import latest_text
from bot.reading import is_tapped
from bot.reading.language import DEFAULT_LANGUAGE, Language, choose_language, pick_language

LANGUAGE_SLOT = "language"


def language_of(tracker: Tracker) -> Language:
    """The language the patient is being answered in."""
    return pick_language(tracker.get_slot(LANGUAGE_SLOT)) or DEFAULT_LANGUAGE


def typed_before(tracker: Tracker) -> bool:
    """Whether the patient typed anything before the latest message (buttons and the page's greeting aside)."""
    user_texts = [event.get("text") or "" for event in tracker.events if event.get("event") == "user"]
    return any(not is_tapped(text) for text in user_texts[:-1])


class ActionSetLanguage(Action):
    """Runs after every message (the `language` slot's custom mapping): keeps or switches the language."""

    def name(self) -> str:
        return "action_set_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = latest_text(tracker)
        current = pick_language(tracker.get_slot(LANGUAGE_SLOT))
        metadata = tracker.latest_message.get("metadata") or {}
        chosen = choose_language(
            text,
            current=current,
            page=pick_language(metadata.get("lang")) if isinstance(metadata, dict) else None,
            first_typed=not typed_before(tracker),
            tapped=is_tapped(text),
        )
        return [] if chosen == current else [SlotSet(LANGUAGE_SLOT, chosen)]


def kept_language(tracker: Tracker) -> list[EventType]:
    """After every slot is reset (withdrawal, start over), the conversation stays in its language."""
    language = pick_language(tracker.get_slot(LANGUAGE_SLOT))
    return [SlotSet(LANGUAGE_SLOT, language)] if language else []
