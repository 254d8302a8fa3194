"""The conversation's language: set on every message (a slot mapping runs this action), read by the others.

The rule is bot.reading.language's; with the speed patches Rasa runs the same step in its own process
(bot/rasa_ext/language_slot.py), so this action answers only a Rasa without them.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.reading.language import DEFAULT_LANGUAGE, Language, language_after_message, pick_language

LANGUAGE_SLOT = "language"


def language_of(tracker: Tracker) -> Language:
    """The language the patient is being answered in."""
    return pick_language(tracker.get_slot(LANGUAGE_SLOT)) or DEFAULT_LANGUAGE


class ActionSetLanguage(Action):
    """Runs after every message (the `language` slot's custom mapping): keeps or switches the language."""

    def name(self) -> str:
        return "action_set_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        user_texts = [event.get("text") or "" for event in tracker.events if event.get("event") == "user"]
        chosen = language_after_message(tracker.latest_message, tracker.get_slot(LANGUAGE_SLOT), user_texts)
        return [] if chosen is None else [SlotSet(LANGUAGE_SLOT, chosen)]


def kept_language(tracker: Tracker) -> list[EventType]:
    """After every slot is reset (withdrawal, start over), the conversation stays in its language."""
    language = pick_language(tracker.get_slot(LANGUAGE_SLOT))
    return [SlotSet(LANGUAGE_SLOT, language)] if language else []
