"""Fixtures for action tests: rasa-sdk trackers, a dispatcher, the domain, a real lead store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from bot.dialogue import notes
from bot.leads.store import LeadStore
from bot.settings import PROJECT_ROOT, get_settings

DOMAIN: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


@pytest.fixture
def domain() -> dict[str, Any]:
    return DOMAIN


NOW = "2026-12-02T11:00:00+00:00"  # the time noted with an answer's history and a patient's question, when fixed


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> str:
    """Notes carry the time they were made: fixed, so that a test compares the full list of events."""
    monkeypatch.setattr(notes, "now_iso", lambda: NOW)
    return NOW


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def lead_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LeadStore]:
    """The actions' own store, on a fresh migrated SQLite file."""
    from bot.leads.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'leads.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PRESCREEN_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    services.lead_store.cache_clear()
    services.spool.cache_clear()
    yield services.lead_store()
    services.lead_store().database.engine.dispose()
    services.lead_store.cache_clear()
    services.spool.cache_clear()
    get_settings.cache_clear()


TrackerFactory = Callable[..., Tracker]


@pytest.fixture
def make_tracker() -> TrackerFactory:
    def make(
        text: str = "",
        intent: str | None = "inform",
        confidence: float = 0.95,
        slots: dict[str, Any] | None = None,
        requested_slot: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        active_loop: str | None = "prescreen_form",
        sender_id: str = "test-conversation",
    ) -> Tracker:
        all_slots = {name: None for name in DOMAIN["slots"]}
        all_slots.update(slots or {})
        all_slots["requested_slot"] = requested_slot
        return Tracker(
            sender_id=sender_id,
            slots=all_slots,
            latest_message={"text": text, "intent": {"name": intent, "confidence": confidence},
                            "entities": entities or []},
            events=[],
            paused=False,
            followup_action=None,
            active_loop={"name": active_loop} if active_loop else {},
            latest_action_name="action_listen",
        )

    return make


def run(
    action: Action, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
) -> list[dict[str, Any]]:
    return asyncio.run(action.run(dispatcher, tracker, domain))


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("response") or m.get("text") for m in dispatcher.messages]


def sent(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """The messages sent, as Rasa's reference assistants compare them: the fields that are set.

    rasa-sdk fills every message with empty fields and repeats `response` as `template`.
    """
    return [
        {key: value for key, value in message.items() if value not in (None, [], {}) and key != "template"}
        for message in dispatcher.messages
    ]
