"""The outbox: which notifications to queue, which are due, and what each attempt gave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.leads import pipeline_sql as rules
from bot.leads.database import Database
from bot.leads.models import Contact, Notification, NotificationAttempt, Screening
from bot.leads.pipeline import OPEN_STATUSES, Urgency, as_utc
from bot.notify.config import NotifyConfig
from bot.notify.messages import DigestLeads, LeadRef, Message

PENDING, SENT, FAILED = "pending", "sent", "failed"
SUMMARISED = "summarised"  # a lead's message that went out in a summary instead of on its own
MAX_BACKOFF = timedelta(minutes=60)


def aware(moment: datetime) -> datetime:
    """A stored moment as UTC (SQLite hands it back without a time zone)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 1, 2, 4 … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)


def lead_key(screening_id: int) -> str:
    return f"lead:{screening_id}"


def _lead_refs(database: Database, *conditions: object) -> list[LeadRef]:
    """Completed screenings with contact details matching the conditions, oldest first."""
    query = (
        select(Screening.id, Screening.reference_code, Screening.provisional_status, Screening.completed_at)
        .join(Contact, Contact.screening_id == Screening.id)
        .where(Screening.completed_at.is_not(None), *conditions)
        .order_by(Screening.completed_at, Screening.id)
    )
    with database.session() as session:
        return [
            LeadRef(row.id, row.reference_code or f"#{row.id}", row.provisional_status or "", aware(row.completed_at))
            for row in session.execute(query)
        ]


def _not_queued() -> object:
    queued = select(Notification.id).where(Notification.kind == "lead", Notification.screening_id == Screening.id)
    return ~queued.exists()


def leads_to_announce(database: Database, config: NotifyConfig, now: datetime) -> list[LeadRef]:
    """Leads not yet queued, completed within NOTIFY_BACKLOG_MINUTES, with a status the team asked for."""
    return _lead_refs(
        database,
        Screening.completed_at >= now - config.backlog,
        Screening.provisional_status.in_(config.statuses),
        _not_queued(),
    )


def backlog_leads(database: Database, config: NotifyConfig, now: datetime) -> list[LeadRef]:
    """Leads never queued that completed longer ago than NOTIFY_BACKLOG_MINUTES: notifications were off
    (or the notifier stopped) when they came. They go into one summary: switching notifications on must
    not send one message per old lead."""
    return _lead_refs(
        database,
        Screening.completed_at < now - config.backlog,
        Screening.provisional_status.in_(config.statuses),
        _not_queued(),
    )


Stale = list[tuple[int, "LeadRef | None"]]  # (screening id, the lead; None when it was erased since)


def stale_pending(database: Database, config: NotifyConfig, now: datetime) -> dict[str, Stale]:
    """Per channel, lead messages still waiting (the mail server or webhook was down) that were queued
    longer ago than NOTIFY_BACKLOG_MINUTES and are due: (screening id, the lead, None when since erased)."""
    query = (
        select(Notification.channel, Notification.screening_id, Screening.reference_code,
               Screening.provisional_status, Screening.completed_at)
        .outerjoin(Screening, Screening.id == Notification.screening_id)
        .where(Notification.kind == "lead", Notification.status == PENDING,
               Notification.created_at < now - config.backlog, Notification.next_attempt_at <= now)
        .order_by(Notification.created_at, Notification.id)
    )
    found: dict[str, Stale] = {}
    with database.session() as session:
        for row in session.execute(query):
            lead = None
            if row.completed_at is not None:
                lead = LeadRef(row.screening_id, row.reference_code or f"#{row.screening_id}",
                               row.provisional_status or "", aware(row.completed_at))
            found.setdefault(row.channel, []).append((row.screening_id, lead))
    return found


def summarise(database: Database, config: NotifyConfig, channel: str, lead_subjects: dict[int, str],
              summary: Message, now: datetime) -> int:
    """Queue one summary on `channel` and mark each lead's own message as summarised (made so if it was
    never queued), in one transaction: no lead is then sent on its own as well. Returns 1, or 0 when
    another notifier did it first."""
    key = f"summary:{now.astimezone(timezone.utc):%Y%m%dT%H%M%S}:{min(lead_subjects)}"
    try:
        with database.transaction() as session:
            for screening_id, subject in lead_subjects.items():
                own = session.execute(select(Notification).where(
                    Notification.dedupe_key == lead_key(screening_id), Notification.channel == channel)).scalar()
                if own is None:
                    session.add(Notification(
                        dedupe_key=lead_key(screening_id), kind="lead", channel=channel, screening_id=screening_id,
                        subject=subject, body="", status=SUMMARISED, attempts=0, next_attempt_at=now,
                        created_at=now,
                    ))
                elif own.status == PENDING:
                    own.status = SUMMARISED
            session.add(Notification(
                dedupe_key=key, kind="summary", channel=channel, subject=summary.subject,
                body=summary.body_for(channel, config.webhook_format), status=PENDING, attempts=0,
                next_attempt_at=now, created_at=now,
            ))
        return 1
    except IntegrityError:
        return 0


def queue(database: Database, config: NotifyConfig, key: str, kind: str, message: Message, now: datetime,
          screening_id: int | None = None) -> int:
    """Queue a message on every configured channel, once per key; returns how many rows were added."""
    added = 0
    for channel in config.channels:
        try:
            with database.transaction() as session:
                exists = session.execute(
                    select(Notification.id).where(Notification.dedupe_key == key, Notification.channel == channel)
                ).first()
                if exists:
                    continue
                session.add(Notification(
                    dedupe_key=key, kind=kind, channel=channel, screening_id=screening_id, subject=message.subject,
                    body=message.body_for(channel, config.webhook_format), status=PENDING, attempts=0,
                    next_attempt_at=now, created_at=now,
                ))
            added += 1
        except IntegrityError:  # queued by another notifier in the meantime: the unique key did its job
            continue
    return added


