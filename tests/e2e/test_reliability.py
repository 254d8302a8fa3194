"""Hostile input and faults, against the live servers: the bot stays up, answers, stores nothing wrong."""

from __future__ import annotations

import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bot.rasa_ext.apology import unavailable_text
from bot.texts.responses import load_domain
from tests.conftest import LiveStack
from tests.e2e.test_rest_conversations import CONSENT, ELIGIBLE, converse

pytestmark = pytest.mark.e2e

# The age question in either language: after "我想问一个问题" the conversation is in Chinese, as it should be.
AGE_QUESTIONS = ("how old are you", "多大年纪")
HOSTILE = [
    "", "   ", "\n\t", "a" * 2000, "\x00\x01\x02 hello \x7f", "😀🎉🙏", "مرحبا كيف حالك", "שלום",
    "我想问一个问题", "'; DROP TABLE screenings; --", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7}", "%s%s%n", "\u202eevil\u202c", "../../etc/passwd", "null", "NaN", "-1", "9" * 400,
]


def test_hostile_messages_get_answers_and_store_nothing_wrong(live_stack: LiveStack) -> None:
    sender = uuid.uuid4().hex
    converse(live_stack, sender, ["hi", CONSENT])
    for message in HOSTILE:
        replies = live_stack.say(sender, message)
        texts = " ".join(r.get("text", "") for r in replies)
        assert any(question in texts.lower() for question in AGE_QUESTIONS), f"{message[:40]!r} got {texts[:200]!r}"
    converse(live_stack, sender, ["62"])
    lead_db = sqlite3.connect(live_stack.settings.database_url.removeprefix("sqlite:///"))
    assert lead_db.execute("select count(*) from screenings where conversation_id = ?", (sender,)).fetchone() == (1,)
    assert lead_db.execute("select count(*) from answers").fetchone()[0] >= 0  # schema intact after the SQL-ish text


def test_same_message_fifty_times_at_once(live_stack: LiveStack) -> None:
    sender = uuid.uuid4().hex
    converse(live_stack, sender, ["hi"])

    def send(_: int) -> int:
        response = requests.post(live_stack.rest_url, json={"sender": sender, "message": "yes"}, timeout=120)
        return response.status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(send, range(50)))
    assert statuses == [200] * 50
    assert converse(live_stack, sender, ["70"])  # still answering, still consistent
    lead = live_stack.store().funnel()
    assert lead["consented"] >= 1


def test_a_thousand_new_conversations(live_stack: LiveStack) -> None:
    started_before = live_stack.store().funnel()["started"]
    begin = time.monotonic()

    def start(_: int) -> bool:
        replies = live_stack.say(uuid.uuid4().hex, "hello")
        return any("Do you agree?" in r.get("text", "") for r in replies)

    with ThreadPoolExecutor(max_workers=10) as pool:
        answered = list(pool.map(start, range(1000)))
    elapsed = time.monotonic() - begin
    print(f"\n1000 new conversations in {elapsed:.1f} s ({1000 / elapsed:.1f}/s)")
    assert all(answered)
    assert live_stack.store().funnel()["started"] - started_before == 1000


def test_action_server_down_then_back(live_stack: LiveStack) -> None:
    sender = uuid.uuid4().hex
    converse(live_stack, sender, ["hi", CONSENT, "66"])
    live_stack.stop_actions()
    try:
        texts = converse(live_stack, sender, ["yes"])
        assert texts == [unavailable_text(load_domain()["responses"], "en")]
        zh_sender = uuid.uuid4().hex
        assert converse(live_stack, zh_sender, ["你好"]) == [unavailable_text(load_domain()["responses"], "zh")]
    finally:
        live_stack.start_actions()
    texts = converse(live_stack, sender, ["yes"])
    assert "surgery to remove the original tumour" in texts[-1]  # continues where it was


def test_lead_database_down_when_storing_then_back(live_stack: LiveStack) -> None:
    sender = uuid.uuid4().hex
    converse(live_stack, sender, ["hi", CONSENT, *ELIGIBLE[:-1]])
    lock = sqlite3.connect(live_stack.settings.database_url.removeprefix("sqlite:///"), isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # nobody else can write: the database is "down" for writers
    try:
        texts = converse(live_stack, sender, [ELIGIBLE[-1]])
        assert any("technical problem" in t and "reach the study team" in t for t in texts)
        assert any("you may be able to take part" in t for t in texts)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            lead = live_stack.store().get_lead(sender)
            if lead.completed_at:
                break
        except Exception:
            pass
        time.sleep(1)
    else:
        pytest.fail("the spooled screening was not written after the database came back")
    assert lead.provisional_status == "likely_eligible"
