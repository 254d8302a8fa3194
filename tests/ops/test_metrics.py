"""Prometheus metrics on every service, internal only, with no personal data in any label."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from flask import Flask

from bot.leads.migrate import upgrade
from bot.leads.models import utcnow
from bot.monitoring.metrics import action_label, is_internal, language_label, name_label, parse_networks
from bot.notify.config import notify_config
from bot.notify.worker import Notifier
from bot.ops.run import Stack
from bot.web.chat.app import create_app as create_chat_app
from tests.conftest import TEST_KEY
from tests.notify.conftest import CONTACT, free_port, notify_settings
from tests.web.coordinator.conftest import app, services, settings  # noqa: F401 - the coordinator app's fixtures
from tests.web.coordinator.seed import seed_lead
from tools.stack import throwaway_settings

LOOPBACK = parse_networks(("127.0.0.0/8", "::1/128"))
SAMPLE = re.compile(r'^(\w+)(\{[^}]*\})? ([0-9.e+-]+)$')


def samples(text: str) -> dict[str, float]:
    found = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match:
            found[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return found


def test_labels_hold_names_never_free_text() -> None:
    assert [language_label(x) for x in ("zh-CN", "zh", "en", "EN-us", "fr", None, "我叫王")] == [
        "zh", "zh", "en", "en", "unknown", "unknown", "unknown"]
    assert [name_label(x) for x in ("rest", "socketio", "Wang Xiaoming", "13812345678", "")] == [
        "rest", "socketio", "other", "other", "other"]
    assert [action_label(x) for x in ("action_store_lead", "validate_prescreen_form", "my phone is 138", None)] == [
        "action_store_lead", "validate_prescreen_form", "other", "other"]


def test_only_internal_clients_that_did_not_come_through_a_proxy() -> None:
    assert is_internal("127.0.0.1", {}, LOOPBACK) and is_internal("::1", {}, LOOPBACK)
    assert not is_internal("10.1.2.3", {}, LOOPBACK)
    assert is_internal("10.1.2.3", {}, parse_networks(("10.0.0.0/8",)))
    assert not is_internal("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}, LOOPBACK)
    assert not is_internal("127.0.0.1", {"Forwarded": "for=203.0.113.9"}, LOOPBACK)
    assert not is_internal(None, {}, LOOPBACK) and not is_internal("not-an-address", {}, LOOPBACK)
    with pytest.raises(ValueError, match="METRICS_NETWORKS"):
        parse_networks(("10.0.0.0/33",))


def test_the_coordinator_app_exports_the_lead_store_without_personal_data(app: Flask, database_url: str) -> None:  # noqa: F811
    store = services(app).store
    seed_lead(store, "conv-metrics-1", CONTACT)
    seed_lead(store, "conv-metrics-2", CONTACT, completed_at=utcnow() - timedelta(hours=30))  # overdue
    # A notification that could not be delivered: one failed attempt on record.
    config = notify_config(notify_settings(database_url, free_port()))
    Notifier(store.database, config, "NCT05240950").run_once()

    anonymous = app.test_client()  # no session: /metrics needs none, only an internal address
    response = anonymous.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    figures = samples(text)
    assert figures['prescreen_leads{provisional_status="likely_eligible",review_status="new"}'] == 2
    assert figures["prescreen_leads_overdue"] == 1
    assert figures["prescreen_lead_database_up"] == 1
    assert figures['prescreen_notification_failed_attempts_total{channel="email"}'] >= 1
    assert any(key.startswith("prescreen_notifications{") for key in figures)
    for secret in (CONTACT.name, CONTACT.phone, "13812345678", CONTACT.email, "conv-metrics"):
        assert secret not in text
    # From outside, or through the proxy: as if there were no such page.
    assert anonymous.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 404
    assert anonymous.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 404


def test_the_chat_page_exports_its_relays(tmp_path: Path) -> None:
    stack_settings = throwaway_settings(tmp_path, data_key=TEST_KEY)
    client = create_chat_app(stack_settings).test_client()
    reply = client.post("/api/messages", json={"sender_id": "metrics-chat-1", "text": "hi"})
    assert reply.status_code == 503  # no Rasa listens on the throwaway port
    figures = samples(client.get("/metrics").get_data(as_text=True))
    assert figures['prescreen_chat_relays_total{outcome="rasa_unreachable"}'] >= 1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 404


@pytest.mark.slow
def test_the_action_server_counts_failed_actions_on_its_own_port(tmp_path: Path) -> None:
    stack_settings = throwaway_settings(tmp_path, data_key=TEST_KEY)
    upgrade(stack_settings.database_url)
    stack = Stack(stack_settings)
    stack.start(["actions"])
    try:
        for _ in range(2):
            requests.post(f"http://127.0.0.1:{stack_settings.actions_port}/webhook", timeout=10,
                          json={"next_action": "action_that_does_not_exist", "sender_id": "x",
                                "tracker": {"sender_id": "x", "slots": {}, "events": []}, "domain": {}})
        time.sleep(0.5)
        text = requests.get(f"http://127.0.0.1:{stack_settings.actions_metrics_port}/metrics", timeout=10).text
    finally:
        stack.stop(["actions"])
    assert samples(text)['prescreen_action_errors_total{action="action_that_does_not_exist"}'] == 2


@pytest.mark.e2e
def test_rasa_counts_turns_per_channel_and_language_and_tracker_cache_hits(live_stack) -> None:  # type: ignore[no-untyped-def]
    url = live_stack.rest_url
    # The first turn starts a session (not cached), the second reads it back and caches it, later ones hit.
    for text in ("hi", "what is CAR-T?", "what is ctDNA?", "where is it?"):
        requests.post(url, json={"sender": "metrics-rasa-1", "message": text, "metadata": {"lang": "zh"}}, timeout=60)
    text = requests.get(f"http://127.0.0.1:{live_stack.settings.rasa_metrics_port}/metrics", timeout=10).text
    figures = samples(text)
    assert figures['prescreen_turns_total{channel="rest",language="zh"}'] >= 4
    assert figures['prescreen_turn_seconds_count{channel="rest",language="zh"}'] >= 4
    assert figures.get('prescreen_tracker_cache_lookups_total{result="hit"}', 0) >= 1
    assert "metrics-rasa-1" not in text
