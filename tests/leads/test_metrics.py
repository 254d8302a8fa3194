"""The metrics page's figures on a real database (SQLite, and PostgreSQL marked `postgres`), with a fixed clock.

Contact attempts and status history are written as rows, the way the pipeline's store methods write them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.leads import lead_facts
from bot.leads.metrics import FUNNEL_STEPS, FirstContact, week_start
from bot.leads.models import ContactAttempt, Screening, StatusChange
from bot.leads.pipeline import SCREEN_FAILURE_REASONS
from bot.leads.store import ContactDetails, LeadStore
from tests.web.coordinator.seed import ELIGIBLE, seed_lead

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)  # Wednesday 25 Nov 2026, 12:00 in Shanghai
PHONE = ContactDetails("Li Wei", "+8613812345678")


def lead(store: LeadStore, name: str, completed_at: datetime, contact: bool = True, **answers: str) -> int:
    return seed_lead(store, f"conv-{name}", PHONE if contact else None, {**ELIGIBLE, **answers},
                     completed_at=completed_at)


def attempt(store: LeadStore, lead_id: int, at: datetime, outcome: str = "reached") -> None:
    with store.database.transaction() as session:
        session.add(ContactAttempt(screening_id=lead_id, at=at, channel="phone", outcome=outcome, actor="alice"))
        session.flush()
        lead_facts.refresh(session, [lead_id])  # as the store's log_contact_attempt keeps the first attempt


def history(store: LeadStore, lead_id: int, *statuses: str, reason: str | None = None, failed: str = "") -> None:
    """Status changes in order; the last is the lead's status now."""
    with store.database.transaction() as session:
        for n, status in enumerate(statuses):
            last = n == len(statuses) - 1
            session.add(StatusChange(
                screening_id=lead_id, status=status, note="", actor="alice",
                changed_at=NOW - timedelta(hours=len(statuses) - n),
                screen_failure_reason=reason if last else None, failed_criteria=failed if last else "",
            ))
        session.execute(update(Screening).where(Screening.id == lead_id).values(
            review_status=statuses[-1], screen_failure_reason=reason, failed_criteria=failed))
        lead_facts.refresh(session, [lead_id])  # as the store's set_review_status keeps the furthest step


# ------------------------------------------------------------------ leads per week


def test_week_starts_on_monday_in_the_coordinators_time_zone() -> None:
    # Sunday 22 Nov 2026 20:00 UTC is Monday 23 Nov 04:00 in Shanghai: the new week there.
    assert week_start(datetime(2026, 11, 22, 20, 0, tzinfo=timezone.utc), SHANGHAI) == date(2026, 11, 23)
    assert week_start(datetime(2026, 11, 22, 20, 0, tzinfo=timezone.utc), timezone.utc) == date(2026, 11, 16)
    assert week_start(datetime(2026, 11, 22, 20, 0), SHANGHAI) == date(2026, 11, 23)  # naive: stored UTC


def test_leads_per_week_counts_empty_weeks_and_splits_by_contact_details(store: LeadStore) -> None:
    lead(store, "this-week", NOW - timedelta(hours=1))
    lead(store, "monday-local", datetime(2026, 11, 22, 20, 0, tzinfo=timezone.utc), contact=False)
    lead(store, "two-weeks-ago", NOW - timedelta(weeks=2))
    lead(store, "too-old", NOW - timedelta(weeks=4))
    store.start_screening("conv-unfinished", "consent-test", "v")  # not completed: not a lead
    weeks = store.leads_per_week(NOW, SHANGHAI, weeks=4)
    assert [w.start for w in weeks] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    assert [(w.with_contact, w.without_contact) for w in weeks] == [(0, 0), (1, 0), (0, 0), (1, 1)]
    assert weeks[-1].total == 2 and weeks[-1].iso_week == "2026-W48"
    assert [w.total for w in store.leads_per_week(NOW, SHANGHAI, weeks=1)] == [2]


# ------------------------------------------------------------------ time to first contact


def test_first_contact_median_share_within_the_deadline_and_who_is_waiting(store: LeadStore) -> None:
    start = NOW - timedelta(days=5)
    attempt(store, lead(store, "fast", start), start + timedelta(hours=2), "no_answer")
    on_time = lead(store, "on-the-deadline", start)
    attempt(store, on_time, start + timedelta(hours=24))  # exactly 24 h: in time
    attempt(store, on_time, start + timedelta(hours=1, minutes=30) + timedelta(hours=48))  # later attempts do not count
    attempt(store, lead(store, "late", start), start + timedelta(hours=24, minutes=1))
    attempt(store, lead(store, "slow", start), start + timedelta(hours=72))
    lead(store, "overdue", NOW - timedelta(hours=30))
    lead(store, "waiting", NOW - timedelta(hours=3))
    lead(store, "exactly-due", NOW - timedelta(hours=24))  # on the deadline: not yet overdue
    lead(store, "no-contact", NOW - timedelta(hours=30), contact=False)  # nobody to call: neither
    history(store, lead(store, "closed", NOW - timedelta(hours=30)), "rejected", reason="exclusion_met")

    report = store.first_contact(NOW, deadline_hours=24)
    assert report.tried == 4
    assert report.median_hours == pytest.approx((24 + 24 + 1 / 60) / 2)
    assert report.within_deadline == 2 and report.within_rate == 0.5
    assert (report.waiting, report.overdue) == (3, 1)
    assert [count for _, _, count in report.buckets()] == [0, 1, 1, 1, 1]
    assert store.first_contact(NOW, deadline_hours=72).within_deadline == 4
    # The median of an odd number of waits is the middle one (the 72 h wait left out: 2 h, 24 h, 24 h 1 min).
    with store.database.transaction() as session:
        session.execute(update(Screening).where(Screening.conversation_id == "conv-slow")
                        .values(first_attempt_at=None, first_wait_s=None))
    assert store.first_contact(NOW, deadline_hours=24).median_hours == pytest.approx(24.0)


