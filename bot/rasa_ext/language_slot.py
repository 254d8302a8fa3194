"""The `language` slot's step (action_set_language) as Rasa runs it in its own process.

Every message runs the slot's custom mapping; through the action server that is a whole HTTP call
carrying the conversation (about a third of the custom-action calls of a turn). The rule is one pure
function, bot.reading.language.language_after_message, which the action server's
actions/language.py also calls; this module only reads its inputs from Rasa's tracker the way
rasa-sdk presents them to that action. Installed by the speed patch
bot/rasa_ext/patches/in_process_language.py.
"""

from __future__ import annotations

from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.reading.language import language_after_message

ACTION_NAME = "action_set_language"
LANGUAGE_SLOT = "language"


def language_events(tracker: DialogueStateTracker) -> list[Event]:
    """The events action_set_language returns for this tracker: [SlotSet] or []."""
    latest = tracker._latest_message_data() or {}  # what the action server receives as latest_message
    user_texts = [event.text or "" for event in tracker.events if isinstance(event, UserUttered)]
    chosen = language_after_message(latest, tracker.get_slot(LANGUAGE_SLOT), user_texts)
    return [] if chosen is None else [SlotSet(LANGUAGE_SLOT, chosen)]
