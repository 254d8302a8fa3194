"""Figures on the way from lead to enrolment: leads per week, time to first contact, the funnel from
the first message to enrolment, and why screening failed. Queries only; the coordinator app draws them.

Every figure counts what the database holds now: an erased lead (withdrawn by the patient or by the
team) is gone from every figure, and a lead purged after the retention period keeps its results but
not its contact details. The steps after "completed" read the status history, so a lead that reached
"visit booked" and was later found not eligible still counts at "visit booked".
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.leads.base import StoreBase
from bot.leads.models import Contact, ContactAttempt, ConversationStart, ReviewStatus, Screening, StatusChange
from bot.leads.pipeline import PROGRESS, REACHED_OUTCOMES, SCREEN_FAILURE_REASONS, LeadState, is_overdue

# The funnel's steps, in order (labels: the coordinator app).
FUNNEL_STEPS = (
    "started",  # conversations started (an anonymous tally)
    "consented",  # agreed to the prescreen
    "completed",  # answered every question (or were ruled out kindly)
    "left_contact",  # left contact details
    "contacted",  # reached at least once (a reached attempt, or a status at "contacted" or beyond)
    "eligible",  # confirmed eligible on the hospital's records
    "visit_booked",  # a screening visit booked
    "study_consented",  # signed the study's consent
    "enrolled",
)
# The later steps as the statuses that prove them (a lead at a later status passed the earlier ones).
STEP_STATUS = {
    "contacted": ReviewStatus.CONTACTED.value,
    "eligible": ReviewStatus.CONFIRMED.value,
    "visit_booked": ReviewStatus.VISIT_BOOKED.value,
    "study_consented": ReviewStatus.CONSENTED.value,
    "enrolled": ReviewStatus.ENROLLED.value,
}
CHANNELS = ("web", "wechat")  # where patients take the prescreen (Screening.channel)
UNRECORDED_REASON = "unrecorded"  # a lead marked not eligible without a reason (before the list existed)


def as_utc(moment: datetime) -> datetime:
    """A stored moment as aware UTC (SQLite returns naive UTC)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def week_start(moment: datetime, zone: tzinfo) -> date:
    """The Monday of the ISO week `moment` falls in, in `zone`."""
    local = as_utc(moment).astimezone(zone).date()
    return local - timedelta(days=local.weekday())


