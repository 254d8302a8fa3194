"""What a patient's push says, and what the assistant is to be told.

Two steps, because the second needs the conversation's state and must run in the patient's order:
`read_push` (in the webhook, from the XML fields alone) keeps what matters of the push, and
`resolve` (in the worker, just before the turn) maps a menu tap or a number to the button's payload
using the buttons last offered in that conversation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.web.wechat.speech import SpeechToText

MAX_TEXT_CHARS = 2000  # as the chat page
# The account menu's buttons (`prescreen wechat menu`), as the same payloads the chat page's buttons send.
MENU_PAYLOADS = {
    "PRESCREEN_START": "/start_prescreen", "PRESCREEN_DELETE": "/withdraw", "PRESCREEN_CALL": "/human_handoff",
}
UNREADABLE = frozenset({"image", "video", "shortvideo", "location", "link", "file", "music", "news", "miniprogrampage"})
IGNORED_EVENTS = frozenset({"unsubscribe", "view", "view_miniprogram", "templatesendjobfinish", "location",
                            "masssendjobfinish", "scancode_push", "scancode_waitmsg", "subscribe_msg_popup_event"})
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.。、)）]?\s*$")


def dedupe_key(fields: dict[str, str], id_key: bytes) -> str:
    """One key per push whatever the retries: the MsgId, or for an event its sender, time and kind
    (WeChat's own rule); keyed, so the stored key says nothing of who sent it."""
    if fields.get("MsgId"):
        raw = "msg:" + fields["MsgId"]
    else:
        raw = "|".join(("event", fields.get("FromUserName", ""), fields.get("CreateTime", ""),
                        fields.get("Event", ""), fields.get("EventKey", "")))
    return hmac.new(id_key, raw.encode(), hashlib.sha256).hexdigest()


def read_push(fields: dict[str, str], speech: SpeechToText) -> dict[str, Any]:
    """The push as the worker needs it: {"kind": text|voice|menu|subscribe|unreadable|ignore, …}."""
    kind = fields.get("MsgType", "").lower()
    if kind == "text":
        return {"kind": "text", "text": fields.get("Content", ""), "menu_id": fields.get("bizmsgmenuid", "")}
    if kind == "voice":
        words = speech.transcribe(fields.get("Recognition", ""), fields.get("MediaId", ""), fields.get("Format", ""))
        return {"kind": "voice", "text": words or ""}
    if kind == "event":
        event = fields.get("Event", "").lower()
        if event == "subscribe":
            return {"kind": "subscribe"}
        if event == "click" and fields.get("EventKey") in MENU_PAYLOADS:
            return {"kind": "menu", "key": fields["EventKey"]}
        if event in IGNORED_EVENTS or event == "click":
            return {"kind": "ignore", "event": event[:32]}
        return {"kind": "ignore", "event": "other"}
    return {"kind": "unreadable", "type": kind[:32] if kind in UNREADABLE else "other"}


@dataclass
class Resolved:
    """What to do with a push: a message for the assistant, and/or the gateway's own notice."""

    to_assistant: str | None = None
    notices: list[str] = field(default_factory=list)  # keys of the gateway's texts, sent before the replies


def _as_number(text: str) -> int | None:
    match = _NUMBER.match(unicodedata.normalize("NFKC", text))  # full-width digits too: "１"
    return int(match.group(1)) if match else None


def choice_payload(text: str, menu_id: str, offered: list[dict[str, str]]) -> str | None:
    """The payload of the button a patient chose: a tapped menu item, its number, or its exact title."""
    if not offered:
        return None
    if menu_id:
        for button in offered:
            if button.get("id") == menu_id:
                return button["payload"]
    number = _as_number(text)
    if number is not None and 1 <= number <= len(offered):
        return offered[number - 1]["payload"]
    for button in offered:
        if text.strip() == button["title"]:
            return button["payload"]
    return None


def resolve(push: dict[str, Any], offered: list[dict[str, str]]) -> Resolved:
    kind = push.get("kind")
    if kind in ("text", "voice"):
        text = str(push.get("text") or "").strip()
        if not text:
            return Resolved(notices=["voice_unclear" if kind == "voice" else "please_type"])
        if len(text) > MAX_TEXT_CHARS:
            return Resolved(notices=["too_long"])
        return Resolved(to_assistant=choice_payload(text, str(push.get("menu_id") or ""), offered) or text)
    if kind == "menu":
        return Resolved(to_assistant=MENU_PAYLOADS[push["key"]])
    if kind == "subscribe":
        return Resolved(notices=["welcome"])
    if kind == "unreadable":
        return Resolved(notices=["please_type"])
    return Resolved()
