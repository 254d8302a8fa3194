"""The lead list at scale (issue 23), on SQLite and PostgreSQL: the stored facts the SQL rules read stay
current through every write, migration 0009 computes them for existing leads, and the name sort that
decrypts only a page's groups gives exactly the order of sorting every name."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text, update

from bot.leads import lead_facts, search
from bot.leads.database import make_engine
from bot.leads.export import csv_lines, leads_as_csv
from bot.leads.migrate import alembic_config, upgrade
from bot.leads.models import Base, Contact, Screening
from bot.leads.name_order import EMPTY, name_group
from bot.leads.retention import purge
from bot.leads.store import ContactDetails, LeadQuery, LeadStore
from bot.trial.criteria import load_criteria
from bot.trial.eligibility import evaluate
from tests.web.coordinator.seed import ELIGIBLE, seed_lead, words_for

CRITERIA = load_criteria()
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=timezone.utc)


def facts(store: LeadStore, lead: int) -> tuple[bool, datetime | None, datetime | None]:
    record = store.get_lead(lead)
    with store.database.session() as session:
        row = session.execute(select(Screening.has_contact, Screening.first_attempt_at, Screening.last_attempt_at)
                              .where(Screening.id == lead)).one()
        assert lead_facts.stale(session) == []
    first, last = (row[1] and row[1].replace(tzinfo=timezone.utc)), (row[2] and row[2].replace(tzinfo=timezone.utc))
    assert (bool(row[0]), first, last) == (record.has_contact, record.first_attempt_at, record.last_attempt_at)
    return bool(row[0]), first, last


def test_the_stored_facts_follow_every_write(store: LeadStore, tmp_path: Path) -> None:
    lead = seed_lead(store, "conv-li", completed_at=NOW - timedelta(days=400))
    with store.database.transaction() as session:  # old enough for the retention purge
        session.execute(update(Screening).values(started_at=datetime.now(timezone.utc) - timedelta(days=400)))
    assert facts(store, lead) == (False, None, None)
    store.save_contact("conv-li", ContactDetails("Li Wei"))  # a name alone: nobody can call
    assert facts(store, lead) == (False, None, None)
    store.save_contact("conv-li", ContactDetails("Li Wei", wechat="li_wei_88"))
    assert facts(store, lead) == (True, None, None)
    store.log_contact_attempt(lead, NOW - timedelta(days=3), "phone", "no_answer", "", "alice", now=NOW)
    store.log_contact_attempt(lead, NOW - timedelta(days=5), "phone", "no_answer", "", "alice", now=NOW)
    assert facts(store, lead) == (True, NOW - timedelta(days=5), NOW - timedelta(days=3))
    assert purge(store, 365, "retention", f"sqlite:///{tmp_path / 'tracker.db'}").purged == ["conv-li"]
    assert facts(store, lead)[0] is False
    store.erase_conversation("conv-li")
    with store.database.session() as session:
        assert lead_facts.stale(session) == []


def test_stale_finds_facts_that_disagree_and_refresh_mends_them(store: LeadStore) -> None:
    lead = seed_lead(store, "conv-li", ContactDetails("Li Wei", "+8613812345678"))
    with store.database.transaction() as session:
        session.execute(update(Screening).values(has_contact=False, first_attempt_at=NOW))
    with store.database.transaction() as session:
        assert lead_facts.stale(session) == [lead]
        lead_facts.refresh_all(session)
    with store.database.session() as session:
        assert lead_facts.stale(session) == []


def test_migration_0009_computes_the_facts_of_existing_leads(database_url: str) -> None:
    """A database at 0006 with a lead with contact details and attempts, one without; then 0009 and back."""
    command.downgrade(alembic_config(database_url), "0006_pipeline")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for n in (1, 2):
                connection.execute(text(
                    "INSERT INTO screenings (id, conversation_id, started_at, consented_at, consent_version, "
                    "criteria_version, completed_at, review_status, language, text_versions, updated_at) VALUES "
                    f"({n}, 'old-{n}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'c', 'v1', CURRENT_TIMESTAMP, 'new', "
                    "'en', '{}', CURRENT_TIMESTAMP)"))
            connection.execute(text("INSERT INTO contacts (screening_id, name_encrypted, phone_encrypted, created_at) "
                                    "VALUES (1, 'x', 'y', CURRENT_TIMESTAMP)"))
            for day in ("2026-12-01 09:00:00", "2026-12-03 10:00:00"):
                connection.execute(text(
                    "INSERT INTO contact_attempts (screening_id, at, channel, outcome, note, actor, recorded_at) "
                    f"VALUES (1, '{day}', 'phone', 'no_answer', '', 'alice', '{day}')"))
        upgrade(database_url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, has_contact, first_attempt_at, last_attempt_at "
                                           "FROM screenings ORDER BY id")).all()
            assert [(r[0], bool(r[1]), r[2] is not None, r[3] is not None) for r in rows] == [
                (1, True, True, True), (2, False, False, False)]
            assert str(rows[0][2])[:16] == "2026-12-01 09:00" and str(rows[0][3])[:16] == "2026-12-03 10:00"
            assert connection.execute(text("SELECT name_group FROM contacts")).scalar_one() is None
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        command.downgrade(alembic_config(database_url), "0006_pipeline")
        with engine.connect() as connection:  # going back keeps the leads and their children
            assert connection.execute(text("SELECT count(*) FROM screenings")).scalar_one() == 2
            assert connection.execute(text("SELECT count(*) FROM contact_attempts")).scalar_one() == 2
        upgrade(database_url)
    finally:
        engine.dispose()


def furthest(store: LeadStore, lead: int) -> int:
    with store.database.session() as session:
        assert lead_facts.stale(session) == []
        return int(session.execute(select(Screening.furthest_step).where(Screening.id == lead)).scalar_one())


def test_the_furthest_step_follows_status_changes_and_attempts(store: LeadStore) -> None:
    """The funnel's stored step (0010): the furthest of the status now, the history and a reached attempt."""
    lead = seed_lead(store, "conv-li", ContactDetails("Li Wei", "+8613812345678"), completed_at=NOW - timedelta(days=3))
    assert furthest(store, lead) == -1
    store.log_contact_attempt(lead, NOW - timedelta(days=2), "phone", "no_answer", "", "alice", now=NOW)
    assert furthest(store, lead) == -1
    store.log_contact_attempt(lead, NOW - timedelta(days=1), "phone", "reached", "", "alice", now=NOW)
    assert furthest(store, lead) == 1  # contacted (the attempt set the status too)
    store.set_review_status(lead, "visit_booked", "", "alice", visit_at=NOW + timedelta(days=3))
    assert furthest(store, lead) == 3
    store.set_review_status(lead, "rejected", "", "alice", screen_failure_reason="exclusion_met")
    assert furthest(store, lead) == 3  # a lead found not eligible after booking still reached "visit booked"
    other = seed_lead(store, "conv-wang", ContactDetails("Wang Fang", "+8613812345679"))
    store.log_contact_attempt(other, NOW - timedelta(hours=1), "phone", "declined", "", "alice", now=NOW)
    assert furthest(store, other) == 1  # declined: on the line, so contacted, now not interested
    with store.database.transaction() as session:
        session.execute(update(Screening).values(furthest_step=-1))
    with store.database.transaction() as session:
        assert lead_facts.stale(session) == [lead, other]
        lead_facts.refresh_all(session)
    assert furthest(store, lead) == 3


