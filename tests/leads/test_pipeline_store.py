"""The pipeline in the lead store, on SQLite and PostgreSQL: attempts, automatic statuses, call-backs,
status changes with their visit date or failure reason, the needs-action order, exports, retention, erasure."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text, update

from bot.leads.crypto import FieldCipher
from bot.leads.database import Database, make_engine
from bot.leads.export import leads_as_csv, leads_as_json
from bot.leads.migrate import alembic_config, upgrade
from bot.leads.models import AuditEntry, Base, ContactAttempt, Screening
from bot.leads.pipeline import PipelineError
from bot.leads.retention import PURGED_TEXT, purge
from bot.leads.store import ContactDetails, LeadNotFound, LeadQuery, LeadStore
from tests.conftest import TEST_KEY
from tests.web.coordinator.seed import seed_lead

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
PHONE = ContactDetails("Li Wei", "+8613812345678")


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def attempt(store: LeadStore, lead: int, outcome: str, at: datetime | None = None, note: str = "", **kw: object):  # type: ignore[no-untyped-def]
    return store.log_contact_attempt(lead, at or NOW, kw.pop("channel", "phone"), outcome, note,  # type: ignore[arg-type]
                                     "alice", now=NOW, unreachable_after=kw.pop("unreachable_after", 3))  # type: ignore[arg-type]


def test_an_attempt_is_stored_and_shown_on_the_lead(store: LeadStore) -> None:
    lead = seed_lead(store, "conv-li", PHONE, completed_at=ago(hours=30))
    logged = attempt(store, lead, "no_answer", ago(hours=2), note="  rang twice \n no voicemail ", channel="wechat")
    assert (logged.status_before, logged.status_after, logged.callback_cleared) == ("new", None, False)
    record = store.get_lead(lead)
    assert [(a["at"], a["channel"], a["outcome"], a["note"], a["actor"]) for a in record.contact_attempts] == [
        (ago(hours=2), "wechat", "no_answer", "rang twice no voicemail", "alice")]
    assert record.first_attempt_at == record.last_attempt_at == ago(hours=2)
    assert record.review_status == "new" and record.status_changes == []
    state = record.state()
    assert (state.first_attempt_at, state.has_contact, state.completed_at) == (ago(hours=2), True, ago(hours=30))
    entry = store.audit_entries(lead)[0]
    assert (entry["action"], entry["detail"]) == (
        "contact_attempt", f"wechat, no_answer, at {ago(hours=2).isoformat()}")
    assert "voicemail" not in json.dumps([e["detail"] for e in store.audit_entries(lead)])


def test_attempts_move_the_status_on_their_own(store: LeadStore) -> None:
    lead = seed_lead(store, "conv-li", PHONE)
    for n in range(2):
        assert attempt(store, lead, "no_answer", ago(hours=3 - n)).status_after is None
    third = attempt(store, lead, "left_message", ago(hours=1))
    assert (third.status_before, third.status_after) == ("new", "unreachable")
    change = store.get_lead(lead).status_changes[-1]
    assert change["status"] == "unreachable" and change["automatic"] is True
    assert change["note"] == "after 3 attempts without reaching the patient" and change["actor"] == "alice"
    assert attempt(store, lead, "reached").status_after == "contacted"  # reached later: reopened
    assert attempt(store, lead, "declined").status_after == "not_interested"
    record = store.get_lead(lead)
    assert [c["status"] for c in record.status_changes] == ["unreachable", "contacted", "not_interested"]
    assert record.review_status == "not_interested"
    actions = [e["action"] for e in store.audit_entries(lead)]
    assert actions.count("auto_status") == 3 and actions.count("contact_attempt") == 5


def test_unreachable_after_follows_the_setting(store: LeadStore) -> None:
    lead = seed_lead(store, "conv-li", PHONE)
    assert attempt(store, lead, "no_answer", unreachable_after=1).status_after == "unreachable"


@pytest.mark.parametrize(
    ("channel", "outcome", "at", "note"),
    [("fax", "reached", NOW, ""), ("phone", "maybe", NOW, ""), ("phone", "reached", NOW + timedelta(hours=1), ""),
     ("phone", "reached", NOW, "x" * 501), ("phone", "reached", datetime(2026, 12, 2, 12), "")],
)
def test_bad_attempts_are_refused_and_nothing_is_stored(store: LeadStore, channel: str, outcome: str,
                                                        at: datetime, note: str) -> None:
    lead = seed_lead(store, "conv-li", PHONE)
    with pytest.raises(PipelineError):
        store.log_contact_attempt(lead, at, channel, outcome, note, "alice", now=NOW)
    assert store.get_lead(lead).contact_attempts == []
    with pytest.raises(LeadNotFound):
        store.log_contact_attempt(9999, NOW, "phone", "reached", "", "alice", now=NOW)


def test_a_callback_is_cleared_by_an_attempt_at_or_after_it(store: LeadStore) -> None:
    lead = seed_lead(store, "conv-li", PHONE)
    store.set_callback(lead, ago(hours=2), "alice")
    assert store.get_lead(lead).callback_at == ago(hours=2)
    assert attempt(store, lead, "no_answer", ago(hours=3)).callback_cleared is False  # before it was due
    assert store.get_lead(lead).callback_at == ago(hours=2)
    assert attempt(store, lead, "no_answer", ago(hours=2)).callback_cleared is True
    assert store.get_lead(lead).callback_at is None
    store.set_callback(lead, NOW + timedelta(days=1), "bob")
    store.set_callback(lead, None, "bob")
    assert store.get_lead(lead).callback_at is None
    assert [e["detail"] for e in store.audit_entries(lead) if e["action"] == "set_callback"] == [
        "cleared", (NOW + timedelta(days=1)).isoformat(), ago(hours=2).isoformat()]


def test_status_changes_carry_the_visit_and_the_failure_reason(store: LeadStore) -> None:
    lead = seed_lead(store, "conv-li", PHONE)
    with pytest.raises(PipelineError, match="date"):
        store.set_review_status(lead, "visit_booked", "", "alice")
    with pytest.raises(PipelineError, match="why"):
        store.set_review_status(lead, "rejected", "COPD", "alice")
    with pytest.raises(PipelineError, match="unknown criteria"):
        store.set_review_status(lead, "rejected", "", "alice", screen_failure_reason="exclusion_met",
                                failed_criteria=["nope"])
    visit = datetime(2026, 12, 10, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    store.set_review_status(lead, "visit_booked", "", "alice", visit_at=visit)
    record = store.get_lead(lead)
    assert record.review_status == "visit_booked" and record.visit_at == visit
    store.set_review_status(lead, "rejected", "COPD on CT", "bob", screen_failure_reason="exclusion_met",
                            failed_criteria=["lung_disease", "age"])
    record = store.get_lead(lead)
    assert (record.screen_failure_reason, record.failed_criteria) == ("exclusion_met", ["lung_disease", "age"])
    assert record.visit_at == visit  # the last booked visit stays
    store.set_review_status(lead, "consented", "reconsidered", "bob")
    record = store.get_lead(lead)
    assert (record.screen_failure_reason, record.failed_criteria) == (None, [])
    assert [(c["status"], c["visit_at"], c["screen_failure_reason"], c["failed_criteria"], c["automatic"])
            for c in record.status_changes] == [
        ("visit_booked", visit.astimezone(timezone.utc).isoformat(), None, [], False),
        ("rejected", None, "exclusion_met", ["lung_disease", "age"], False),
        ("consented", None, None, [], False)]
    details = [e["detail"] for e in store.audit_entries(lead) if e["action"] == "set_status"]
    assert details == ["consented", "rejected, reason exclusion_met (lung_disease,age)",
                       f"visit_booked, visit {visit.astimezone(timezone.utc).isoformat()}"]


def test_needs_action_sort_and_filters(store: LeadStore) -> None:
    overdue = seed_lead(store, "conv-overdue", PHONE, completed_at=ago(hours=24, minutes=1))
    fresh = seed_lead(store, "conv-fresh", PHONE, completed_at=ago(hours=23, minutes=59))
    nameless = seed_lead(store, "conv-anon", completed_at=ago(days=3))
    called = seed_lead(store, "conv-called", PHONE, completed_at=ago(days=4))
    attempt(store, called, "reached", ago(days=3))
    due = seed_lead(store, "conv-due", PHONE, completed_at=ago(days=5))
    attempt(store, due, "reached", ago(days=4))
    store.set_callback(due, ago(hours=1), "alice")
    enrolled = seed_lead(store, "conv-enrolled", PHONE, completed_at=ago(days=6))
    store.set_review_status(enrolled, "enrolled", "signed", "alice")
    query = LeadQuery(sort="needs_action", descending=False, now=NOW, deadline_hours=24)
    order = [overdue, due, fresh, called, nameless, enrolled]
    assert [lead.id for lead in store.find_leads(query)] == order
    assert [lead.id for lead in store.find_leads(LeadQuery(sort="needs_action", descending=True, now=NOW))] == \
        order[::-1]
    assert [lead.id for lead in store.find_leads(LeadQuery(attention="overdue", now=NOW))] == [overdue]
    assert [lead.id for lead in store.find_leads(LeadQuery(attention="action", now=NOW))] == [overdue, due]
    later = LeadQuery(attention="overdue", now=NOW + timedelta(minutes=2), sort="completed", descending=False)
    assert [lead.id for lead in store.find_leads(later)] == [overdue, fresh]
    page = store.search_leads(LeadQuery(sort="needs_action", descending=False, now=NOW, search="li wei"), per_page=2)
    assert [lead.id for lead in page.leads] == [overdue, due] and page.total == 5


def test_exports_carry_the_pipeline_but_never_notes(store: LeadStore) -> None:
    lead = seed_lead(store, "conv-li", PHONE)
    attempt(store, lead, "no_answer", ago(hours=5), note="NOTE-SECRET mother answered")
    attempt(store, lead, "reached", ago(hours=1), note="NOTE-SECRET")
    store.set_callback(lead, NOW + timedelta(days=1), "alice")
    store.set_review_status(lead, "rejected", "NOTE-SECRET on CT", "alice", screen_failure_reason="exclusion_met",
                            failed_criteria=["lung_disease"])
    records = store.find_leads(LeadQuery())
    text = leads_as_csv(records)
    assert "NOTE-SECRET" not in text and "NOTE-SECRET" not in leads_as_json(records)
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["review_status"] == "rejected" and row["first_attempt_at"] == ago(hours=5).isoformat()
    assert row["contact_attempts"] == "2" and row["callback_at"] == (NOW + timedelta(days=1)).isoformat()
    assert (row["visit_at"], row["screen_failure_reason"], row["failed_criteria"]) == (
        "", "exclusion_met", "lung_disease")
    exported = json.loads(leads_as_json(records))[0]
    assert exported["contact_attempts"] == [
        {"at": ago(hours=5).isoformat(), "channel": "phone", "outcome": "no_answer"},
        {"at": ago(hours=1).isoformat(), "channel": "phone", "outcome": "reached"}]


def test_retention_keeps_leads_eligible_on_records_and_purges_attempt_notes(store: LeadStore,
                                                                            tmp_path: Path) -> None:
    leads = {status: seed_lead(store, f"conv-{status}", PHONE)
             for status in ("new", "confirmed", "visit_booked", "consented", "enrolled", "not_interested")}
    for status, lead in leads.items():
        attempt(store, lead, "reached", ago(days=1), note=f"spoke to {status}")
        if status not in ("new", "not_interested"):
            store.set_review_status(lead, status, "", "alice", visit_at=NOW if status == "visit_booked" else None)
    attempt(store, leads["not_interested"], "declined", ago(hours=1))
    with store.database.transaction() as session:
        session.execute(update(Screening).values(started_at=datetime.now(timezone.utc) - timedelta(days=400)))
    result = purge(store, 180, "cli:test", f"sqlite:///{tmp_path / 'tracker.db'}")
    assert sorted(result.purged) == ["conv-new", "conv-not_interested"]
    for status, lead in leads.items():
        record = store.get_lead(lead)
        kept = status not in ("new", "not_interested")
        assert (record.contact is not None) is kept, status
        # the attempt rows stay (when, channel, outcome: anonymous), their notes go with the contact
        assert [a["outcome"] for a in record.contact_attempts][:1] == ["reached"]
        assert record.contact_attempts[0]["note"] == (f"spoke to {status}" if kept else PURGED_TEXT), status
    assert purge(store, 180, "cli:test", f"sqlite:///{tmp_path / 'tracker.db'}").purged == []  # nothing left


def test_erasure_takes_the_attempts_with_the_lead(store: LeadStore) -> None:
    lead = seed_lead(store, "conv-li", PHONE)
    attempt(store, lead, "no_answer", note="left a voicemail")
    other = seed_lead(store, "conv-wang", PHONE)
    attempt(store, other, "reached")
    assert store.erase_conversation("conv-li", actor="alice", detail="patient asked")
    with store.database.session() as session:
        assert session.execute(select(ContactAttempt.screening_id)).scalars().all() == [other]
        assert session.execute(select(func.count(AuditEntry.id)).where(
            AuditEntry.screening_id == lead, AuditEntry.action == "contact_attempt")).scalar_one() == 1


def test_migration_0006_keeps_existing_leads_and_their_statuses(database_url: str) -> None:
    """An existing database at 0005 with leads in each old status and a status change, then 0006 and back."""
    command.downgrade(alembic_config(database_url), "0005_languages")
    engine = make_engine(database_url)
    old = ("new", "contacted", "confirmed", "rejected", "unreachable", "withdrawn")
    try:
        with engine.begin() as connection:
            for n, status in enumerate(old, start=1):
                connection.execute(text(
                    "INSERT INTO screenings (id, conversation_id, started_at, consented_at, consent_version, "
                    "criteria_version, completed_at, review_status, language, text_versions, updated_at) VALUES "
                    f"({n}, 'old-{status}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'consent-old', 'v1', "
                    f"CURRENT_TIMESTAMP, '{status}', 'en', '{{}}', CURRENT_TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO status_changes (screening_id, status, note, actor, changed_at) "
                "VALUES (4, 'rejected', 'COPD on records', 'alice', CURRENT_TIMESTAMP)"))
        upgrade(database_url)
        with engine.connect() as connection:
            assert connection.execute(text(
                "SELECT review_status, callback_at, visit_at, screen_failure_reason, failed_criteria "
                "FROM screenings ORDER BY id")).all() == [(s, None, None, None, "") for s in old]
            assert connection.execute(text(
                "SELECT status, note, visit_at, screen_failure_reason, failed_criteria, automatic "
                "FROM status_changes")).all() == [("rejected", "COPD on records", None, None, "", False)]
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        store = LeadStore(Database(database_url), FieldCipher(TEST_KEY))
        try:  # the old leads work with the new code
            assert store.get_lead(1).contact_attempts == []
            assert store.get_lead(4).status_changes[0]["automatic"] is False
            store.log_contact_attempt(2, NOW, "phone", "reached", "", "alice", now=NOW)
            assert len(store.find_leads(LeadQuery(sort="needs_action", now=NOW))) == len(old)
        finally:
            store.database.engine.dispose()
        command.downgrade(alembic_config(database_url), "0005_languages")
        with engine.connect() as connection:  # going back keeps the leads
            assert connection.execute(text("SELECT count(*) FROM screenings")).scalar_one() == len(old)
        upgrade(database_url)
    finally:
        engine.dispose()


def test_cli_set_status_takes_the_visit_and_the_reason(store: LeadStore, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main as cli

    lead = seed_lead(store, "conv-li", PHONE)
    monkeypatch.setattr(cli, "open_store", lambda settings=None: store)
    assert cli.main(["leads", "set-status", "conv-li", "rejected", "--note", "CT"]) == 2
    assert "choose why screening failed" in capsys.readouterr().err
    assert cli.main(["leads", "set-status", "conv-li", "visit_booked", "--note", "booked",
                     "--visit", "2026-12-10T09:30+08:00"]) == 0
    assert store.get_lead(lead).visit_at == datetime(2026, 12, 10, 1, 30, tzinfo=timezone.utc)
    assert cli.main(["leads", "set-status", "conv-li", "rejected", "--note", "CT", "--reason", "exclusion_met",
                     "--failed-criteria", "lung_disease"]) == 0
    record = store.get_lead(lead)
    assert (record.review_status, record.failed_criteria) == ("rejected", ["lung_disease"])
