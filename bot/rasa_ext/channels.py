"""The REST channel the chat page's proxy talks to, passing on the page's language and nothing else."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from bot.reading.language import pick_language


class RestWithLanguage(RestInput):
    """Rasa's REST channel (same name, so the same /webhooks/rest/webhook), plus the page's language.

    Stock RestInput passes no metadata. The chat page sends `{"metadata": {"lang": "zh"}}`; only a
    supported language is kept, so no other data the client sends reaches the tracker.
    """

    @classmethod
    def name(cls) -> str:
        return "rest"

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        body = request.json if isinstance(request.json, dict) else {}
        metadata = body.get("metadata")
        language = pick_language(metadata.get("lang")) if isinstance(metadata, dict) else None
        return {"lang": language} if language else None