def test_migration_0010_computes_the_furthest_step_as_the_store_does(store: LeadStore, database_url: str) -> None:
    """Leads at every kind of history, then the database taken back to 0009 and up again: the same steps."""
    leads = []
    for n, (statuses, outcome) in enumerate([((), None), ((), "no_answer"), ((), "reached"), (("confirmed",), None),
                                             (("contacted", "confirmed", "visit_booked", "rejected"), None),
                                             (("withdrawn",), "declined"), (("enrolled",), "reached")]):
        lead = seed_lead(store, f"conv-{n}", ContactDetails("Li Wei", f"+86138123456{n:02d}"),
                         completed_at=NOW - timedelta(days=3))
        if outcome:
            store.log_contact_attempt(lead, NOW - timedelta(days=2), "phone", outcome, "", "alice", now=NOW)
        for status in statuses:
            store.set_review_status(lead, status, "", "alice", visit_at=NOW if status == "visit_booked" else None,
                                    screen_failure_reason="other" if status == "rejected" else None)
        leads.append(lead)
    expected = [furthest(store, lead) for lead in leads]
    assert expected == [-1, -1, 1, 2, 3, 1, 5]
    store.database.engine.dispose()
    command.downgrade(alembic_config(database_url), "0009_scale")
    upgrade(database_url)
    assert [furthest(store, lead) for lead in leads] == expected
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


