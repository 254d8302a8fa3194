"""The guarded Rasa server (bot/rasa_ext/server.py) protects its REST port, against the real servers:
an oversized body is refused within 2 s while other conversations are answered as usual, and an
over-long message never reaches the NLU. (Before: one 100 kB message held every conversation > 30 s.)"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from bot.leads.crypto import FieldCipher
from bot.leads.transcripts import unseal
from bot.settings import MAX_MESSAGE_CHARS, MAX_REQUEST_BYTES
from tests.conftest import LiveStack

GREETING = "Do you agree?"  # in the first answer of every new conversation


def _post(url: str, body: Any, **kwargs: Any) -> tuple[int, float, Any]:
    started = time.monotonic()
    response = requests.post(url, timeout=60, **kwargs) if body is None else requests.post(url, json=body, timeout=60)
    elapsed = time.monotonic() - started
    try:
        return response.status_code, elapsed, response.json()
    except ValueError:
        return response.status_code, elapsed, response.text


def _chunks(total: int) -> Iterator[bytes]:
    """A body sent with Transfer-Encoding: chunked, so its size is not known up front."""
    body = ('{"sender": "chunked", "message": "' + "a" * total + '"}').encode()
    for start in range(0, len(body), 8192):
        yield body[start:start + 8192]


def _stored_texts(stack: LiveStack, sender: str) -> list[str]:
    database = sqlite3.connect(stack.settings.tracker_store_url.removeprefix("sqlite:///"))
    try:
        rows = database.execute("select data from events where sender_id = ? and type_name = 'user'", (sender,))
        cipher = FieldCipher(stack.settings.data_key)  # transcripts are encrypted at rest
        return [unseal(cipher, row[0]) or "" for row in rows]
    finally:
        database.close()


def test_limits_are_the_chat_pages() -> None:
    """One limit on both sides: what the chat page lets through, Rasa takes in (both read bot/settings.py)."""
    from bot.settings import load_settings
    from bot.web.chat.app import create_app

    assert create_app(load_settings()).config["MAX_CONTENT_LENGTH"] == MAX_REQUEST_BYTES
    html = create_app(load_settings()).test_client().get("/").get_data(as_text=True)
    assert f'maxlength="{MAX_MESSAGE_CHARS}"' in html


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("sent_as", ["content-length", "chunked"])
def test_oversized_body_is_refused_quickly_while_another_conversation_is_answered(
    live_stack: LiveStack, sent_as: str
) -> None:
    assert any(GREETING in r.get("text", "") for r in live_stack.say(uuid.uuid4().hex, "hi"))  # warm
    big_sender, other_sender = uuid.uuid4().hex, uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=2) as pool:
        if sent_as == "chunked":
            big = pool.submit(_post, live_stack.rest_url, None, data=_chunks(100_000),
                              headers={"Content-Type": "application/json"})
        else:
            big = pool.submit(_post, live_stack.rest_url, {"sender": big_sender, "message": "a" * 100_000})
        time.sleep(0.05)  # the big request first, the patient's message while it is being handled
        other = pool.submit(_post, live_stack.rest_url, {"sender": other_sender, "message": "hello"})
        status, elapsed, body = big.result()
        other_status, other_elapsed, replies = other.result()
    assert status == 413 and elapsed < 2, (status, elapsed)
    assert body == {"error": "request_too_large", "max_bytes": MAX_REQUEST_BYTES}
    assert other_status == 200 and other_elapsed < 2, (other_status, other_elapsed)
    assert any(GREETING in r.get("text", "") for r in replies)
    assert _stored_texts(live_stack, big_sender) == []


@pytest.mark.e2e
@pytest.mark.slow
def test_over_long_message_is_refused_before_the_nlu_and_the_longest_allowed_is_answered(
    live_stack: LiveStack,
) -> None:
    sender = uuid.uuid4().hex
    status, elapsed, body = _post(live_stack.rest_url, {"sender": sender, "message": "b" * (MAX_MESSAGE_CHARS + 1)})
    assert status == 413 and elapsed < 2, (status, elapsed)
    assert body == {"error": "message_too_long", "max_chars": MAX_MESSAGE_CHARS}
    assert _stored_texts(live_stack, sender) == []  # not taken in: no event, no NLU
    status, _, replies = _post(live_stack.rest_url, {"sender": sender, "message": "c" * MAX_MESSAGE_CHARS})
    assert status == 200 and any(GREETING in r.get("text", "") for r in replies)
    assert len(_stored_texts(live_stack, sender)) == 1


@pytest.mark.e2e
@pytest.mark.slow
def test_over_long_socketio_message_never_reaches_the_nlu(live_stack: LiveStack) -> None:
    """The other channel: the message is dropped before the NLU, and the conversation goes on."""
    import queue

    import socketio

    replies: queue.Queue[dict[str, Any]] = queue.Queue()
    client = socketio.Client()
    client.on("bot_uttered", replies.put)
    client.connect(live_stack.settings.rasa_url, transports=["polling"])
    try:
        session = uuid.uuid4().hex
        client.emit("session_request", {"session_id": session})
        client.emit("user_uttered", {"message": "d" * (MAX_MESSAGE_CHARS + 1), "session_id": session})
        with pytest.raises(queue.Empty):
            replies.get(timeout=2)
        assert _stored_texts(live_stack, session) == []
        client.emit("user_uttered", {"message": "hello", "session_id": session})
        texts = [replies.get(timeout=10).get("text", "")]  # one event per bot message
        while GREETING not in texts[-1]:
            texts.append(replies.get(timeout=10).get("text", ""))
        assert len(_stored_texts(live_stack, session)) == 1
    finally:
        client.disconnect()
