"""Erasure, retention and key rotation on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.leads.crypto import FieldCipher, MissingKeyError, new_key
from bot.leads.erasure import erase_lead, erase_tracker_events
from bot.leads.models import AuditEntry, Screening
from bot.leads.reference_codes import reference_code_in
from bot.leads.retention import PURGED_TEXT, PurgeResult, purge, rotate_keys
from bot.leads.store import ContactDetails, LeadNotFound, LeadStore
from bot.trial.criteria import load_criteria
from bot.trial.eligibility import evaluate

CRITERIA = load_criteria()
LOG = {"age": {"text": "I'm 60, call me on 13812345678", "value": "60", "how": "read age 60"}}


def lead(store: LeadStore, conversation_id: str, days_ago: int = 0) -> str:
    store.start_screening(conversation_id, "consent-test", CRITERIA.version)
    code = store.complete_screening(conversation_id, evaluate(CRITERIA, {"age": 60}), LOG)
    store.save_contact(conversation_id, ContactDetails("Li Wei", "+8613812345678", "li@example.com", "mornings"))
    if days_ago:
        with store.database.transaction() as session:
            session.execute(update(Screening).where(Screening.conversation_id == conversation_id)
                            .values(started_at=datetime.now(timezone.utc) - timedelta(days=days_ago)))
    return code


def test_reference_codes_are_found_in_messages() -> None:
    assert reference_code_in("please delete ps-7k3f9q thanks") == "PS-7K3F9Q"
    assert reference_code_in("delete my answers") is None


def test_erase_lead_by_reference_removes_both_stores(store: LeadStore, tmp_path) -> None:
    import sqlalchemy

    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = sqlalchemy.create_engine(tracker_url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("create table events (id integer primary key, sender_id text, data text)"))
        connection.execute(
            sqlalchemy.text("insert into events (sender_id, data) values ('conv-e', '{}'), ('other', '{}')"))
    code = lead(store, "conv-e")
    assert erase_lead(store, tracker_url, code, "cli:test") == "conv-e"
    with pytest.raises(LeadNotFound):
        store.get_lead(code)
    with engine.connect() as connection:
        senders = [row[0] for row in connection.execute(sqlalchemy.text("select sender_id from events"))]
    assert senders == ["other"]
    with store.database.session() as session:
        [entry] = session.execute(select(AuditEntry)).scalars().all()
        assert entry.action == "erase" and "Li" not in entry.detail and entry.actor == "cli:test"
    assert erase_tracker_events(f"sqlite:///{tmp_path / 'none.db'}", "x") == 0


def _tracker_with_events(tmp_path, senders: list[str]) -> str:
    """An SQLite tracker store with one event per conversation (Rasa's `events` columns that erasure reads)."""
    import sqlalchemy

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("create table events (id integer primary key, sender_id text, data text)"))
        for sender in senders:
            connection.execute(sqlalchemy.text("insert into events (sender_id, data) values (:s, '{}')"), {"s": sender})
    engine.dispose()
    return url


def _senders(tracker_url: str) -> list[str]:
    import sqlalchemy

    engine = sqlalchemy.create_engine(tracker_url)
    with engine.connect() as connection:
        found = [row[0] for row in connection.execute(sqlalchemy.text("select sender_id from events order by id"))]
    engine.dispose()
    return found


