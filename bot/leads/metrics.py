"""Figures on the way from lead to enrolment: leads per week, time to first contact, the funnel from
the first message to enrolment, and why screening failed. Queries only; the coordinator app draws them.

Every figure counts what the database holds now: an erased lead (withdrawn by the patient or by the
team) is gone from every figure, and a lead purged after the retention period keeps its results but
not its contact details. The steps after "completed" read the status history, so a lead that reached
"visit booked" and was later found not eligible still counts at "visit booked". "With contact details"
is the stored fact `Screening.has_contact` (a phone, an e-mail or a WeChat ID someone can use: bot/leads/
lead_facts.py), so the counts need no join with the contacts.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from bot.leads.base import StoreBase
from bot.leads.models import (
    AnswerEvent,
    ConversationStart,
    ReviewStatus,
    Screening,
)
from bot.leads.pipeline import PROGRESS, SCREEN_FAILURE_REASONS

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


def wait_bounds(deadline_hours: int) -> list[tuple[float | None, float | None]]:
    """The ranges of waits the metrics group by, as (after, up to): up to 1 h, 4 h, the deadline, twice it, more."""
    edges = sorted({1.0, 4.0, float(deadline_hours), 2.0 * deadline_hours})
    return list(zip([None, *edges], [*edges, None], strict=True))


@dataclass(frozen=True)
class FirstContact:
    """How long leads with contact details waited for the team's first contact attempt (counted by the database)."""

    deadline_hours: int
    tried: int  # leads tried at least once
    within_deadline: int  # ...whose first attempt came within the deadline (exactly on it is in time)
    median_hours: float | None  # the median wait, None when nobody was tried
    bucket_counts: tuple[int, ...]  # leads per range of wait_bounds(deadline_hours)
    waiting: int  # new, with contact details, never tried
    overdue: int  # ...of which past the deadline

    @property
    def within_rate(self) -> float | None:
        return self.within_deadline / self.tried if self.tried else None

    def buckets(self) -> list[tuple[float | None, float | None, int]]:
        """The waits grouped as (after, up to, leads): up to 1 h, 4 h, the deadline, twice the deadline, more."""
        counts = self.bucket_counts or (0,) * len(wait_bounds(self.deadline_hours))
        return [(low, high, count) for (low, high), count in zip(wait_bounds(self.deadline_hours), counts, strict=True)]


@dataclass(frozen=True)
class LeadCounts:
    """The funnel's steps as (step of FUNNEL_STEPS, leads), and (channel, completed prescreens, of which with
    contact details) per channel, web first."""

    funnel: tuple[tuple[str, int], ...]
    per_channel: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class ScreenFailures:
    """Leads now "not eligible": why (the fixed list), and which criteria failed on the records."""

    rejected: int
    reasons: tuple[tuple[str, int], ...]  # every reason of SCREEN_FAILURE_REASONS in order, then "unrecorded"
    criteria: tuple[tuple[str, int], ...]  # check id, leads; most frequent first


# Answer events that say a reading was wrong and the safety net caught it: the patient corrected the answer,
# or denied its read-back and answered again (bot/leads/screenings.py answer_events).
MISREAD_EVENTS = ("corrected", "answered again")


@dataclass(frozen=True)
class MisreadsCaught:
    """Answers read wrongly and caught (a denied read-back, a correction), over the consented conversations."""

    caught: int
    conversations: int

    @property
    def per_100(self) -> float | None:
        return 100 * self.caught / self.conversations if self.conversations else None