@dataclass(frozen=True)
class WeekCount:
    """Completed screenings in one ISO week (local time), with and without contact details."""

    start: date  # the week's Monday
    with_contact: int
    without_contact: int

    @property
    def total(self) -> int:
        return self.with_contact + self.without_contact

    @property
    def iso_week(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class FirstContact:
    """How long leads with contact details waited for the team's first contact attempt."""

    deadline_hours: int
    hours: tuple[float, ...]  # per lead tried at least once: first attempt − completed, sorted
    waiting: int  # new, with contact details, never tried
    overdue: int  # ...of which past the deadline

    @property
    def tried(self) -> int:
        return len(self.hours)

    @property
    def median_hours(self) -> float | None:
        return statistics.median(self.hours) if self.hours else None

    @property
    def within_deadline(self) -> int:
        return sum(1 for h in self.hours if h <= self.deadline_hours)  # exactly on the deadline is in time

    @property
    def within_rate(self) -> float | None:
        return self.within_deadline / self.tried if self.tried else None

    def buckets(self) -> list[tuple[float | None, float | None, int]]:
        """The waits grouped as (after, up to, leads): up to 1 h, 4 h, the deadline, twice the deadline, more."""
        edges = sorted({1.0, 4.0, float(self.deadline_hours), 2.0 * self.deadline_hours})
        bounds: list[tuple[float | None, float | None]] = [
            (low, high) for low, high in zip([None, *edges], [*edges, None], strict=True)
        ]
        return [
            (low, high, sum(1 for h in self.hours if (low is None or h > low) and (high is None or h <= high)))
            for low, high in bounds
        ]


@dataclass(frozen=True)
class ScreenFailures:
    """Leads now "not eligible": why (the fixed list), and which criteria failed on the records."""

    rejected: int
    reasons: tuple[tuple[str, int], ...]  # every reason of SCREEN_FAILURE_REASONS in order, then "unrecorded"
    criteria: tuple[tuple[str, int], ...]  # check id, leads; most frequent first


class Metrics(StoreBase):
    def leads_per_week(self, now: datetime, zone: tzinfo, weeks: int = 12) -> list[WeekCount]:
        """Completed screenings per ISO week in `zone`, the last `weeks` weeks up to `now`'s, empty weeks included."""
        last = week_start(now, zone)
        first = last - timedelta(weeks=weeks - 1)
        since = datetime.combine(first, time(), tzinfo=zone).astimezone(timezone.utc)
        counts = {first + timedelta(weeks=n): [0, 0] for n in range(weeks)}
        with self._reading("counting leads per week") as session:
            rows = session.execute(
                select(Screening.completed_at, Contact.screening_id)
                .outerjoin(Contact, Contact.screening_id == Screening.id)
                .where(Screening.completed_at.is_not(None), Screening.completed_at >= since)
            ).all()
        for completed_at, contact in rows:
            week = counts.get(week_start(completed_at, zone))
            if week is not None:  # a lead completed after `now` (clock skew) falls outside the weeks
                week[0 if contact is not None else 1] += 1
        return [WeekCount(start, with_contact, without) for start, (with_contact, without) in counts.items()]

    def first_contact(self, now: datetime, deadline_hours: int) -> FirstContact:
        """Time from completing the prescreen to the first contact attempt, for leads with contact details."""
        with self._reading("measuring time to first contact") as session:
            rows = session.execute(
                select(Screening.completed_at, Screening.review_status, func.min(ContactAttempt.at))
                .join(Contact, Contact.screening_id == Screening.id)
                .outerjoin(ContactAttempt, ContactAttempt.screening_id == Screening.id)
                .where(Screening.completed_at.is_not(None))
                .group_by(Screening.id, Screening.completed_at, Screening.review_status)
            ).all()
        hours: list[float] = []
        waiting = overdue = 0
        for completed_at, review_status, first_attempt in rows:
            completed_at = as_utc(completed_at)
            if first_attempt is not None:
                # An attempt logged as before the prescreen ended (a clock off) counts as immediate.
                hours.append(max(0.0, (as_utc(first_attempt) - completed_at).total_seconds() / 3600))
            elif review_status == ReviewStatus.NEW.value:
                waiting += 1
                lead = LeadState(review_status, completed_at, True, None, None, None, None)
                overdue += is_overdue(lead, as_utc(now), deadline_hours)
        return FirstContact(deadline_hours, tuple(sorted(hours)), waiting, overdue)

    def pipeline_funnel(self) -> list[tuple[str, int]]:
        """Leads at each step of FUNNEL_STEPS, from the first message to enrolment."""
        with self._reading("counting the funnel") as session:
            def count(*conditions: object) -> int:
                return session.execute(select(func.count(Screening.id)).where(*conditions)).scalar_one()

            counts = {
                "started": session.execute(select(func.count(ConversationStart.id))).scalar_one(),
                "consented": count(),
                "completed": count(Screening.completed_at.is_not(None)),
                "left_contact": session.execute(
                    select(func.count(Contact.screening_id)).join(Screening, Screening.id == Contact.screening_id)
                    .where(Screening.completed_at.is_not(None))
                ).scalar_one(),
                **progress_counts(session),
            }
        return [(step, counts[step]) for step in FUNNEL_STEPS]

    def leads_per_channel(self) -> list[tuple[str, int, int]]:
        """(channel, completed prescreens, of which with contact details), web first."""
        with self._reading("counting leads per channel") as session:
            rows = session.execute(
                select(Screening.channel, func.count(Screening.id), func.count(Contact.screening_id))
                .outerjoin(Contact, Contact.screening_id == Screening.id)
                .where(Screening.completed_at.is_not(None)).group_by(Screening.channel)).all()
        counts = {channel: (int(done), int(with_contact)) for channel, done, with_contact in rows}
        return [(channel, *counts.get(channel, (0, 0))) for channel in CHANNELS] + \
            [(channel, *counted) for channel, counted in sorted(counts.items()) if channel not in CHANNELS]

    def screen_failures(self) -> ScreenFailures:
        """Why leads now marked not eligible failed screening, and the criteria that failed."""
        with self._reading("counting screen failures") as session:
            rows = session.execute(
                select(Screening.screen_failure_reason, Screening.failed_criteria)
                .where(Screening.completed_at.is_not(None), Screening.review_status == ReviewStatus.REJECTED.value)
            ).all()
        reasons = dict.fromkeys(SCREEN_FAILURE_REASONS, 0)
        unrecorded = 0
        criteria: dict[str, int] = {}
        for reason, failed in rows:
            if reason in reasons:
                reasons[reason] += 1
            else:
                unrecorded += 1
            for check_id in {c.strip() for c in (failed or "").split(",") if c.strip()}:
                criteria[check_id] = criteria.get(check_id, 0) + 1
        listed = list(reasons.items()) + ([(UNRECORDED_REASON, unrecorded)] if unrecorded else [])
        ranked = sorted(criteria.items(), key=lambda item: (-item[1], item[0]))
        return ScreenFailures(len(rows), tuple(listed), tuple(ranked))


def furthest_steps(statuses: Iterable[str]) -> int:
    """The furthest index in pipeline.PROGRESS that any of `statuses` reached (-1: none)."""
    return max((PROGRESS.index(s) for s in statuses if s in PROGRESS), default=-1)


def progress_counts(session: Session) -> dict[str, int]:
    """Completed leads that reached each step of STEP_STATUS, by their current status, their status
    history, or (for "contacted") a contact attempt that reached the patient."""
    seen: dict[int, set[str]] = {}
    for lead_id, status in session.execute(
        select(Screening.id, Screening.review_status).where(Screening.completed_at.is_not(None))
    ):
        seen[lead_id] = {status}
    for lead_id, status in session.execute(select(StatusChange.screening_id, StatusChange.status)):
        if lead_id in seen:
            seen[lead_id].add(status)
    reached = set(session.execute(
        select(ContactAttempt.screening_id).where(ContactAttempt.outcome.in_(REACHED_OUTCOMES)).distinct()
    ).scalars())
    furthest = {lead_id: furthest_steps(statuses) for lead_id, statuses in seen.items()}
    counts = {
        step: sum(1 for index in furthest.values() if index >= PROGRESS.index(status))
        for step, status in STEP_STATUS.items()
    }
    contacted_index = PROGRESS.index(ReviewStatus.CONTACTED.value)
    counts["contacted"] = sum(
        1 for lead_id, index in furthest.items() if index >= contacted_index or lead_id in reached
    )
    return counts
