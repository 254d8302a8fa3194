"""A table of leads for the agreement figures (bot vs coordinator per criterion), with every edge the
definitions have, and the figures counted from it the straightforward way, in Python, from the rows.

Edges: decisions now and only in the history (a lead confirmed eligible who then declined; a rejection
reopened; two decisions at the same moment, where the later row counts), incomplete leads (a decision
does not count, an override does), every provisional status and none, overrides that agree, differ,
replace one another (at the same moment too: the later row counts) or override a "to check", answers
corrected and confirmed (on leads reviewed or not, on a criterion the lead has no result for), leads
in both languages, criteria at different positions in different versions and one no longer in the
criteria. Used by tests/leads/test_agreement.py (the store) and tests/web/coordinator/test_agreement_page.py.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from bot.leads import lead_facts
from bot.leads.models import AnswerEvent, CriterionOverride, CriterionResultRow, ReviewStatus, Screening, StatusChange
from bot.leads.pipeline import DECIDED_STATUSES, ELIGIBLE_DECIDED
from bot.leads.stats import AgreementReport, CriterionAgreement
from bot.leads.store import LeadStore
from bot.trial.criteria import load_criteria

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=timezone.utc)
CRITERIA = load_criteria()
RETIRED = "retired_check"  # a criterion no longer in the criteria file
CHECKS = [(c.id, c.protocol, c.label) for c in CRITERIA.checks[:6]] + [(RETIRED, "E99", "A retired criterion")]
VERDICTS = ("meets", "does_not_meet", "unknown")
PROVISIONAL = ("likely_eligible", "likely_ineligible", "needs_review", None)
# Status histories, oldest first; a pair in brackets shares one moment (the later row counts).
HISTORIES: tuple[tuple[str | tuple[str, str], ...], ...] = (
    (),
    ("contacted",),
    ("confirmed",),
    ("rejected",),
    ("contacted", "confirmed", "not_interested"),  # judged eligible, then declined
    ("rejected", "contacted"),  # reopened: the rejection still counts as the newest decision
    (("confirmed", "rejected"),),  # the same moment: the later row (rejected) counts
    (("rejected", "visit_booked"), "withdrawn"),
)
# Overrides per lead: (check index, verdict, minutes after NOW, tie with the one before).
OVERRIDES: tuple[tuple[tuple[int, str, int], ...], ...] = (
    (),
    ((0, "meets", 1),),  # often the bot's verdict: agreement
    ((1, "does_not_meet", 1),),
    ((2, "unknown", 1), (2, "meets", 2)),  # replaced: the newer counts
    ((3, "meets", 5), (3, "does_not_meet", 5)),  # the same moment: the later row counts
    (),
    ((6, "meets", 1), (4, "does_not_meet", 3)),  # the retired criterion too
)
# Answer events per lead: (check index, event).
EVENTS: tuple[tuple[tuple[int, str], ...], ...] = (
    (),
    ((0, "corrected"),),
    ((1, "confirmed"),),
    ((2, "corrected"), (2, "answered again"), (2, "confirmed")),
    ((5, "not confirmed"), (3, "confirmed"), (3, "confirmed")),
)
LANGUAGES = ("en", "zh")


@dataclass
class Lead:
    id: int
    completed: bool
    status: str
    provisional: str | None
    language: str
    history: list[tuple[int, str, datetime]]  # (row id, status, changed at)
    results: dict[str, tuple[int, str, str, str]]  # check id -> (position, protocol, label, verdict)
    overrides: list[tuple[int, str, str, datetime]]  # (row id, check id, verdict, at)
    events: list[tuple[str, str]]  # (check id, event)


def leads() -> list[Lead]:
    table: list[Lead] = []
    change_ids, override_ids = itertools.count(1), itertools.count(1)
    statuses = [s.value for s in ReviewStatus]
    for n, (completed, status, history) in enumerate(
            itertools.product((True, False), statuses, HISTORIES), start=1):
        changes: list[tuple[int, str, datetime]] = []
        for step, entry in enumerate(history):
            moment = NOW - timedelta(days=10 - step)
            for part in (entry if isinstance(entry, tuple) else (entry,)):
                changes.append((next(change_ids), part, moment))
        # Results: a subset of the criteria (leads who left early, other versions), positions by version.
        version = n % 3
        checks = [c for i, c in enumerate(CHECKS) if (i + n) % 5 != 0 or version == 0]
        results = {}
        for i, (check_id, protocol, label) in enumerate(checks):
            position = i if version != 1 else len(checks) - i  # version 1 asks them in reverse order
            if n % 2:  # the Chinese leads keep their criteria's labels in Chinese
                label = f"标准 {protocol}"
            results[check_id] = (position, protocol if version != 2 else protocol.lower(), label,
                                 VERDICTS[(n + i) % 3])
        overrides = []
        for index, verdict, minutes in OVERRIDES[n % len(OVERRIDES)]:
            check_id = CHECKS[index][0]
            if check_id in results:  # the app overrides only a criterion the lead has
                overrides.append((next(override_ids), check_id, verdict, NOW + timedelta(minutes=minutes)))
        events = [(CHECKS[index][0], event) for index, event in EVENTS[n % len(EVENTS)]]
        table.append(Lead(n, completed, status, PROVISIONAL[n % len(PROVISIONAL)], LANGUAGES[n % 2], changes,
                          results, overrides, events))
    return table


def seed(store: LeadStore, table: list[Lead]) -> None:
    """The table as rows, the stored facts (furthest step) computed as the store's writes keep them."""
    with store.database.transaction() as session:
        session.execute(insert(Screening), [
            {"id": lead.id, "conversation_id": f"agree-{lead.id}", "started_at": NOW - timedelta(days=20),
             "consented_at": NOW - timedelta(days=20), "consent_version": "c", "criteria_version": "v",
             "completed_at": NOW - timedelta(days=19) if lead.completed else None,
             "provisional_status": lead.provisional, "review_status": lead.status, "language": lead.language,
             "reference_code": f"PS-A{lead.id:05d}"}
            for lead in table
        ])
        session.execute(insert(StatusChange), [
            {"id": row_id, "screening_id": lead.id, "status": status, "note": "", "actor": "alice",
             "changed_at": moment}
            for lead in table for row_id, status, moment in lead.history
        ])
        session.execute(insert(CriterionResultRow), [
            {"screening_id": lead.id, "position": position, "check_id": check_id, "protocol": protocol,
             "label": label, "verdict": verdict, "value": None, "reason": "r"}
            for lead in table for check_id, (position, protocol, label, verdict) in lead.results.items()
        ])
        session.execute(insert(CriterionOverride), [
            {"id": row_id, "screening_id": lead.id, "check_id": check_id, "verdict": verdict, "reason": "records",
             "actor": "alice", "at": at}
            for lead in table for row_id, check_id, verdict, at in lead.overrides
        ])
        session.execute(insert(AnswerEvent), [
            {"screening_id": lead.id, "check_id": check_id, "event": event, "patient_text": "t", "value": "v",
             "at": NOW}
            for lead in table for check_id, event in lead.events
        ])
        session.flush()
        lead_facts.refresh(session)