def metrics_facts(store: LeadStore, lead: int) -> tuple[float | None, str | None, int]:
    """The lead's stored wait for a first contact (hours), decision and number of verdicts (0012)."""
    with store.database.session() as session:
        assert lead_facts.stale(session) == []
        wait, decision, verdicts = session.execute(select(Screening.first_wait_s, Screening.decision,
                                                          Screening.verdicts).where(Screening.id == lead)).one()
    return (None if wait is None else round(wait / 3600, 4)), decision, verdicts


def test_the_metrics_facts_follow_every_write(store: LeadStore) -> None:
    """The wait to the first attempt, the decision (the status now if a decision, else the newest decision in
    the history) and the number of verdicts, through attempts, status changes and a re-scored prescreen."""
    criteria = len(evaluate(CRITERIA, ELIGIBLE).results)
    lead = seed_lead(store, "conv-li", ContactDetails("Li Wei", "+8613812345678"), completed_at=NOW - timedelta(days=3))
    assert metrics_facts(store, lead) == (None, None, criteria)
    store.log_contact_attempt(lead, NOW - timedelta(days=2, hours=12), "phone", "no_answer", "", "alice", now=NOW)
    assert metrics_facts(store, lead) == (12.0, None, criteria)
    store.log_contact_attempt(lead, NOW - timedelta(days=2, hours=20), "phone", "reached", "", "alice", now=NOW)
    assert metrics_facts(store, lead) == (4.0, None, criteria)  # the earliest attempt, whenever it was logged
    store.set_review_status(lead, "confirmed", "", "alice")
    assert metrics_facts(store, lead)[1] == "confirmed"
    store.set_review_status(lead, "not_interested", "", "alice")
    assert metrics_facts(store, lead)[1] == "confirmed"  # judged eligible, then declined: still a decision
    store.set_review_status(lead, "rejected", "", "alice", screen_failure_reason="exclusion_met")
    store.set_review_status(lead, "withdrawn", "", "alice")
    assert metrics_facts(store, lead)[1] == "rejected"  # the newest decision in the history
    ruled_out = {**ELIGIBLE, "age": 85}  # re-scored after a correction: ruled out on the first criterion
    store.complete_screening("conv-li", evaluate(CRITERIA, ruled_out), words_for(ruled_out))
    assert metrics_facts(store, lead) == (4.0, "rejected", len(evaluate(CRITERIA, ruled_out).results))


