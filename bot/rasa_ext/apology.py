"""The apology sent while the action server is down: a domain.yml response, in the conversation's language.

Said by the action-server guard (bot/rasa_ext/patches/action_server_guard.py) before Rasa runs the turn,
so no action can choose the variation: the language is read here the way `action_set_language` would.
"""

from __future__ import annotations

from typing import Any

from bot.languages import Language, pick_language

UNAVAILABLE_RESPONSE = "utter_action_server_unavailable"


def unavailable_text(responses: dict[str, Any], language: str) -> str:
    """The apology's text in `language`: its variation with that language condition, else the default (English)."""
    variations = responses.get(UNAVAILABLE_RESPONSE) or []
    for variation in variations:
        if any(c.get("name") == "language" and c.get("value") == language for c in variation.get("condition") or []):
            return str(variation["text"])
    return next(str(v["text"]) for v in variations if not v.get("condition"))


async def conversation_language(processor: Any, message: Any) -> Language:
    """The conversation's language slot; for a first message, the language the assistant itself would pick
    (bot/reading/language.py: Chinese text is Chinese, otherwise the page's (metadata "lang") or the default)."""
    from bot.reading.language import choose_language

    tracker = await processor.tracker_store.retrieve(message.sender_id)
    language = pick_language(tracker.get_slot("language")) if tracker is not None else None
    if language is not None:
        return language
    metadata = message.metadata if isinstance(message.metadata, dict) else {}
    return choose_language(message.text or "", current=None, page=pick_language(metadata.get("lang")),
                           first_typed=False, tapped=False)