def expected(table: list[Lead]) -> AgreementReport:
    """The agreement as its definitions say (bot/leads/stats.py `agreement`), counted lead by lead."""
    decision: dict[int, str] = {}
    for lead in table:
        if not lead.completed:
            continue
        if lead.status in DECIDED_STATUSES:
            decision[lead.id] = lead.status
            continue
        past = sorted((at, row_id, status) for row_id, status, at in lead.history if status in DECIDED_STATUSES)
        if past:
            decision[lead.id] = past[-1][2]
    reviewed = set(decision) | {lead.id for lead in table if lead.overrides}
    outcomes: dict[str, dict[str, int]] = {}
    by_id = {lead.id: lead for lead in table}
    for lead_id, status in decision.items():
        cell = outcomes.setdefault(by_id[lead_id].provisional or "", {})
        decided = "eligible" if status in ELIGIBLE_DECIDED else "not_eligible"
        cell[decided] = cell.get(decided, 0) + 1
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    protocols: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, list[str]] = defaultdict(list)
    positions: dict[str, list[int]] = defaultdict(list)
    for lead_id in reviewed:
        lead = by_id[lead_id]
        for check_id, (position, protocol, label, verdict) in lead.results.items():
            figures = counts[check_id]
            figures["reviewed"] += 1
            protocols[check_id].append(protocol)
            labels[check_id].append(label)
            positions[check_id].append(position)
            mine = sorted((at, row_id, v) for row_id, c, v, at in lead.overrides if c == check_id)
            if mine and mine[-1][2] != verdict:
                figures["overridden"] += 1
                figures["from_unknown"] += verdict == "unknown"
            said = {event for c, event in lead.events if c == check_id}
            figures["corrected"] += any(event != "confirmed" for event in said)
            figures["confirmed"] += "confirmed" in said
    criteria = [
        CriterionAgreement(check_id, min(protocols[check_id]), min(labels[check_id]), figures["reviewed"],
                           figures["overridden"], figures["from_unknown"], figures["corrected"], figures["confirmed"])
        for check_id, figures in counts.items()
    ]
    criteria.sort(key=lambda c: (min(positions[c.check_id]), c.check_id))
    return AgreementReport(len(reviewed), criteria, outcomes)
