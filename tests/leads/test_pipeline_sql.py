"""The pipeline's rules as SQL (bot/leads/pipeline_sql.py) agree with the Python rules (bot/leads/pipeline.py)
on one table of cases, with a fixed clock, on SQLite and PostgreSQL: urgency, overdue, needs action, and
the "needs action first" order both ways."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from bot.leads import pipeline
from bot.leads import pipeline_sql as rules
from bot.leads.models import ReviewStatus, Screening
from bot.leads.pipeline import LeadState
from bot.leads.store import LeadQuery, LeadStore

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=timezone.utc)
HOURS = 24
CLOCK = rules.Clock(NOW, HOURS)


def at(**delta: float) -> datetime:
    return NOW + timedelta(**delta)


# Around every edge the rules have: the deadline (exactly on it is not yet overdue), a call-back or a
# visit exactly now (due), an attempt before, at and after the call-back.
COMPLETED = (at(hours=-1), at(hours=-HOURS), at(hours=-HOURS, microseconds=-1), at(days=-10), at(days=-40))
CALLBACKS = (None, at(hours=-3), NOW, at(hours=5))
ATTEMPTS = ((None, None), (at(days=-20), at(days=-20)), (at(days=-20), at(hours=-3)), (at(hours=-2), at(hours=-1)))
VISITS = (None, at(days=-1), NOW, at(days=2))


def cases() -> list[LeadState]:
    table = []
    for status, contact, completed, callback, (first, last), visit in itertools.product(
        [s.value for s in ReviewStatus], (True, False), COMPLETED, CALLBACKS, ATTEMPTS, VISITS,
    ):
        table.append(LeadState(status, completed, contact, first, last, callback, visit))
    return table


def seed_cases(store: LeadStore, labelled: bool = False) -> list[LeadState]:
    """The table of cases as screenings (ids from 1); `labelled`: each with a bot's assessment and a reference
    code as well, for the list's other sorts and its search."""
    table = cases()
    with store.database.transaction() as session:
        session.execute(insert(Screening), [
            {"id": n, "conversation_id": f"case-{n}", "started_at": c.completed_at - timedelta(minutes=9),
             "consented_at": c.completed_at, "consent_version": "c", "criteria_version": "v",
             "completed_at": c.completed_at, "review_status": c.review_status, "has_contact": c.has_contact,
             "first_attempt_at": c.first_attempt_at, "last_attempt_at": c.last_attempt_at,
             "callback_at": c.callback_at, "visit_at": c.visit_at,
             **({"provisional_status": ("likely_eligible", "likely_ineligible", "needs_review")[n % 3],
                 "reference_code": f"PS-{n % 97:02d}{n:05d}"} if labelled else {})}
            for n, c in enumerate(table, start=1)
        ])
    return table


def test_the_sql_rules_agree_with_the_python_rules(store: LeadStore) -> None:
    table = seed_cases(store)
    with store.database.session() as session:
        rows = session.execute(select(Screening.id, rules.urgency(CLOCK), rules.is_overdue(CLOCK),
                                      rules.needs_action(CLOCK))).all()
        assert len(rows) == len(table)
        for lead_id, level, overdue, action in rows:
            state = table[lead_id - 1]
            assert level == pipeline.urgency(state, NOW, HOURS), state
            assert bool(overdue) == pipeline.is_overdue(state, NOW, HOURS), state
            assert bool(action) == pipeline.needs_action(state, NOW, HOURS), state
        expected = sorted(range(1, len(table) + 1),
                          key=lambda i: (pipeline.needs_action_key(table[i - 1], NOW, HOURS), i))
        for descending in (False, True):
            got = list(session.execute(
                select(Screening.id).order_by(*rules.needs_action_order(CLOCK, descending))).scalars())
            assert got == (expected[::-1] if descending else expected)
        for level in rules.LEVELS:  # each level's hint holds for every lead at that level
            hinted = set(session.execute(select(Screening.id).where(rules.level_hint(level, CLOCK))).scalars())
            assert {i for i, c in enumerate(table, start=1) if pipeline.urgency(c, NOW, HOURS) == level} <= hinted
    # The list's pages, one urgency level at a time, in the same order as sorting every lead.
    for descending in (False, True):
        query = LeadQuery(sort="needs_action", descending=descending, now=NOW, deadline_hours=HOURS)
        order = expected[::-1] if descending else expected
        assert store.matching_ids(query) == order
        for per_page, page in ((25, 1), (25, 7), (500, 3), (1000, 4)):
            shown = [lead.id for lead in store.search_leads(query, page, per_page, full=False).leads]
            assert shown == order[(page - 1) * per_page: page * per_page], (per_page, page)


def test_every_urgency_is_in_the_table() -> None:
    """The table reaches every level of the rule, so the agreement above covers each branch."""
    assert {pipeline.urgency(c, NOW, HOURS) for c in cases()} == set(pipeline.Urgency)


@pytest.mark.parametrize("zone", [timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])
def test_the_clock_binds_utc_whatever_the_zone_of_now(zone: timezone) -> None:
    clock = rules.Clock(NOW.astimezone(zone), HOURS)
    assert clock.utc_now == NOW and clock.utc_now.tzinfo == timezone.utc
    assert clock.deadline_cut == NOW - timedelta(hours=HOURS)


def test_the_streamed_export_gives_the_whole_lists_leads_in_its_order(store: LeadStore) -> None:
    """The export reads its leads a chunk at a time in the list's own order (offset pages, "needs action
    first" one urgency level at a time): the same leads in the same order as ordering every matching lead
    first, as the export did before, on the table of cases (many ties: five completion times, six statuses),
    for each sort both ways and the filters; and its count is theirs."""
    seed_cases(store, labelled=True)
    queries = [LeadQuery(sort=sort, descending=descending, attention=attention, now=NOW, deadline_hours=HOURS)
               for sort in ("needs_action", "completed", "review", "provisional", "reference")
               for descending in (False, True) for attention in ("", "overdue", "action")]
    queries += [
        LeadQuery(sort="needs_action", review_status="new", now=NOW, deadline_hours=HOURS),
        LeadQuery(sort="completed", provisional_status="needs_review", completed_from=at(days=-11),
                  completed_before=at(hours=-HOURS), now=NOW, deadline_hours=HOURS),
        LeadQuery(sort="needs_action", descending=True, attention="action", review_status="contacted", now=NOW,
                  deadline_hours=HOURS),
        LeadQuery(sort="name", now=NOW, deadline_hours=HOURS),
        LeadQuery(search="PS-23", sort="needs_action", now=NOW, deadline_hours=HOURS),
    ]
    for query in queries:
        whole = store.matching_ids(query)
        assert whole, query
        for chunk in (333, 4000):
            assert [lead.id for lead in store.iter_leads(query, full=False, chunk=chunk)] == whole, (query, chunk)
        assert store.count_matching(query) == len(whole), query