def test_migration_0012_computes_the_metrics_facts_as_the_store_does(store: LeadStore, database_url: str) -> None:
    """Leads with every kind of wait and history, taken back to 0011 and up again: the same facts."""
    leads = []
    histories = [(), ("contacted",), ("confirmed",), ("confirmed", "not_interested"), ("rejected", "withdrawn"),
                 ("confirmed", "visit_booked", "rejected"), ("contacted", "confirmed", "visit_booked", "enrolled")]
    for n, statuses in enumerate(histories):
        lead = seed_lead(store, f"conv-{n}", ContactDetails("Li Wei", f"+86138123456{n:02d}") if n % 3 else None,
                         {**ELIGIBLE, "age": 85} if n == 4 else None, completed_at=NOW - timedelta(days=3))
        if n % 2:
            store.log_contact_attempt(lead, NOW - timedelta(days=3, minutes=-n * 7, seconds=-0.25), "phone",
                                      "no_answer", "", "alice", now=NOW)
        for status in statuses:
            store.set_review_status(lead, status, "", "alice", visit_at=NOW if status == "visit_booked" else None,
                                    screen_failure_reason="other" if status == "rejected" else None)
        leads.append(lead)
    expected = [metrics_facts(store, lead) for lead in leads]
    assert [decision for _, decision, _ in expected] == [
        None, None, "confirmed", "confirmed", "rejected", "rejected", "enrolled"]
    assert [wait is not None for wait, _, _ in expected] == [n % 2 == 1 for n in range(len(histories))]
    store.database.engine.dispose()
    command.downgrade(alembic_config(database_url), "0011_name_sort")
    upgrade(database_url)
    assert [metrics_facts(store, lead) for lead in leads] == expected
    with store.database.session() as session:
        assert compare_metadata(MigrationContext.configure(session.connection()), Base.metadata) == []


NAMES = ["Zhang Wei", "anna", "Anna", "王芳", "李娜", "王秀英", "Émile", "bob", "Bob", "", "张伟", "ṡam", "Åsa", "zoë"]


def full_sort(store: LeadStore, ids_by_name: dict[int, str], descending: bool) -> list[int]:
    """The order before issue 23: every name decrypted, newest first, sorted (stable); the unnamed last."""
    newest = sorted(ids_by_name, reverse=True)  # completed one minute apart, in id order
    named = sorted((i for i in newest if ids_by_name[i]), key=lambda i: ids_by_name[i].casefold(), reverse=descending)
    return named + [i for i in newest if not ids_by_name[i]]


def test_name_groups_never_go_down_as_names_sort_later() -> None:
    words = sorted({*NAMES, "a", "z", "~", "\u3000", "一", "龥", "가", "Ω", "ß"}, key=str.casefold)
    assert [name_group(w) for w in words] == sorted(name_group(w) for w in words)
    assert name_group("") == name_group(None) == EMPTY


