"""Erasure, retention and key rotation on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.leads.crypto import FieldCipher, MissingKeyError, new_key
from bot.leads.erasure import erase_lead, erase_tracker_events
from bot.leads.models import AuditEntry, Screening
from bot.leads.reference_codes import reference_code_in
from bot.leads.retention import PURGED_TEXT, purge, rotate_keys
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
        connection.execute(sqlalchemy.text("insert into events (sender_id, data) values ('conv-e', '{}'), ('other', '{}')"))
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


def test_purge_removes_contact_and_words_of_old_unconfirmed_leads(store: LeadStore) -> None:
    lead(store, "old-unconfirmed", days_ago=200)
    lead(store, "old-confirmed", days_ago=200)
    lead(store, "recent", days_ago=10)
    confirmed = store.get_lead("old-confirmed")
    store.set_review_status(confirmed.id, "confirmed", "enrolled", "cli:test")
    assert purge(store, 180, "cli:test", dry_run=True) == ["old-unconfirmed"]
    assert purge(store, 180, "cli:test") == ["old-unconfirmed"]
    purged = store.get_lead("old-unconfirmed")
    assert purged.contact is None and purged.answers[0]["patient_text"] == PURGED_TEXT
    assert purged.criteria and purged.provisional_status  # the anonymous result stays for the funnel
    assert store.get_lead("old-confirmed").contact is not None
    assert store.get_lead("recent").contact is not None
    assert purge(store, 180, "cli:test") == []  # nothing left to purge


def test_purge_removes_corrected_answers_and_questions_too(store: LeadStore) -> None:
    log = {"age": {"text": "I am 60", "value": "60", "how": "read age 60", "confirmed_at": "2026-01-01T00:00:00+00:00",
                   "history": [{"text": "I am 06", "value": "6", "how": "read age 6", "event": "corrected",
                                "at": "2026-01-01T00:00:00+00:00"}]}}
    store.start_screening("old-slip", "consent-test", CRITERIA.version)
    store.complete_screening("old-slip", evaluate(CRITERIA, {"age": 60}), log, None,
                             [{"topic": "cost", "text": "is it free for Li Wei?", "at": "2026-01-01T00:00:00+00:00"}])
    with store.database.transaction() as session:
        session.execute(update(Screening).where(Screening.conversation_id == "old-slip")
                        .values(started_at=datetime.now(timezone.utc) - timedelta(days=200)))
    assert purge(store, 180, "cli:test") == ["old-slip"]
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
