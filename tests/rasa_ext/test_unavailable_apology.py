"""The apology when the action server is unreachable: the domain's text, in the conversation's language."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet

from bot.rasa_ext.apology import conversation_language, unavailable_text
from bot.settings import PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


def test_the_apology_comes_from_the_texts_in_both_languages() -> None:
    english, chinese = unavailable_text(DOMAIN.responses, "en"), unavailable_text(DOMAIN.responses, "zh")
    assert english.startswith("Sorry, I'm having a technical problem") and "抱歉" in chinese


@pytest.mark.parametrize(("slot", "metadata", "text", "language"), [
    ("zh", None, "yes", "zh"),  # the conversation's language wins
    ("en", {"lang": "zh"}, "是的", "en"),
    (None, {"lang": "zh"}, "hello", "zh"),  # a first message: the chat page's language
    (None, None, "你好", "zh"),  # or the text's
    (None, {"lang": "en"}, "你好", "zh"),  # Chinese text is Chinese, as the assistant itself reads it
    (None, None, "hello", "en"),
])
def test_the_apology_follows_the_conversation_language(slot, metadata, text, language) -> None:
    store = InMemoryTrackerStore(DOMAIN)
    if slot:
        tracker = asyncio.run(store.get_or_create_tracker("sender"))
        tracker.update(SlotSet("language", slot))
        asyncio.run(store.save(tracker))
    processor = SimpleNamespace(tracker_store=store)
    message = UserMessage(text, sender_id="sender", metadata=metadata)
    assert asyncio.run(conversation_language(processor, message)) == language
