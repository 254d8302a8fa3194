"""POST /api/messages?lang=xx  {"sender_id", "text"}: relayed to Rasa's REST channel; the answer is
{"messages": [{"text", "buttons"?, "lang"}...], "lang": the conversation's language}."""

from __future__ import annotations

import logging
import re
from typing import Any

import requests
from flask import Blueprint, Response, jsonify, request

from bot.languages import DEFAULT_LANGUAGE, pick_language
from bot.monitoring.metrics import CHAT_RELAYS
from bot.settings import MAX_MESSAGE_CHARS
from bot.web.chat.core import json_error, services, unavailable
from bot.web.chat.reply_language import tag_languages

bp = Blueprint("api", __name__, url_prefix="/api")
log = logging.getLogger(__name__)

SENDER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
RASA_TIMEOUT = (3.0, 30.0)  # (connect, read) seconds
# Messages Rasa may legitimately answer with nothing (e.g. `action_restart` without an
# `utter_restart` response); for everything else an empty reply means something went wrong.
SILENT_OK = frozenset({"/restart", "/session_start"})


def _clean_messages(raw: Any) -> list[dict[str, Any]]:
    """Keep only what the page renders: text and buttons (title, payload)."""
    cleaned: list[dict[str, Any]] = []
    if not isinstance(raw, list):
        return cleaned
    for item in raw:
        if not isinstance(item, dict):
            continue
        message: dict[str, Any] = {}
        text = item.get("text")
        if isinstance(text, str) and text.strip():
            message["text"] = text
        buttons = []
        for button in item.get("buttons") or []:
            if not isinstance(button, dict):
                continue
            title, payload = button.get("title"), button.get("payload")
            if isinstance(title, str) and title.strip():
                buttons.append({"title": title, "payload": payload if isinstance(payload, str) else title})
        if buttons:
            message["buttons"] = buttons
        if message:
            cleaned.append(message)
    return cleaned


@bp.post("/messages")
def messages() -> Response:
    # The conversation's language as the page knows it: the page's choice at first, then the assistant's.
    lang = pick_language(request.args.get("lang")) or DEFAULT_LANGUAGE
    if not request.is_json:
        return json_error(400, "bad_request", "Send JSON with sender_id and text.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(400, "bad_request", "Send a JSON object with sender_id and text.")
    sender_id, text = data.get("sender_id"), data.get("text")
    if not isinstance(sender_id, str) or not SENDER_ID_RE.match(sender_id):
        return json_error(
            400, "bad_sender_id", "sender_id must be 8 to 64 letters, digits, '-' or '_'."
        )
    if not isinstance(text, str):
        return json_error(400, "bad_text", "text must be a string.")
    text = text.strip()
    if not text:
        return json_error(400, "empty_text", "The message is empty.")
    if len(text) > MAX_MESSAGE_CHARS:
        return json_error(
            413,
            "message_too_long",
            f"The message is too long: {len(text)} characters; the limit is {MAX_MESSAGE_CHARS}.",
        )
    chat = services()
    address = request.remote_addr or "unknown"
    for limiter, key in ((chat.per_conversation, sender_id), (chat.per_address, address)):
        if not limiter.allow(key):
            log.warning("rate limit hit (%s)", "conversation" if limiter is chat.per_conversation else "address")
            response = json_error(429, "too_many_messages",
                                  "Too many messages in a short time. Please wait a moment and try again.")
            response.headers["Retry-After"] = str(limiter.retry_after(key))
            return response
    try:
        reply = chat.http.post(
            chat.settings.rasa_url + "/webhooks/rest/webhook",
            json={"sender": sender_id, "message": text, "metadata": {"lang": lang}},  # the page's language
            timeout=RASA_TIMEOUT,
        )
    except requests.RequestException as error:
        log.warning("Rasa unreachable: %s", error.__class__.__name__)
        CHAT_RELAYS.labels("rasa_unreachable").inc()
        return unavailable(lang)
    if reply.status_code >= 400:
        log.warning("Rasa answered HTTP %s", reply.status_code)
        CHAT_RELAYS.labels("rasa_error").inc()
        return unavailable(lang)
    try:
        payload = reply.json()
    except ValueError:
        payload = None
    cleaned = _clean_messages(payload)
    if not cleaned and text not in SILENT_OK:
        log.warning("Rasa sent no reply to a message")
        CHAT_RELAYS.labels("no_reply").inc()
        return unavailable(lang)
    tagged, conversation = tag_languages(cleaned, lang)
    CHAT_RELAYS.labels("answered").inc()
    return jsonify({"messages": tagged, "lang": conversation})
