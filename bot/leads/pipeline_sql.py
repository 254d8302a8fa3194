"""The pipeline's "overdue", "call-back due", "needs action" and "needs action first" rules as SQL,
so the database filters, sorts and counts 100,000 leads instead of Python reading each one.

These are the rules of bot/leads/pipeline.py (`is_overdue`, `callback_due`, `urgency`,
`needs_action_key`), written once more as SQLAlchemy expressions over the screening's columns and
its stored facts (has_contact, first_attempt_at, last_attempt_at: bot/leads/lead_facts.py). The
Python functions stay the definition; tests/leads/test_pipeline_sql.py runs both on one table of
cases with a fixed clock, on SQLite and PostgreSQL, and fails when they disagree. Change one, change
the other.

Moments are compared column to column or to a bound UTC moment computed here, never with date
arithmetic in SQL, so SQLite (text) and PostgreSQL (timestamptz) read them alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, case, func, not_, or_

from bot.leads.models import ReviewStatus, Screening
from bot.leads.pipeline import CLOSED_STATUSES, OPEN_STATUSES, Urgency

NEW = ReviewStatus.NEW.value


@dataclass(frozen=True)
class Clock:
    """The moment the rules are measured against and the contact deadline, as bound values."""

    now: datetime
    deadline_hours: int

    @property
    def utc_now(self) -> datetime:
        return self.now.astimezone(timezone.utc)

    @property
    def deadline_cut(self) -> datetime:
        """Leads completed before this moment are past their contact deadline (pipeline.contact_deadline)."""
        return self.utc_now - timedelta(hours=self.deadline_hours)


def completed_at() -> Any:
    """pipeline.LeadState.completed_at: the completion, or the start for an unfinished screening."""
    return func.coalesce(Screening.completed_at, Screening.started_at)


def is_overdue(clock: Clock) -> Any:
    """pipeline.is_overdue: contact details, still new, never tried, past the deadline (strictly)."""
    return and_(
        Screening.has_contact.is_(True),
        Screening.review_status == NEW,
        Screening.first_attempt_at.is_(None),
        completed_at() < clock.deadline_cut,
    )


def callback_due(clock: Clock) -> Any:
    """pipeline.callback_due: a call-back time has come, open lead, no attempt since it was due."""
    return and_(
        Screening.callback_at.is_not(None),
        Screening.review_status.in_(OPEN_STATUSES),
        Screening.callback_at <= clock.utc_now,
        or_(Screening.last_attempt_at.is_(None), Screening.last_attempt_at < Screening.callback_at),
    )


def visit_passed(clock: Clock) -> Any:
    """pipeline.urgency's VISIT_PASSED: a booked visit whose date has come."""
    return and_(
        Screening.review_status == ReviewStatus.VISIT_BOOKED.value,
        Screening.visit_at.is_not(None),
        Screening.visit_at <= clock.utc_now,
    )


def urgency(clock: Clock) -> Any:
    """pipeline.urgency as an integer (pipeline.Urgency's values), the same checks in the same order."""
    return case(
        (Screening.review_status.in_(CLOSED_STATUSES), int(Urgency.CLOSED)),
        (is_overdue(clock), int(Urgency.OVERDUE)),
        (callback_due(clock), int(Urgency.CALLBACK_DUE)),
        (visit_passed(clock), int(Urgency.VISIT_PASSED)),
        (not_(Screening.has_contact.is_(True)), int(Urgency.NO_CONTACT)),
        (Screening.review_status == NEW, int(Urgency.NEW)),
        else_=int(Urgency.OPEN),
    )


def needs_action(clock: Clock) -> Any:
    """pipeline.needs_action: overdue, a call-back due, or a booked visit's date passed (and not closed)."""
    return and_(
        Screening.review_status.not_in(CLOSED_STATUSES),
        or_(is_overdue(clock), callback_due(clock), visit_passed(clock)),
    )


def needs_action_order(clock: Clock, descending: bool = False) -> list[Any]:
    """ORDER BY for "needs action first": pipeline.needs_action_key, then the lead's id.

    The key's moment is the call-back, the contact deadline, the visit or the completion depending on
    the urgency. The deadline is completion + a constant, so within its urgency (OVERDUE and NEW use
    nothing else) ordering by the completion gives the same order without date arithmetic in SQL.
    """
    level = urgency(clock)
    moment = case(
        (level == int(Urgency.CALLBACK_DUE), Screening.callback_at),
        (level.in_((int(Urgency.OVERDUE), int(Urgency.NEW))), completed_at()),
        (and_(level == int(Urgency.OPEN), Screening.callback_at.is_not(None)), Screening.callback_at),
        (level == int(Urgency.VISIT_PASSED), Screening.visit_at),
        else_=completed_at(),
    )
    columns = [level, moment, Screening.id]
    return [c.desc() for c in columns] if descending else [c.asc() for c in columns]



# "Needs action first" one urgency at a time, for a page: each level's rows are found through an index
# by a condition every completed screening at that level meets (its hint), ordered by that level's
# moment; the full CASE above is then checked only on those rows. Tested with the rules above.
LEVELS = tuple(sorted(Urgency))


def level_hint(level: Urgency, clock: Clock) -> Any:
    """A condition that every completed screening at `level` meets (not enough on its own)."""
    contact = Screening.has_contact.is_(True)
    return {
        Urgency.OVERDUE: and_(Screening.review_status == NEW, contact, Screening.first_attempt_at.is_(None),
                              Screening.completed_at < clock.deadline_cut),
        Urgency.CALLBACK_DUE: Screening.callback_at <= clock.utc_now,
        Urgency.VISIT_PASSED: Screening.review_status == ReviewStatus.VISIT_BOOKED.value,
        Urgency.NEW: and_(Screening.review_status == NEW, contact),
        Urgency.OPEN: and_(Screening.review_status.not_in((*CLOSED_STATUSES, NEW)), contact),
        Urgency.NO_CONTACT: not_(contact),
        Urgency.CLOSED: Screening.review_status.in_(CLOSED_STATUSES),
    }[level]


def level_moment(level: Urgency) -> Any:
    """pipeline.needs_action_key's moment for completed leads at `level` (the deadline as the completion:
    the same order), a plain column where it can be, so an index gives the order."""
    if level is Urgency.CALLBACK_DUE:
        return Screening.callback_at
    if level is Urgency.VISIT_PASSED:
        return Screening.visit_at
    if level is Urgency.OPEN:
        return func.coalesce(Screening.callback_at, Screening.completed_at)
    return Screening.completed_at


def at_level(level: Urgency, clock: Clock) -> list[Any]:
    """WHERE for the screenings at `level`: its hint (for the index) and the rule itself."""
    return [level_hint(level, clock), urgency(clock) == int(level)]
