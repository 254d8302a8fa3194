"""Ruled-out patients' consent to hear about other studies, on a real database (SQLite and PostgreSQL):
stored encrypted, listed, exported, erased alone or with the lead, purged after the retention period."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.leads.crypto import FieldCipher, new_key
from bot.leads.erasure import erase_lead, erase_other_studies_contact
from bot.leads.models import AuditEntry, OtherStudiesContact
from bot.leads.other_studies_export import CSV_FIELDS, other_studies_as, other_studies_as_csv
from bot.leads.retention import PurgeResult, purge, rotate_keys
from bot.leads.spool import Spool
from bot.leads.store import LeadNotFound, LeadStore, OtherStudiesDetails, StoreError
from bot.trial.criteria import load_criteria
from bot.trial.eligibility import evaluate
from tests.conftest import TEST_KEY
from tests.leads.test_privacy import _senders, _tracker_with_events

CRITERIA = load_criteria()
RULED_OUT = {"age": 90}  # outside the study's age range
VERSION = "other-studies-consent-0123456789ab"


def ruled_out(store: LeadStore, conversation_id: str, details: OtherStudiesDetails | None = None) -> str:
    store.start_screening(conversation_id, "consent-test", CRITERIA.version)
    code = store.complete_screening(conversation_id, evaluate(CRITERIA, RULED_OUT),
                                    {"age": {"text": "I'm 90", "value": "90", "how": "read age 90"}})
    if details is not None:
        store.save_other_studies_contact(conversation_id, details, VERSION, "zh")
    return code


def consented_days_ago(store: LeadStore, conversation_id: str, days: int) -> None:
    screening_id = store.get_lead(conversation_id).id
    with store.database.transaction() as session:
        session.execute(update(OtherStudiesContact).where(OtherStudiesContact.screening_id == screening_id)
                        .values(consented_at=datetime.now(timezone.utc) - timedelta(days=days)))


def test_stored_encrypted_and_listed_with_its_consent_version(store: LeadStore, database_url: str) -> None:
    code = ruled_out(store, "conv-1", OtherStudiesDetails("王建国", phone="+8613812345678"))
    ruled_out(store, "conv-2", OtherStudiesDetails("Mary Smith", email="mary@example.com"))
    ruled_out(store, "conv-3")  # said no: nothing
    entries = store.other_studies_contacts()
    assert [(e.name, e.phone, e.email) for e in entries] == [
        ("Mary Smith", None, "mary@example.com"), ("王建国", "+8613812345678", None)]  # newest first
    assert entries[1].reference_code == code and entries[1].language == "zh" and entries[1].consent_version == VERSION
    assert store.has_other_studies_contact(code) and store.has_other_studies_contact("conv-2")
    assert not store.has_other_studies_contact("conv-3")
    with store.database.session() as session:
        row = session.get(OtherStudiesContact, entries[1].screening_id)
        assert row.phone_index == FieldCipher(TEST_KEY).blind_index("+8613812345678")
    if database_url.startswith("sqlite"):
        rows = sqlite3.connect(database_url[10:]).execute("select * from other_studies_contacts")
        raw = " ".join(str(row) for row in rows)
        assert "13812345678" not in raw and "mary@example.com" not in raw and "王建国" not in raw


def test_saving_again_replaces_the_entry(store: LeadStore) -> None:
    ruled_out(store, "conv-1", OtherStudiesDetails("Li Wei", phone="+8613812345678"))
    store.save_other_studies_contact("conv-1", OtherStudiesDetails("Li Wei", email="li@example.com"), VERSION)
    [entry] = store.other_studies_contacts()
    assert (entry.phone, entry.email, entry.language) == (None, "li@example.com", "en")


@pytest.mark.parametrize("details", [OtherStudiesDetails(""), OtherStudiesDetails("Li Wei")])
def test_a_name_and_a_phone_or_email_are_needed(store: LeadStore, details: OtherStudiesDetails) -> None:
    ruled_out(store, "conv-1")
    with pytest.raises(ValueError):
        store.save_other_studies_contact("conv-1", details, VERSION)
    assert store.other_studies_contacts() == []


def test_without_a_data_key_nothing_is_stored(store: LeadStore) -> None:
    ruled_out(store, "conv-1")
    keyless = LeadStore(store.database, None)
    with pytest.raises(StoreError, match="PRESCREEN_DATA_KEY"):
        keyless.save_other_studies_contact("conv-1", OtherStudiesDetails("Li Wei", phone="+8613812345678"), VERSION)


def test_withdrawing_the_lead_by_reference_code_erases_the_entry(store: LeadStore, tmp_path) -> None:
    code = ruled_out(store, "conv-1", OtherStudiesDetails("Li Wei", phone="+8613812345678"))
    erase_lead(store, _tracker_with_events(tmp_path, ["conv-1"]), code, actor="patient")
    assert store.other_studies_contacts() == [] and not store.has_other_studies_contact(code)
    with store.database.session() as session:
        assert session.execute(select(OtherStudiesContact)).first() is None  # the cascade, not the ORM


def test_erasing_the_entry_alone_keeps_the_anonymous_answers(store: LeadStore, tmp_path) -> None:
    code = ruled_out(store, "conv-1", OtherStudiesDetails("Li Wei", phone="+8613812345678"))
    tracker_url = _tracker_with_events(tmp_path, ["conv-1", "other"])
    screening_id = store.get_lead(code).id
    erase_other_studies_contact(store, tracker_url, screening_id, "coordinator", detail=f"{code}; reason: duplicate")
    assert store.other_studies_contacts() == []
    assert _senders(tracker_url) == ["other"]  # the transcript held the name and number typed
    assert store.get_lead(code).provisional_status == "likely_ineligible"
    [entry] = [e for e in store.audit_entries() if e["action"] == "erase_other_studies"]
    assert entry["detail"] == f"{code}; reason: duplicate" and entry["screening_id"] == screening_id
    with pytest.raises(LeadNotFound):
        erase_other_studies_contact(store, tracker_url, screening_id, "coordinator", detail=code)


def test_purged_after_the_retention_period_from_the_consent(store: LeadStore, tmp_path) -> None:
    ruled_out(store, "old", OtherStudiesDetails("Li Wei", phone="+8613812345678"))
    ruled_out(store, "recent", OtherStudiesDetails("Mary Smith", email="mary@example.com"))
    consented_days_ago(store, "old", 181)
    consented_days_ago(store, "recent", 179)
    old_id = store.get_lead("old").id
    tracker_url = _tracker_with_events(tmp_path, [])
    assert purge(store, 180, "cli:test", tracker_url, dry_run=True).other_studies == [old_id]
    assert len(store.other_studies_contacts()) == 2
    assert purge(store, 180, "cli:test", tracker_url) == PurgeResult([], [], [old_id])
    assert [e.name for e in store.other_studies_contacts()] == ["Mary Smith"]
    with store.database.session() as session:
        [entry] = session.execute(select(AuditEntry).where(AuditEntry.action == "purge_other_studies")).scalars()
        assert entry.screening_id == old_id and entry.detail == "retention 180 days"


def test_key_rotation_keeps_entries_readable_and_searchable(store: LeadStore) -> None:
    ruled_out(store, "conv-1", OtherStudiesDetails("Li Wei", phone="+8613812345678"))
    key = new_key()
    rotate_keys(store, FieldCipher(key, old_keys=(TEST_KEY,)))  # as PRESCREEN_OLD_DATA_KEYS reads the old one
    fresh = LeadStore(store.database, FieldCipher(key))  # the old key gone
    [entry] = fresh.other_studies_contacts()
    assert entry.phone == "+8613812345678"
    with fresh.database.session() as session:
        row = session.get(OtherStudiesContact, entry.screening_id)
        assert row.phone_index == FieldCipher(key).blind_index("+8613812345678")


def test_export_defuses_formulas_and_keeps_chinese(store: LeadStore) -> None:
    ruled_out(store, "conv-1", OtherStudiesDetails("=HYPERLINK(\"x\")", email="li@example.com"))
    ruled_out(store, "conv-2", OtherStudiesDetails("王建国", phone="+8613812345678"))
    entries = store.other_studies_contacts()
    rows = list(csv.reader(io.StringIO(other_studies_as_csv(entries))))
    assert tuple(rows[0]) == CSV_FIELDS
    assert rows[1][2] == "王建国" and rows[1][3] == "+8613812345678"  # a + followed by digits is a number
    assert rows[2][2] == "'=HYPERLINK(\"x\")"
    exported = json.loads(other_studies_as("json", entries))
    assert exported[0]["name"] == "王建国" and exported[0]["consent_version"] == VERSION
    with pytest.raises(ValueError):
        other_studies_as("xml", entries)


def test_a_spooled_entry_is_written_when_the_database_is_back(store: LeadStore, tmp_path) -> None:
    from bot.leads.spool import apply

    ruled_out(store, "conv-1")
    assert store.cipher is not None
    spool = Spool(tmp_path / "spool", store.cipher)
    spool.put("other_studies", {"conversation_id": "conv-1", "details": {"name": "Li Wei", "phone": None,
                                "email": "li@example.com"}, "consent_version": VERSION, "language": "en"})
    assert spool.replay(store) == 1
    [entry] = store.other_studies_contacts()
    assert entry.email == "li@example.com"
    with pytest.raises(ValueError):
        apply(store, {"kind": "unknown", "conversation_id": "conv-1"})


def test_the_cli_exports_the_list_and_reports_the_purge(store: LeadStore, database_url: str, tmp_path,
                                                        monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from bot.cli import main as cli
    from bot.settings import get_settings

    ruled_out(store, "conv-1", OtherStudiesDetails("王建国", phone="+8613812345678"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKER_STORE_URL", _tracker_with_events(tmp_path, []))
    get_settings.cache_clear()
    try:
        output = tmp_path / "other-studies.csv"
        assert cli.main(["leads", "export", "--other-studies", "--format", "csv", "--output", str(output)]) == 0
        [row] = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8"))))
        assert row["name"] == "王建国" and row["phone"] == "+8613812345678"
        assert cli.main(["purge", "--dry-run"]) == 0
    finally:
        get_settings.cache_clear()
    assert "Would purge 0 other-studies contacts given more than 180 days ago." in capsys.readouterr().out
    [entry] = [e for e in store.audit_entries() if e["action"] == "export_other_studies"]
    assert entry["detail"] == "csv, 1 entries"
