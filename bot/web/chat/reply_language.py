"""The language of each reply the assistant sends, and so of the conversation as the page shows it.

The REST channel returns text only, not the `language` slot, so the chat page learns the language
from the words themselves: a reply written in Chinese (`looks_chinese`, the rule the assistant
itself uses for what patients type) is Chinese, a reply with English words is English, and a reply
with neither (a reference code alone, buttons only) keeps the conversation's language. The page
then tags each message with its `lang` for screen readers and switches its own words when the
assistant switches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.languages import SCRIPTS, written_in
from bot.leads.reference_codes import without_reference_codes
from bot.reading.language import Language, looks_chinese

_LATIN_WORD = re.compile(f"[{SCRIPTS['latin']}]{{2,}}")


def text_language(text: str, fallback: Language) -> Language:
    """"您好！请问您多大年纪？" → zh, "How old are you?" → en, "PS-7K3F9Q" → `fallback`."""
    if looks_chinese(text):
        return written_in("han")
    if _LATIN_WORD.search(without_reference_codes(text)):
        return written_in("latin")
    return fallback


def tag_languages(messages: Iterable[dict[str, Any]], conversation: Language) -> tuple[list[dict[str, Any]], Language]:
    """Each message with its `lang`, and the conversation's language after them (the last reply's).

    A message without text (buttons only) is in the language of the text before it.
    """
    current = conversation
    tagged = []
    for message in messages:
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            current = text_language(text, current)
        tagged.append({**message, "lang": current})
    return tagged, current