def test_first_contact_with_nothing_to_measure() -> None:
    empty = FirstContact(24, 0, 0, None, (), 0, 0)
    assert empty.median_hours is None and empty.within_rate is None and empty.tried == 0
    assert [(low, high, n) for low, high, n in FirstContact(4, 0, 0, None, (), 0, 0).buckets()] == [
        (None, 1.0, 0), (1.0, 4.0, 0), (4.0, 8.0, 0), (8.0, None, 0)]


# ------------------------------------------------------------------ the funnel


def test_funnel_reads_the_status_history_and_reached_attempts(store: LeadStore) -> None:
    for _ in range(12):
        store.record_conversation_start()
    store.start_screening("conv-unfinished", "consent-test", "v")
    day = NOW - timedelta(days=3)
    lead(store, "new", day)
    lead(store, "no-contact", day, contact=False)
    attempt(store, lead(store, "reached-only", day), day + timedelta(hours=1))  # no status change logged
    attempt(store, lead(store, "no-answer", day), day + timedelta(hours=1), "no_answer")
    history(store, lead(store, "contacted", day), "contacted")
    history(store, lead(store, "eligible", day), "contacted", "confirmed")
    history(store, lead(store, "failed-at-visit", day), "contacted", "confirmed", "visit_booked", "rejected",
            reason="lab_values")
    history(store, lead(store, "consented", day), "contacted", "confirmed", "visit_booked", "consented")
    history(store, lead(store, "enrolled", day), "contacted", "confirmed", "visit_booked", "consented", "enrolled")
    history(store, lead(store, "rejected-on-records", day), "rejected", reason="exclusion_met")

    funnel = store.lead_counts().funnel
    assert [step for step, _ in funnel] == list(FUNNEL_STEPS)
    assert dict(funnel) == {
        "started": 12, "consented": 11, "completed": 10, "left_contact": 9, "contacted": 6, "eligible": 4,
        "visit_booked": 3, "study_consented": 2, "enrolled": 1,
    }
    # The lead list's funnel counts the same way.
    listed = store.funnel()
    assert (listed["contacted"], listed["confirmed"], listed["visit_booked"], listed["enrolled"]) == (6, 4, 3, 1)


# ------------------------------------------------------------------ screen failures and agreement


def test_screen_failure_reasons_and_failed_criteria_of_leads_now_not_eligible(store: LeadStore) -> None:
    day = NOW - timedelta(days=2)
    history(store, lead(store, "a", day), "rejected", reason="exclusion_met", failed="lung_disease,other_cancer")
    history(store, lead(store, "b", day), "rejected", reason="exclusion_met", failed="lung_disease")
    history(store, lead(store, "c", day), "rejected", reason="lab_values")
    history(store, lead(store, "d", day), "rejected")  # before the reasons existed
    history(store, lead(store, "reopened", day), "rejected", "contacted", reason=None)  # not eligible no more
    history(store, lead(store, "other", day), "contacted")

    failures = store.screen_failures()
    assert failures.rejected == 4
    assert [reason for reason, _ in failures.reasons] == [*SCREEN_FAILURE_REASONS, "unrecorded"]
    reasons = dict(failures.reasons)
    assert (reasons["exclusion_met"], reasons["lab_values"], reasons["unrecorded"], reasons["other"]) == (2, 1, 1, 0)
    assert failures.criteria == (("lung_disease", 2), ("other_cancer", 1))


def test_no_unrecorded_reason_when_every_failure_has_one(store: LeadStore) -> None:
    history(store, lead(store, "a", NOW), "rejected", reason="other")
    assert [reason for reason, _ in store.screen_failures().reasons] == list(SCREEN_FAILURE_REASONS)


def test_agreement_counts_every_decision_on_eligibility_from_the_history(store: LeadStore) -> None:
    day = NOW - timedelta(days=2)
    history(store, lead(store, "enrolled", day), "contacted", "confirmed", "visit_booked", "enrolled")
    history(store, lead(store, "declined-later", day), "confirmed", "not_interested")
    history(store, lead(store, "failed", day, lung_disease="yes"), "rejected", reason="exclusion_met")
    overridden = lead(store, "overridden", day)
    history(store, lead(store, "only-contacted", day), "contacted")
    store.override_criterion(overridden, "age", "unknown", "age not on the records", "alice")
    store.override_criterion(overridden, "lung_disease", "meets", "as the bot said", "alice")  # agrees
    report = store.agreement()
    assert report.reviewed_leads == 4
    assert report.outcomes == {"likely_eligible": {"eligible": 2}, "likely_ineligible": {"not_eligible": 1}}
    summary = store.agreement_summary()  # the metrics page's three figures, counted apart: the same
    assert (summary.reviewed_leads, summary.reviewed, summary.overridden) == (
        report.reviewed_leads, sum(c.reviewed for c in report.criteria), sum(c.overridden for c in report.criteria))
    assert summary.overridden == 1