def digest_due(database: Database, config: NotifyConfig, now: datetime) -> str | None:
    """Today's digest key once the local digest time has passed and it is not queued yet, else None."""
    if config.digest_time is None or not config.channels:
        return None
    local_now = now.astimezone(config.timezone)
    if local_now.time() < config.digest_time:
        return None
    key = f"digest:{local_now.date().isoformat()}"
    with database.session() as session:
        if session.execute(select(Notification.id).where(Notification.dedupe_key == key)).first():
            return None
    return key


def last_digest_at(database: Database) -> datetime | None:
    with database.session() as session:
        moment = session.execute(
            select(func.max(Notification.created_at)).where(Notification.kind == "digest")
        ).scalar()
    return aware(moment) if moment else None


def digest_leads(database: Database, config: NotifyConfig, since: datetime, now: datetime) -> DigestLeads:
    """New leads since the last digest; leads past the contact deadline and call-backs due by the end of
    today, as the pipeline's rules (bot.leads.pipeline) define them.

    The database picks the overdue leads and the call-backs due with the same rules written as SQL
    (bot/leads/pipeline_sql.py, tested to agree with the Python ones), so only those leads are read.
    """
    new = _lead_refs(database, Screening.completed_at > since, Screening.completed_at <= now)
    local_now = now.astimezone(config.timezone)
    tomorrow = datetime.combine(local_now.date() + timedelta(days=1), time(0), tzinfo=config.timezone)
    end_of_today = tomorrow - timedelta(microseconds=1)
    clock, by_tonight = rules.Clock(now, config.deadline_hours), rules.Clock(end_of_today, config.deadline_hours)
    overdue = _open_leads(database, rules.level_hint(Urgency.OVERDUE, clock), rules.is_overdue(clock))
    callbacks = _open_leads(database, rules.callback_due(by_tonight))
    callbacks.sort(key=lambda lead: (lead.callback_at or lead.completed_at, lead.screening_id))
    return DigestLeads(new, overdue, callbacks)


def overdue_count(database: Database, deadline_hours: int, now: datetime) -> int:
    """Leads past the contact deadline with no contact attempt (the digest's and the lead list's rule)."""
    clock = rules.Clock(now, deadline_hours)
    with database.session() as session:
        return int(session.execute(
            select(func.count(Screening.id)).where(Screening.completed_at.is_not(None), *_with_contact(),
                                                   rules.level_hint(Urgency.OVERDUE, clock), rules.is_overdue(clock))
        ).scalar_one())


def _with_contact() -> list[object]:
    """Open leads with contact details (the stored fact: a phone, an e-mail or a WeChat ID; bot/leads/lead_facts.py)."""
    return [Screening.has_contact.is_(True), Screening.review_status.in_(OPEN_STATUSES)]


def _open_leads(database: Database, *conditions: object) -> list[LeadRef]:
    """Open completed leads with contact details matching the conditions, oldest first."""
    query = (
        select(Screening.id, Screening.reference_code, Screening.provisional_status, Screening.completed_at,
               Screening.callback_at)
        .where(Screening.completed_at.is_not(None), *_with_contact(), *conditions)
        .order_by(Screening.completed_at, Screening.id)
    )
    with database.session() as session:
        rows = session.execute(query).all()
    return [LeadRef(row.id, row.reference_code or f"#{row.id}", row.provisional_status or "",
                    aware(row.completed_at), as_utc(row.callback_at)) for row in rows]


@dataclass(frozen=True)
class Pending:
    """A notification due for sending: what the sender needs, detached from the session."""

    id: int
    channel: str
    subject: str
    body: str
    attempts: int


def due(database: Database, now: datetime, limit: int = 50) -> list[Pending]:
    query = (
        select(Notification)
        .where(Notification.status == PENDING, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    with database.session() as session:
        return [Pending(n.id, n.channel, n.subject, n.body, n.attempts) for n in session.execute(query).scalars()]


def record_attempt(database: Database, config: NotifyConfig, notification_id: int, now: datetime,
                   error: str | None) -> str:
    """Store one attempt and its outcome; schedule the next or give up. Returns the new status."""
    with database.transaction() as session:
        notification = session.get(Notification, notification_id)
        notification.attempts += 1
        session.add(NotificationAttempt(notification_id=notification_id, at=now, succeeded=error is None,
                                        error=error))
        if error is None:
            notification.status, notification.sent_at, notification.last_error = SENT, now, None
        else:
            notification.last_error = error
            if notification.attempts >= config.max_attempts:
                notification.status = FAILED
            else:
                notification.next_attempt_at = now + backoff(notification.attempts)
        return str(notification.status)


@dataclass(frozen=True)
class NotificationRow:
    """A notification as the coordinator app lists it (no message body: nothing personal, but not needed)."""

    id: int
    kind: str
    channel: str
    screening_id: int | None
    reference_code: str | None
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


def recent(database: Database, limit: int = 100) -> list[NotificationRow]:
    """The newest notifications, for the coordinator app's read-only page."""
    query = (
        select(Notification, Screening.reference_code)
        .outerjoin(Screening, Screening.id == Notification.screening_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    with database.session() as session:
        return [
            NotificationRow(
                n.id, n.kind, n.channel, n.screening_id, code, n.subject, n.status, n.attempts, n.last_error,
                aware(n.created_at), aware(n.next_attempt_at), aware(n.sent_at) if n.sent_at else None,
            )
            for n, code in session.execute(query)
        ]
