"""The way from lead to enrolment, as rules: contact attempts, statuses, deadlines, what needs action.

Pure Python (no database): the store (`bot/leads/pipeline_store.py`), the coordinator app, the
digest and the metrics all ask these functions, so "overdue" or "unreachable" means one thing.

    new ─► contacted ─► confirmed (eligible on the records) ─► visit_booked ─► consented ─► enrolled
     │        │                 closed at any step: rejected (not eligible, with a reason),
     └────────┴──────────────── unreachable, not_interested, withdrawn

A contact attempt moves the status on its own only where the outcome leaves no doubt: the first
time the patient is reached a new lead becomes "contacted"; "declined" makes an open lead "not
interested"; the configured number of attempts without ever reaching the patient makes a new lead
"unreachable", and reaching them later reopens it. Every other change is the coordinator's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import IntEnum

from bot.leads.models import ReviewStatus

CHANNELS = ("phone", "sms", "wechat", "email")
OUTCOMES = ("reached", "no_answer", "left_message", "wrong_number", "declined")
REACHED_OUTCOMES = ("reached", "declined")  # the patient was on the line (or wrote back)
MAX_ATTEMPT_NOTE_CHARS = 500

# Why a screening failed, as the study reports it (a fixed list, so the metrics can count them).
SCREEN_FAILURE_REASONS = (
    "inclusion_not_met",  # an inclusion criterion not met on the records
    "exclusion_met",  # an exclusion criterion met on the records
    "ctdna_negative",  # no ctDNA-positive minimal residual disease
    "cea_negative",  # tumour not CEA-positive
    "lab_values",  # blood counts, liver or kidney function out of range
    "imaging",  # imaging shows disease outside the study's scope
    "other_condition",  # another illness or treatment that rules the patient out
    "investigator_decision",
    "other",
)

OPEN_STATUSES = (
    ReviewStatus.NEW.value, ReviewStatus.CONTACTED.value, ReviewStatus.CONFIRMED.value,
    ReviewStatus.VISIT_BOOKED.value, ReviewStatus.CONSENTED.value,
)
CLOSED_STATUSES = (
    ReviewStatus.ENROLLED.value, ReviewStatus.REJECTED.value, ReviewStatus.UNREACHABLE.value,
    ReviewStatus.NOT_INTERESTED.value, ReviewStatus.WITHDRAWN.value,
)
# The steps of the funnel, in order: a lead at a later step has passed the earlier ones.
PROGRESS = (
    ReviewStatus.NEW.value, ReviewStatus.CONTACTED.value, ReviewStatus.CONFIRMED.value,
    ReviewStatus.VISIT_BOOKED.value, ReviewStatus.CONSENTED.value, ReviewStatus.ENROLLED.value,
)
# Statuses that record the coordinator's decision on eligibility (for the bot/coordinator agreement).
ELIGIBLE_DECIDED = (
    ReviewStatus.CONFIRMED.value, ReviewStatus.VISIT_BOOKED.value, ReviewStatus.CONSENTED.value,
    ReviewStatus.ENROLLED.value,
)
DECIDED_STATUSES = (*ELIGIBLE_DECIDED, ReviewStatus.REJECTED.value)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored moment as an aware UTC datetime (SQLite hands back naive UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def criteria_list(stored: str | None) -> list[str]:
    """Failed criteria as stored (comma-separated check ids), as a list."""
    return [part for part in (stored or "").split(",") if part]


def criteria_text(check_ids: Sequence[str]) -> str:
    """Failed criteria as stored: unique check ids, in the order given, comma-separated."""
    return ",".join(dict.fromkeys(c.strip() for c in check_ids if c.strip()))


class PipelineError(ValueError):
    """A pipeline change that cannot be made; `code` names the reason for the app to translate."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Attempt:
    """A contact attempt as the rules need it."""

    at: datetime
    channel: str
    outcome: str


def check_attempt(channel: str, outcome: str, note: str, at: datetime, now: datetime) -> str:
    """The attempt's note, tidied; PipelineError when the attempt cannot be logged."""
    if channel not in CHANNELS:
        raise PipelineError("channel", f"channel must be one of: {', '.join(CHANNELS)}")
    if outcome not in OUTCOMES:
        raise PipelineError("outcome", f"outcome must be one of: {', '.join(OUTCOMES)}")
    if at > now + timedelta(minutes=5):  # a little slack for clocks; an attempt is logged after it happened
        raise PipelineError("future", "a contact attempt cannot be in the future")
    note = " ".join(note.split())
    if len(note) > MAX_ATTEMPT_NOTE_CHARS:
        raise PipelineError("note_length", f"the note is too long (at most {MAX_ATTEMPT_NOTE_CHARS} characters)")
    return note


def status_after_attempt(status: str, attempts: Sequence[Attempt], unreachable_after: int) -> str | None:
    """The status a lead moves to after its newest attempt (the last in `attempts`), or None to stay.

    `attempts` are all the lead's attempts, oldest first, the new one included.
    """
    if not attempts:
        return None
    outcome = attempts[-1].outcome
    if outcome == "declined" and status in OPEN_STATUSES:
        return ReviewStatus.NOT_INTERESTED.value
    if outcome == "reached" and status in (ReviewStatus.NEW.value, ReviewStatus.UNREACHABLE.value):
        return ReviewStatus.CONTACTED.value
    never_reached = not any(a.outcome in REACHED_OUTCOMES for a in attempts)
    if status == ReviewStatus.NEW.value and never_reached and len(attempts) >= unreachable_after:
        return ReviewStatus.UNREACHABLE.value
    return None


