"""What the chat page's blueprints share: the app's settings, its connection to Rasa and its rate limits,
made once by create_app(); the JSON error and "the assistant is unavailable" bodies."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from flask import Response, current_app, jsonify

from bot.languages import DEFAULT_LANGUAGE
from bot.settings import Settings
from bot.web.chat.ratelimit import SlidingWindowLimiter
from bot.web.chat.strings import strings_for


@dataclass(frozen=True)
class ChatServices:
    settings: Settings
    http: requests.Session  # kept open: connections to Rasa are reused
    per_conversation: SlidingWindowLimiter
    per_address: SlidingWindowLimiter

    @classmethod
    def of(cls, settings: Settings) -> ChatServices:
        return cls(settings, requests.Session(), SlidingWindowLimiter(settings.chat_rate_per_conversation),
                   SlidingWindowLimiter(settings.chat_rate_per_address))


def services() -> ChatServices:
    """The current app's services (create_app puts them in app.extensions)."""
    return current_app.extensions["prescreen_chat"]


def json_error(status: int, error: str, message: str) -> Response:
    response = jsonify({"error": error, "message": message})
    response.status_code = status
    return response


def unavailable(lang: str = DEFAULT_LANGUAGE) -> Response:
    """503: the assistant cannot be reached; the page shows the message and the study's phone number."""
    phone = services().settings.study_contact_phone
    text = strings_for(lang)["unavailable"].format(phone=phone)
    response = jsonify({"error": "assistant_unavailable", "message": text, "phone": phone})
    response.status_code = 503
    return response