def _closed_port_url() -> str:
    """A PostgreSQL URL nothing listens on: a tracker store that is really down."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql+psycopg2://prescreen@127.0.0.1:{port}/tracker"


def test_purge_removes_contact_words_and_transcripts_of_old_unconfirmed_leads(store: LeadStore, tmp_path) -> None:
    lead(store, "old-unconfirmed", days_ago=200)
    lead(store, "old-confirmed", days_ago=200)
    lead(store, "recent", days_ago=10)
    tracker_url = _tracker_with_events(tmp_path, ["old-unconfirmed", "old-confirmed", "recent"])
    confirmed = store.get_lead("old-confirmed")
    store.set_review_status(confirmed.id, "confirmed", "enrolled", "cli:test")
    assert purge(store, 180, "cli:test", tracker_url, dry_run=True) == PurgeResult(["old-unconfirmed"], [])
    assert store.get_lead("old-unconfirmed").contact is not None and len(_senders(tracker_url)) == 3
    assert purge(store, 180, "cli:test", tracker_url) == PurgeResult(["old-unconfirmed"], [])
    purged = store.get_lead("old-unconfirmed")
    assert purged.contact is None and purged.answers[0]["patient_text"] == PURGED_TEXT
    assert purged.criteria and purged.provisional_status  # the anonymous result stays for the funnel
    assert _senders(tracker_url) == ["old-confirmed", "recent"]
    assert store.get_lead("old-confirmed").contact is not None
    assert store.get_lead("recent").contact is not None
    assert purge(store, 180, "cli:test", tracker_url) == PurgeResult([], [])  # nothing left to purge


def test_purge_keeps_leads_whose_transcript_could_not_be_erased(store: LeadStore, tmp_path) -> None:
    """The tracker store down during a purge: no lead loses its contact details before its transcript."""
    lead(store, "old-1", days_ago=200)
    lead(store, "old-2", days_ago=300)
    tracker_url = _tracker_with_events(tmp_path, ["old-1", "old-2", "old-2"])
    result = purge(store, 180, "cli:test", _closed_port_url())
    assert result == PurgeResult([], ["old-1", "old-2"])
    for conversation_id in ("old-1", "old-2"):  # untouched, so the next run selects them again
        kept = store.get_lead(conversation_id)
        assert kept.contact is not None and kept.answers[0]["patient_text"] != PURGED_TEXT
    assert [e for e in store.audit_entries() if e["action"] == "purge"] == []
    # The store is back: the next run erases the transcripts, then the contact details.
    assert purge(store, 180, "cli:test", tracker_url) == PurgeResult(["old-1", "old-2"], [])
    assert _senders(tracker_url) == []
    assert all(store.get_lead(c).contact is None for c in ("old-1", "old-2"))


def test_the_purge_command_fails_plainly_when_the_tracker_store_is_down(
    store: LeadStore, tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import dataclasses

    from bot.cli import main as cli
    from bot.settings import load_settings

    lead(store, "old-cli", days_ago=200)
    settings = dataclasses.replace(load_settings(), tracker_store_url=_closed_port_url())
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    monkeypatch.setattr(cli, "open_store", lambda settings=None: store)
    assert cli.main(["purge", "--older-than", "180"]) == 1
    out = capsys.readouterr()
    assert "Purged contact details and transcripts of 0 unconfirmed leads" in out.out
    assert "1 leads kept untouched for the next run" in out.err
    assert store.get_lead("old-cli").contact is not None


def test_purge_removes_corrected_answers_and_questions_too(store: LeadStore, tmp_path) -> None:
    log = {"age": {"text": "I am 60", "value": "60", "how": "read age 60", "confirmed_at": "2026-01-01T00:00:00+00:00",
                   "history": [{"text": "I am 06", "value": "6", "how": "read age 6", "event": "corrected",
                                "at": "2026-01-01T00:00:00+00:00"}]}}
    store.start_screening("old-slip", "consent-test", CRITERIA.version)
    store.complete_screening("old-slip", evaluate(CRITERIA, {"age": 60}), log, None,
                             [{"topic": "cost", "text": "is it free for Li Wei?", "at": "2026-01-01T00:00:00+00:00"}])
    with store.database.transaction() as session:
        session.execute(update(Screening).where(Screening.conversation_id == "old-slip")
                        .values(started_at=datetime.now(timezone.utc) - timedelta(days=200)))
    tracker_url = _tracker_with_events(tmp_path, ["old-slip"])
    assert purge(store, 180, "cli:test", tracker_url) == PurgeResult(["old-slip"], [])
    purged = store.get_lead("old-slip")
    assert {e["patient_text"] for e in purged.answer_events} == {PURGED_TEXT}
    assert [q["patient_text"] for q in purged.side_questions] == [PURGED_TEXT]


def test_key_rotation_keeps_contacts_readable_and_searchable(store: LeadStore) -> None:
    from tests.conftest import TEST_KEY

    lead(store, "rotate-me")
    fresh = new_key()
    store.cipher = FieldCipher(fresh, old_keys=(TEST_KEY,))
    assert rotate_keys(store, store.cipher) == 1
    store.cipher = FieldCipher(fresh)  # the old key is retired
    assert store.get_lead("rotate-me").contact.phone == "+8613812345678"
    with store.database.session() as session:
        from bot.leads.models import Contact

        [contact] = session.execute(select(Contact)).scalars().all()
        assert contact.phone_index == store.cipher.blind_index("+8613812345678")
    store.cipher = FieldCipher(TEST_KEY)
    with pytest.raises(MissingKeyError):
        store.get_lead("rotate-me")  # unreadable with the retired key alone