def automatic_note(status: str, attempts: Sequence[Attempt]) -> str:
    """The review trail's note for a status a contact attempt set (staff-facing, no personal data)."""
    latest = attempts[-1]
    if status == ReviewStatus.UNREACHABLE.value:
        return f"after {len(attempts)} attempts without reaching the patient"
    if status == ReviewStatus.NOT_INTERESTED.value:
        return f"the patient declined (attempt {len(attempts)}, {latest.channel})"
    return f"the patient was reached (attempt {len(attempts)}, {latest.channel})"


def check_callback(callback_at: datetime, now: datetime) -> None:
    """PipelineError for a call-back time already past (a little slack for the time it takes to type it)."""
    if callback_at < now - timedelta(minutes=5):
        raise PipelineError("callback_past", "a call-back time must be in the future")


def check_status_change(
    status: str, visit_at: datetime | None, reason: str | None, failed_criteria: Sequence[str],
    known_criteria: Sequence[str],
) -> None:
    """PipelineError when a status change lacks what it needs: a visit date, a screen-failure reason."""
    if status not in {s.value for s in ReviewStatus}:
        raise PipelineError("status", "unknown status")
    if status == ReviewStatus.VISIT_BOOKED.value and visit_at is None:
        raise PipelineError("visit_date", "a booked screening visit needs its date")
    if status == ReviewStatus.REJECTED.value:
        if reason not in SCREEN_FAILURE_REASONS:
            raise PipelineError("failure_reason", "choose why screening failed")
        unknown = [c for c in failed_criteria if c not in known_criteria]
        if unknown:
            raise PipelineError("criteria", f"unknown criteria: {', '.join(unknown)}")
    elif reason or failed_criteria:
        raise PipelineError("failure_reason", "a screen-failure reason goes only with “not eligible”")


def contact_deadline(completed_at: datetime, deadline_hours: int) -> datetime:
    return completed_at + timedelta(hours=deadline_hours)


@dataclass(frozen=True)
class LeadState:
    """What the deadline and "needs action" rules read from a lead."""

    review_status: str
    completed_at: datetime
    has_contact: bool  # the patient left a phone, WeChat or e-mail and agreed to be contacted
    first_attempt_at: datetime | None
    last_attempt_at: datetime | None
    callback_at: datetime | None
    visit_at: datetime | None


def is_overdue(lead: LeadState, now: datetime, deadline_hours: int) -> bool:
    """Not yet tried within the deadline: a lead with contact details, still new, no attempt logged."""
    return (
        lead.has_contact
        and lead.review_status == ReviewStatus.NEW.value
        and lead.first_attempt_at is None
        and now > contact_deadline(lead.completed_at, deadline_hours)
    )


def callback_due(lead: LeadState, now: datetime) -> bool:
    """A call-back time has come and no attempt was logged since it was due."""
    return (
        lead.callback_at is not None
        and lead.review_status in OPEN_STATUSES
        and lead.callback_at <= now
        and (lead.last_attempt_at is None or lead.last_attempt_at < lead.callback_at)
    )


class Urgency(IntEnum):
    """Why a lead is where it is in the "needs action first" order (lower comes first)."""

    OVERDUE = 0  # past the contact deadline, never tried
    CALLBACK_DUE = 1  # a call-back time has come
    VISIT_PASSED = 2  # the booked visit's date has passed: record consent or what happened
    NEW = 3  # new, within its deadline
    OPEN = 4  # in progress, nothing due
    NO_CONTACT = 5  # no contact details: nothing to do but review
    CLOSED = 6  # enrolled or closed


def urgency(lead: LeadState, now: datetime, deadline_hours: int) -> Urgency:
    if lead.review_status in CLOSED_STATUSES:
        return Urgency.CLOSED
    if is_overdue(lead, now, deadline_hours):
        return Urgency.OVERDUE
    if callback_due(lead, now):
        return Urgency.CALLBACK_DUE
    if lead.review_status == ReviewStatus.VISIT_BOOKED.value and lead.visit_at is not None and lead.visit_at <= now:
        return Urgency.VISIT_PASSED
    if not lead.has_contact:
        return Urgency.NO_CONTACT
    if lead.review_status == ReviewStatus.NEW.value:
        return Urgency.NEW
    return Urgency.OPEN


def needs_action_key(lead: LeadState, now: datetime, deadline_hours: int) -> tuple[int, datetime]:
    """Sort key for "needs action first": by urgency, then the most pressing moment first."""
    level = urgency(lead, now, deadline_hours)
    if level is Urgency.CALLBACK_DUE and lead.callback_at is not None:
        moment = lead.callback_at
    elif level in (Urgency.OVERDUE, Urgency.NEW):
        moment = contact_deadline(lead.completed_at, deadline_hours)
    elif level is Urgency.OPEN and lead.callback_at is not None:
        moment = lead.callback_at
    elif level is Urgency.VISIT_PASSED and lead.visit_at is not None:
        moment = lead.visit_at
    else:
        moment = lead.completed_at
    return (int(level), moment)



def overdue_for(lead: LeadState, now: datetime, deadline_hours: int) -> timedelta | None:
    """How long past its contact deadline an overdue lead is (None when it is not overdue)."""
    if not is_overdue(lead, now, deadline_hours):
        return None
    return now - contact_deadline(lead.completed_at, deadline_hours)


def needs_action(lead: LeadState, now: datetime, deadline_hours: int) -> bool:
    """Something is due now: overdue, a call-back due, or a booked visit's date passed."""
    return urgency(lead, now, deadline_hours) <= Urgency.VISIT_PASSED
