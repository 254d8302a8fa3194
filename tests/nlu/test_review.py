"""`prescreen nlu review`: a real SQLite tracker store written by Rasa's SQLTrackerStore, a real lead store."""

from __future__ import annotations

import asyncio
import hashlib
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.leads.database import Database
from bot.leads.migrate import upgrade
from bot.leads.store import LeadStore
from bot.nlu.review import (
    ReviewError,
    as_nlu_yaml,
    messages_to_review,
    readonly_engine,
    redact,
)


def _parse(intent: str, confidence: float, runner_up: tuple[str, float] | None = None) -> dict[str, Any]:
    ranking = [{"name": intent, "confidence": confidence}]
    if runner_up:
        ranking.append({"name": runner_up[0], "confidence": runner_up[1]})
    return {"intent": {"name": intent, "confidence": confidence}, "entities": [], "intent_ranking": ranking}


def _said(text_: str, intent: str, confidence: float, runner_up: tuple[str, float] | None = None) -> Any:
    from rasa.shared.core.events import UserUttered

    parse = _parse(intent, confidence, runner_up)
    return UserUttered(text_, intent=parse["intent"], parse_data=parse)


def _write_trackers(path: Path, conversations: dict[str, list[Any]]) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(dialect="sqlite", db=str(path))
    for sender_id, events in conversations.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender_id, events)))
    store.engine.dispose()


@pytest.fixture
def stores(tmp_path: Path) -> tuple[str, str, Path]:
    """A lead store where conversation `consented` gave consent, and a tracker store with three conversations."""
    from rasa.shared.core.events import ActionExecuted, ActiveLoop

    lead_url = f"sqlite:///{tmp_path / 'prescreen.db'}"
    upgrade(lead_url)
    leads = LeadStore(Database(lead_url))
    leads.start_screening("consented", consent_version="test", criteria_version="test")
    leads.start_screening("also-consented", consent_version="test", criteria_version="test")
    leads.database.engine.dispose()

    tracker_path = tmp_path / "tracker.db"
    _write_trackers(tracker_path, {
        "consented": [
            ActionExecuted("action_listen"),
            _said("hi", "greet", 0.99),
            _said("yes I agree", "affirm", 0.97),
            _said("I reckon I had it once", "affirm", 0.41, ("dont_know", 0.30)),
            _said("blorp wibble", "nlu_fallback", 0.45, ("out_of_scope", 0.31)),
            _said("/affirm", "affirm", 0.10),  # a tapped button, not words
            ActiveLoop("contact_form"),
            _said("Wang Fang", "inform", 0.20),  # contact details: never exported
            _said("13812345678", "inform", 0.30),
            ActiveLoop(None),
            _said("ring me on 138 1234 5678 or mail wf@example.com", "human_handoff", 0.35),
        ],
        "also-consented": [_said("i reckon i had it once", "affirm", 0.52),
                           _said("yeah reckon so mate", "affirm", 0.55)],
        "no-consent": [_said("my secret words", "out_of_scope", 0.12), _said("blorp", "nlu_fallback", 0.45)],
    })
    return f"sqlite:///{tracker_path}", lead_url, tracker_path


def test_exports_only_unsure_messages_of_consented_conversations(stores: tuple[str, str, Path]) -> None:
    tracker_url, lead_url, _ = stores
    found = messages_to_review(tracker_url, lead_url, threshold=0.6)
    texts = [m.text for m in found]
    assert "I reckon I had it once" in texts and "blorp wibble" in texts and "yeah reckon so mate" in texts
    assert "my secret words" not in texts and "blorp" not in texts  # no consent, never exported
    assert "Wang Fang" not in texts and "13812345678" not in texts  # typed into the contact form
    assert "/affirm" not in texts and "hi" not in texts and "yes I agree" not in texts
    assert "ring me on <phone> or mail <email>" in texts  # redacted outside the contact form too
    fallback = next(m for m in found if m.text == "blorp wibble")
    assert fallback.fallback and fallback.predicted == "out_of_scope"


def test_threshold_option(stores: tuple[str, str, Path]) -> None:
    tracker_url, lead_url, _ = stores
    texts = {m.text for m in messages_to_review(tracker_url, lead_url, threshold=0.4)}
    assert "I reckon I had it once" not in texts  # 0.41
    assert "blorp wibble" in texts  # the fallback always counts
    assert "ring me on <phone> or mail <email>" in texts  # 0.35


def test_yaml_is_rasa_nlu_ready_to_label(stores: tuple[str, str, Path]) -> None:
    tracker_url, lead_url, _ = stores
    found = messages_to_review(tracker_url, lead_url)
    exported = as_nlu_yaml(found, 0.6, known={"yeah reckon so mate"})
    data = yaml.safe_load(exported)
    assert data["version"] == "3.1"
    blocks = data["nlu"]
    assert {b["intent"] for b in blocks} == {"TODO"}
    examples = [line[2:] for b in blocks for line in b["examples"].splitlines()]
    assert [e.lower() for e in examples].count("i reckon i had it once") == 1  # the same words twice are one example
    assert "yeah reckon so mate" not in examples  # already in the training data
    assert "# predicted affirm: 1 examples, confidence 0.41-0.52" in exported
    prefilled = yaml.safe_load(as_nlu_yaml(found, 0.6, prefill=True))
    assert {b["intent"] for b in prefilled["nlu"]} == {"affirm", "out_of_scope", "human_handoff"}

    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    training = RasaYAMLReader().reads(exported)
    assert {m.get("text").lower() for m in training.intent_examples} >= {"i reckon i had it once", "blorp wibble"}


def test_nothing_to_review_is_still_valid_yaml(tmp_path: Path) -> None:
    assert yaml.safe_load(as_nlu_yaml([], 0.6))["nlu"] == []


def test_stores_are_opened_read_only(stores: tuple[str, str, Path]) -> None:
    tracker_url, lead_url, tracker_path = stores
    before = hashlib.sha256(tracker_path.read_bytes()).hexdigest()
    messages_to_review(tracker_url, lead_url)
    assert hashlib.sha256(tracker_path.read_bytes()).hexdigest() == before
    engine = readonly_engine(tracker_url)
    with pytest.raises(OperationalError), engine.begin() as connection:
        connection.execute(text("delete from events"))
    engine.dispose()


def test_missing_tracker_store_is_a_clear_error(tmp_path: Path, stores: tuple[str, str, Path]) -> None:
    _, lead_url, _ = stores
    with pytest.raises(ReviewError, match="no database file"):
        messages_to_review(f"sqlite:///{tmp_path / 'nowhere.db'}", lead_url)


def test_redact() -> None:
    assert redact("call +86 138-1234-5678 or a@b.cn") == "call <phone> or <email>"
    assert redact("I'm 68, born 1958") == "I'm 68, born 1958"


def test_cli_writes_a_private_file_and_audits(stores: tuple[str, str, Path], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli.main import main
    from bot.settings import get_settings

    tracker_url, lead_url, _ = stores
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
    monkeypatch.setenv("DATABASE_URL", lead_url)
    get_settings.cache_clear()
    try:
        output = tmp_path / "review.yml"
        assert main(["nlu", "review", "--threshold", "0.5", "--output", str(output)]) == 0
    finally:
        get_settings.cache_clear()
    exported = output.read_text(encoding="utf-8")
    assert "I reckon I had it once" in exported and "my secret words" not in exported
    assert "yeah reckon so mate" not in exported  # 0.55 is above 0.5
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    leads = LeadStore(Database(lead_url))
    assert any(e["action"] == "nlu_review_export" for e in leads.audit_entries())
    leads.database.engine.dispose()
