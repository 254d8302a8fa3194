"""The pipeline's writes: contact attempts (and the status they move on their own) and call-backs.

Each write is one transaction with its audit entry; the rules themselves are bot/leads/pipeline.py.
Audit details carry channels, outcomes, statuses and times, never an attempt's note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from bot.leads import lead_facts
from bot.leads.base import StoreBase
from bot.leads.errors import LeadNotFound
from bot.leads.models import AuditEntry, ContactAttempt, Screening, StatusChange
from bot.leads.pipeline import (
    Attempt,
    PipelineError,
    as_utc,
    automatic_note,
    check_attempt,
    status_after_attempt,
)


@dataclass(frozen=True)
class AttemptLogged:
    """What logging a contact attempt changed."""

    attempt_id: int
    status_before: str
    status_after: str | None  # the status the attempt moved the lead to, None when it stayed
    callback_cleared: bool  # the attempt answered a call-back that was due


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise PipelineError("timezone", f"{what} needs a time zone")
    return moment.astimezone(timezone.utc)


class PipelineWrites(StoreBase):
    def log_contact_attempt(
        self, lead_id: int, at: datetime, channel: str, outcome: str, note: str, actor: str,
        now: datetime | None = None, unreachable_after: int = 3,
    ) -> AttemptLogged:
        """Store a contact attempt, apply `status_after_attempt`, and clear a call-back it answers."""
        at = _aware(at, "the attempt's time")
        now = _aware(now, "now") if now is not None else datetime.now(timezone.utc)
        note = check_attempt(channel, outcome, note, at, now)
        with self._transaction("logging a contact attempt") as session:
            screening = session.get(Screening, lead_id)
            if screening is None:
                raise LeadNotFound(f"no lead {lead_id}")
            earlier = session.execute(
                select(ContactAttempt).where(ContactAttempt.screening_id == lead_id)
                .order_by(ContactAttempt.at, ContactAttempt.id)
            ).scalars().all()
            row = ContactAttempt(screening_id=lead_id, at=at, channel=channel, outcome=outcome, note=note,
                                 actor=actor, recorded_at=now)
            session.add(row)
            # The attempt being logged is the newest event, whenever it happened: it goes last.
            attempts = [Attempt(as_utc(a.at) or at, a.channel, a.outcome) for a in earlier]
            attempts.append(Attempt(at, channel, outcome))
            before = screening.review_status
            after = status_after_attempt(before, attempts, unreachable_after)
            session.add(AuditEntry(actor=actor, action="contact_attempt", screening_id=lead_id,
                                   detail=f"{channel}, {outcome}, at {at.isoformat()}"))
            if after is not None and after != before:
                screening.review_status = after
                session.add(StatusChange(screening_id=lead_id, status=after, note=automatic_note(after, attempts),
                                         actor=actor, automatic=True, changed_at=now))
                session.add(AuditEntry(actor=actor, action="auto_status", screening_id=lead_id,
                                       detail=f"{before} -> {after} after attempt {len(attempts)}"))
            else:
                after = None
            callback = as_utc(screening.callback_at)
            cleared = callback is not None and at >= callback
            if cleared:
                screening.callback_at = None
            session.flush()
            lead_facts.refresh(session, [lead_id])
            return AttemptLogged(row.id, before, after, cleared)

    def set_callback(self, lead_id: int, callback_at: datetime | None, actor: str) -> None:
        """Set (or, with None, clear) when to call the patient back."""
        if callback_at is not None:
            callback_at = _aware(callback_at, "the call-back time")
        with self._transaction("setting a call-back") as session:
            screening = session.get(Screening, lead_id)
            if screening is None:
                raise LeadNotFound(f"no lead {lead_id}")
            screening.callback_at = callback_at
            session.add(AuditEntry(actor=actor, action="set_callback", screening_id=lead_id,
                                   detail=callback_at.isoformat() if callback_at else "cleared"))
