"""What the lead records about the conversation beyond its answers: its language and the versions of the texts shown."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def conversation_language(tracker: Tracker) -> str:
    """The `language` slot (set on every user message by action_set_language); English until it is set."""
    return str(tracker.get_slot("language") or "en")


def shown_text_versions(tracker: Tracker) -> dict[str, str]:
    """The versions of the patient texts this conversation was shown, e.g.
    {"en": "texts-en-1a2b3c4d", "zh": "texts-zh-…", "consent": "consent-…"}; stored with the screening as given.

    Empty for now: the texts export (another branch) defines the versions, and the lead engineer fills
    this in from it. The store and the lead page already take whatever dict this returns.
    """
    return {}


def optional_text(value: Any) -> str | None:
    """A slot read defensively: a non-empty string, or None (the slot may be absent from the domain)."""
    text = value.strip() if isinstance(value, str) else ""  # a skipped question leaves False
    return text or None