class Metrics(StoreBase):
    def misreads_caught(self) -> MisreadsCaught:
        """Misreads caught per consented conversation (erased leads are not counted: their events are gone)."""
        with self._reading("counting misreads caught") as session:
            caught = session.scalar(
                select(func.count()).select_from(AnswerEvent).where(AnswerEvent.event.in_(MISREAD_EVENTS))
            )
            conversations = session.scalar(select(func.count()).select_from(Screening))
        return MisreadsCaught(int(caught or 0), int(conversations or 0))

    def leads_per_week(self, now: datetime, zone: tzinfo, weeks: int = 12) -> list[WeekCount]:
        """Completed screenings per ISO week in `zone`, the last `weeks` weeks up to `now`'s, empty weeks included.

        The weeks' local Mondays are turned into UTC moments here; the database counts between them.
        """
        last = week_start(now, zone)
        mondays = [last - timedelta(weeks=weeks - 1 - n) for n in range(weeks + 1)]  # and the next Monday
        bounds = [datetime.combine(day, time(), tzinfo=zone).astimezone(timezone.utc) for day in mondays]
        week = case(*[(Screening.completed_at >= bounds[n], n) for n in reversed(range(weeks))], else_=-1)
        contact = Screening.has_contact.is_(True)
        counts = {mondays[n]: [0, 0] for n in range(weeks)}
        with self._reading("counting leads per week") as session:
            rows = session.execute(
                select(week.label("week"), contact.label("contact"), func.count())
                .select_from(Screening)
                # has_contact IN (both): lets the database count from the (has_contact, completed_at) index alone
                .where(Screening.has_contact.in_((True, False)),
                       Screening.completed_at.is_not(None), Screening.completed_at >= bounds[0],
                       Screening.completed_at < bounds[weeks])  # a lead completed after this week: outside
                .group_by(week, contact)
            ).all()
        for index, has_contact, count in rows:
            if 0 <= index < weeks:
                counts[mondays[index]][0 if has_contact else 1] += count
        return [WeekCount(start, with_contact, without) for start, (with_contact, without) in counts.items()]

    def first_contact(self, now: datetime, deadline_hours: int) -> FirstContact:
        """Time from completing the prescreen to the first contact attempt, for leads with contact details.

        Each lead's wait is a stored fact (bot/leads/lead_facts.py): the database counts the waits per range
        and reads the median's one or two middle waits at an offset of their index, so no wait is worked
        out, sorted or read one by one. An attempt logged as before the prescreen ended (a clock off)
        counts as immediate.
        """
        wait = Screening.first_wait_s
        tried = (Screening.has_contact.is_(True), wait.is_not(None))  # NULL: not completed, or never tried

        def total(condition: Any) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        bounds = wait_bounds(deadline_hours)
        # The median in the same statement: the one or two middle waits (the lower at offset (n - 1) // 2, the
        # upper at n // 2; the same one when n is odd).
        tried_now = select(func.count()).where(*tried).scalar_subquery()
        middle_waits = (select(wait.label("seconds")).where(*tried).order_by(wait)
                        .limit(2 - tried_now % 2).offset((tried_now - 1) / 2).subquery())
        median_row = select(func.min(middle_waits.c.seconds).label("lower"),
                            func.max(middle_waits.c.seconds).label("upper")).subquery()
        with self._reading("measuring time to first contact") as session:
            row = session.execute(select(
                func.count(), func.min(median_row.c.lower), func.min(median_row.c.upper),
                total(wait <= deadline_hours * 3600),
                *(total(and_(*([wait > low * 3600] if low is not None else []),
                             *([wait <= high * 3600] if high is not None else [])))
                  for low, high in bounds),
            ).select_from(Screening).join(median_row, literal(True)).where(*tried)).one()
            tried_count = int(row[0])
            middle = ([row[1]] if tried_count % 2 else [row[1], row[2]]) if tried_count else []
            cut = as_utc(now) - timedelta(hours=deadline_hours)  # pipeline.is_overdue: past completed + deadline
            # Who is waiting: the leads with contact details and no attempt, with their status, from their index
            # (MATERIALIZED: else a planner may start from the many new leads through the status index).
            untried = (select(Screening.completed_at.label("completed"), Screening.review_status.label("status"))
                       .where(Screening.has_contact.is_(True), Screening.first_attempt_at.is_(None),
                              Screening.completed_at.is_not(None))
                       .cte("untried").prefix_with("MATERIALIZED"))
            waiting, overdue = session.execute(
                select(func.count(), func.coalesce(func.sum(case((untried.c.completed < cut, 1), else_=0)), 0))
                .where(untried.c.status == ReviewStatus.NEW.value)
            ).one()
        median = (statistics.mean(max(0.0, float(seconds)) for seconds in middle) / 3600) if middle else None
        return FirstContact(deadline_hours, tried_count, int(row[3]), median,
                            tuple(int(count) for count in row[4:]), int(waiting), int(overdue))

    def lead_counts(self) -> LeadCounts:
        """The funnel from the first message to enrolment and the leads per channel, counted together: the
        screenings are counted per channel and contact details in one pass of an index."""
        with self._reading("counting the funnel") as session:
            started = session.execute(select(func.count()).select_from(ConversationStart)).scalar_one()
            rows = session.execute(
                select(Screening.channel, Screening.has_contact, func.count(), func.count(Screening.completed_at))
                .group_by(Screening.channel, Screening.has_contact)).all()
            progress = progress_counts(session)
        per_channel: dict[str, list[int]] = {}
        consented = 0
        for channel, has_contact, screenings, completed in rows:
            consented += screenings
            counted = per_channel.setdefault(channel, [0, 0])
            counted[0] += completed
            counted[1] += completed if has_contact else 0
        counts = {
            "started": started,
            "consented": consented,
            "completed": sum(done for done, _ in per_channel.values()),
            "left_contact": sum(with_contact for _, with_contact in per_channel.values()),
            **progress,
        }
        channels = [*CHANNELS, *sorted(set(per_channel) - set(CHANNELS))]
        return LeadCounts(
            funnel=tuple((step, counts[step]) for step in FUNNEL_STEPS),
            per_channel=tuple((channel, *per_channel.get(channel, (0, 0))) for channel in channels),
        )

    def screen_failures(self) -> ScreenFailures:
        """Why leads now marked not eligible failed screening, and the criteria that failed."""
        with self._reading("counting screen failures") as session:
            # Counted by the database per reason and list of failed criteria (a few dozen rows, not one per lead).
            rows = session.execute(
                select(Screening.screen_failure_reason, Screening.failed_criteria, func.count())
                .where(Screening.completed_at.is_not(None), Screening.review_status == ReviewStatus.REJECTED.value)
                .group_by(Screening.screen_failure_reason, Screening.failed_criteria)
            ).all()
        reasons = dict.fromkeys(SCREEN_FAILURE_REASONS, 0)
        unrecorded = 0
        criteria: dict[str, int] = {}
        for reason, failed, count in rows:
            if reason in reasons:
                reasons[reason] += count
            else:
                unrecorded += count
            for check_id in {c.strip() for c in (failed or "").split(",") if c.strip()}:
                criteria[check_id] = criteria.get(check_id, 0) + count
        listed = list(reasons.items()) + ([(UNRECORDED_REASON, unrecorded)] if unrecorded else [])
        ranked = sorted(criteria.items(), key=lambda item: (-item[1], item[0]))
        return ScreenFailures(sum(count for *_, count in rows), tuple(listed), tuple(ranked))


def furthest_steps(statuses: Iterable[str]) -> int:
    """The furthest index in pipeline.PROGRESS that any of `statuses` reached (-1: none)."""
    return max((PROGRESS.index(s) for s in statuses if s in PROGRESS), default=-1)


def progress_counts(session: Session) -> dict[str, int]:
    """Completed leads that reached each step of STEP_STATUS, by their current status, their status
    history, or (for "contacted") a contact attempt that reached the patient.

    As `furthest_steps` for each lead: the furthest step of its current status and history, a reached
    attempt counting as "contacted", is stored on the screening and kept current by every write that
    changes it (bot/leads/lead_facts.py); the database counts the leads per step through an index.
    """
    contacted_index = PROGRESS.index(ReviewStatus.CONTACTED.value)
    per_step = dict(session.execute(
        select(Screening.furthest_step, func.count())
        .where(Screening.furthest_step >= contacted_index, Screening.completed_at.is_not(None))
        .group_by(Screening.furthest_step)
    ).all())
    names = ["contacted", *STEP_STATUS]
    indexes = [contacted_index, *(PROGRESS.index(status) for status in STEP_STATUS.values())]
    return {name: sum(count for step, count in per_step.items() if step >= index)
            for name, index in zip(names, indexes, strict=True)}