@pytest.mark.parametrize("descending", [False, True])
def test_the_name_sort_pages_give_the_full_sort(store: LeadStore, descending: bool) -> None:
    ids: dict[int, str] = {}
    for n, name in enumerate(NAMES * 2):
        lead = seed_lead(store, f"conv-{n}", ContactDetails(name, "+861380000" + f"{n:04d}") if n % 5 else None,
                         completed_at=NOW + timedelta(minutes=n))
        ids[lead] = name if n % 5 else ""
    with store.database.transaction() as session:  # as after migration 0009: groups not computed yet
        session.execute(update(Contact).values(name_group=None))
        session.execute(update(Screening).values(name_group=None))
    expected = full_sort(store, ids, descending)
    query = LeadQuery(sort="name", descending=descending, now=NOW)
    for per_page in (1, 3, 7, 100):
        pages = -(-len(ids) // per_page)
        shown = [lead.id for page in range(1, pages + 1) for lead in store.search_leads(query, page, per_page).leads]
        assert shown == expected, per_page
    assert [lead.id for lead in store.find_leads(query)] == expected
    with store.database.session() as session:
        assert session.execute(select(Contact.name_group).where(Contact.name_group.is_(None))).first() is None
        assert lead_facts.stale(session) == []  # the screenings' copies of the groups too


def test_migration_0011_copies_the_name_groups_to_the_screenings(store: LeadStore, database_url: str) -> None:
    """Leads with a name, an empty name and no contact details, taken back to 0010 and up again: the copies
    are the contacts' groups, and the sort by name reads them."""
    leads = [seed_lead(store, f"conv-{n}", ContactDetails(name, f"+86138123456{n:02d}") if name is not None else None,
                       completed_at=NOW - timedelta(minutes=n)) for n, name in enumerate(["王芳", "", None, "Anna"])]
    by_name = LeadQuery(sort="name", descending=False, now=NOW)
    expected = store.matching_ids(by_name)
    assert expected == [leads[3], leads[0], leads[1], leads[2]]
    store.database.engine.dispose()
    command.downgrade(alembic_config(database_url), "0010_coordinator_speed")
    upgrade(database_url)
    with store.database.session() as session:
        assert lead_facts.stale(session) == []
        assert session.execute(select(Screening.name_group).order_by(Screening.id)).scalars().all() == [
            name_group("王芳"), EMPTY, None, name_group("Anna")]
        assert compare_metadata(MigrationContext.configure(session.connection()), Base.metadata) == []
    assert store.matching_ids(by_name) == expected



@pytest.mark.parametrize("few_leads", [2000, 0])
def test_the_streamed_export_reads_as_the_whole_file(store: LeadStore, few_leads: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The CSV written a chunk at a time, its criteria columns found by the index (from the matching leads'
    results, or per criterion when more than `few_leads` match), equals the file built whole."""
    monkeypatch.setattr(search, "FEW_LEADS", few_leads)
    for n in range(7):
        answers = {**ELIGIBLE, "age": 85} if n % 3 == 0 else None  # ruled out early: fewer criteria
        seed_lead(store, f"conv-{n}", ContactDetails(f"王{n}", "+86138000000{n:02d}") if n % 2 else None, answers,
                  completed_at=NOW - timedelta(hours=n * 7))
    for query in (LeadQuery(sort="needs_action", now=NOW), LeadQuery(sort="name", descending=True),
                  LeadQuery(sort="name", now=NOW), LeadQuery(attention="action", sort="needs_action", now=NOW),
                  LeadQuery(provisional_status="likely_ineligible"), LeadQuery(search="nobody")):
        whole = leads_as_csv(store.find_leads(query))
        streamed = "".join(csv_lines(store.iter_leads(query, full=False, chunk=2), store.export_check_ids(query)))
        assert streamed == whole, query
    ruled_out = store.export_check_ids(LeadQuery(provisional_status="likely_ineligible"))
    assert ruled_out and set(ruled_out) <= set(store.export_check_ids(LeadQuery()))


@pytest.mark.parametrize("overlap", [2, 50])
def test_the_streamed_export_misses_no_lead_erased_or_moved_while_it_is_written(
        store: LeadStore, overlap: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Leads erased, or moved to a later page by a change, between two chunks: the pages after shift up, and
    the overlap between pages (as small as the shift, or as configured) still gives every lead, once each."""
    monkeypatch.setattr(search, "STREAM_OVERLAP", overlap)
    ids = [seed_lead(store, f"conv-{n}", completed_at=NOW - timedelta(minutes=n)) for n in range(12)]
    query = LeadQuery(sort="completed", descending=True, now=NOW)  # newest first: ids in order
    assert store.matching_ids(query) == ids
    streamed = store.iter_leads(query, full=False, chunk=4)  # the first chunk of 4, then 4 at a time
    got = [next(streamed).id for _ in range(4)]
    store.erase_conversation("conv-1")
    with store.database.transaction() as session:  # conv-2 is now the oldest: from the first page to the last
        session.execute(update(Screening).where(Screening.id == ids[2]).values(completed_at=NOW - timedelta(days=9)))
    got += [lead.id for lead in streamed]
    assert got == ids  # conv-1 written before its erasure, conv-2 once, none missed


def test_the_store_connections_carry_their_settings(database_url: str) -> None:
    """PostgreSQL: the statement timeout and no JIT (it compiled the agreement page's statement for longer
    than the statement ran); SQLite: foreign keys (erasure cascades) and WAL."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                assert connection.execute(text("SHOW jit")).scalar_one() == "off"
                assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "5s"
            else:
                assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
                assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    finally:
        engine.dispose()
