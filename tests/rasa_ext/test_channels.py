"""The REST channel passes on the chat page's language, and nothing else the client sends, against the real servers."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest
import requests

from bot.leads.crypto import FieldCipher
from bot.leads.transcripts import unseal
from tests.conftest import LiveStack


def _events(stack: LiveStack, sender: str, type_name: str) -> list[dict]:
    database = sqlite3.connect(stack.settings.tracker_store_url.removeprefix("sqlite:///"))
    try:
        rows = database.execute("select data from events where sender_id = ? and type_name = ?", (sender, type_name))
        cipher = FieldCipher(stack.settings.data_key)
        return [json.loads(unseal(cipher, row[0]) or "{}") for row in rows]
    finally:
        database.close()


def _language_slots(stack: LiveStack, sender: str) -> list[str | None]:
    return [event.get("value") for event in _events(stack, sender, "slot") if event.get("name") == "language"]


@pytest.mark.e2e
@pytest.mark.parametrize(("metadata", "language"), [
    ({"lang": "zh-CN", "name": "王建国", "phone": "13800138000"}, "zh"),
    ({"lang": "en"}, "en"),
    ({"lang": "fr"}, "en"),  # not a language the assistant speaks: the default
    (None, "en"),  # Rasa's own REST body, as the tools and the bench send it
])
def test_the_pages_language_and_nothing_else_reaches_the_conversation(
    live_stack: LiveStack, metadata: dict | None, language: str
) -> None:
    sender = uuid.uuid4().hex
    body = {"sender": sender, "message": "/greet", **({"metadata": metadata} if metadata else {})}
    response = requests.post(live_stack.rest_url, json=body, timeout=60)
    assert response.status_code == 200 and response.json()
    assert _language_slots(live_stack, sender) == [language]
    (user,) = _events(live_stack, sender, "user")
    kept = {"lang": language} if metadata and metadata.get("lang") in ("zh-CN", "en") else {}
    rasas_own = {"model_id", "assistant_id"}  # Rasa adds these to every message
    assert {key: value for key, value in user.get("metadata", {}).items() if key not in rasas_own} == kept
