"""Facts stored on each screening so the database can apply the pipeline's rules (bot/leads/pipeline_sql.py):
whether it has usable contact details, its first and last contact attempt, the wait from completing the
prescreen to the first attempt (the metrics' time to first contact, counted and its median read through an
index), the furthest step of the way to enrolment it reached (the funnel's counts: metrics.progress_counts),
its coordinator's decision on eligibility and its number of criterion verdicts (the agreement's figures:
bot/leads/stats.py); and a copy of its contact's name sort group (bot/leads/name_order.py), which the
contact row keeps and the sort by name reads here.

They are copies of what other rows say, kept current by the writes that change those rows, each
through `refresh` in its own transaction: a prescreen completed and contact details saved
(screenings.py), a contact attempt logged (pipeline_store.py), a review status set (review.py), contact
details purged (retention.py). Erasure deletes the screening with everything. Migrations 0009 and 0010
computed them once for existing databases, with the same SQL (0011 the name groups, 0012 the waits, the
decisions and the verdicts); `stale` lists the leads whose stored facts differ from their rows (the
tests' check).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session

from bot.leads import name_search
from bot.leads.crypto import FieldCipher
from bot.leads.models import Contact, ContactAttempt, CriterionResultRow, Screening, StatusChange
from bot.leads.pipeline import DECIDED_STATUSES, PROGRESS, REACHED_OUTCOMES


def _has_contact() -> Any:
    """Contact details someone can use: a phone, an e-mail or a WeChat ID (records.LeadRecord.has_contact)."""
    return exists().where(
        Contact.screening_id == Screening.id,
        or_(Contact.phone_encrypted.is_not(None), Contact.email_encrypted.is_not(None),
            Contact.wechat_encrypted.is_not(None)),
    )


def _first_attempt() -> Any:
    return select(func.min(ContactAttempt.at)).where(ContactAttempt.screening_id == Screening.id).scalar_subquery()


def seconds_between(session: Session, later: Any, earlier: Any) -> Any:
    """`later - earlier` in seconds as the database computes it (SQLite: to the millisecond)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.round((func.julianday(later) - func.julianday(earlier)) * 86_400_000) / 1000.0
    return func.extract("epoch", later - earlier)


def _first_wait(session: Session) -> Any:
    """Seconds from completing the prescreen to the first contact attempt (NULL: not completed, or never tried)."""
    return seconds_between(session, _first_attempt(), Screening.completed_at)


def _last_attempt() -> Any:
    return select(func.max(ContactAttempt.at)).where(ContactAttempt.screening_id == Screening.id).scalar_subquery()


CONTACTED_STEP = PROGRESS.index("contacted")


def step_of(status: Any) -> Any:
    """A status's index in pipeline.PROGRESS, for the steps after "new" (-1 for "new" and closed statuses)."""
    return case({status: PROGRESS.index(status) for status in PROGRESS[1:]}, value=status, else_=-1)


def _name_group() -> Any:
    """The contact's name sort group (NULL: no contact, or its group not computed yet)."""
    return select(Contact.name_group).where(Contact.screening_id == Screening.id).scalar_subquery()


def _furthest_step() -> Any:
    """metrics.furthest_steps of the lead's status now and its history, a reached attempt counting as contacted."""
    history = func.coalesce(select(func.max(step_of(StatusChange.status)))
                            .where(StatusChange.screening_id == Screening.id).scalar_subquery(), -1)
    now = step_of(Screening.review_status)
    statuses = case((history > now, history), else_=now)
    reached = exists().where(ContactAttempt.screening_id == Screening.id, ContactAttempt.outcome.in_(REACHED_OUTCOMES))
    return case((and_(statuses < CONTACTED_STEP, reached), CONTACTED_STEP), else_=statuses)


def _decision() -> Any:
    """The coordinator's decision on the lead's eligibility: its status now if that is one of
    pipeline.DECIDED_STATUSES, else the newest of those in its status history (a lead confirmed eligible who
    then declined the study was still judged eligible); NULL: never decided."""
    newest = (select(StatusChange.status)
              .where(StatusChange.screening_id == Screening.id, StatusChange.status.in_(DECIDED_STATUSES))
              .order_by(StatusChange.changed_at.desc(), StatusChange.id.desc()).limit(1).scalar_subquery())
    return case((Screening.review_status.in_(DECIDED_STATUSES), Screening.review_status), else_=newest)


def _verdicts() -> Any:
    """The lead's criterion verdicts (the bot's, one per criterion it scored)."""
    return select(func.count()).where(CriterionResultRow.screening_id == Screening.id).scalar_subquery()


def refresh(session: Session, screening_ids: Iterable[int] | None = None) -> None:
    """Recompute the stored facts of these screenings (None: of every screening) from their rows."""
    statement = update(Screening).values(
        has_contact=_has_contact(), first_attempt_at=_first_attempt(), last_attempt_at=_last_attempt(),
        first_wait_s=_first_wait(session), furthest_step=_furthest_step(), decision=_decision(),
        verdicts=_verdicts(), name_group=_name_group(),
    )
    if screening_ids is not None:
        ids = sorted(set(screening_ids))
        if not ids:
            return
        statement = statement.where(Screening.id.in_(ids))
    # updated_at stays: these columns are a cache, not a change to the lead.
    statement = statement.values(updated_at=Screening.updated_at)
    session.execute(statement.execution_options(synchronize_session=False))


def fill_name_groups(session: Session, cipher: FieldCipher) -> int:
    """Compute the name facts (sort group, search hashes: bot/leads/name_search.py) of contacts that have none
    yet (after migrations 0009 and 0010, which have no key), and copy the new groups to their screenings."""
    filled = name_search.fill(session, cipher)
    if filled:
        group = _name_group()
        session.execute(update(Screening).where(Screening.name_group.is_distinct_from(group))
                        .values(name_group=group, updated_at=Screening.updated_at)
                        .execution_options(synchronize_session=False))
    return filled


def refresh_all(session: Session, cipher: FieldCipher | None = None) -> None:
    """Every screening's facts, and (with the key) every missing name group: after a bulk import."""
    refresh(session)
    if cipher is not None:
        fill_name_groups(session, cipher)


def stale(session: Session) -> list[int]:
    """Ids of screenings whose stored facts differ from what their rows say (empty when all is well)."""
    has = _has_contact()
    first, last, wait = _first_attempt(), _last_attempt(), _first_wait(session)
    differs = or_(
        Screening.has_contact != has,
        and_(Screening.first_attempt_at.is_(None), first.is_not(None)),
        and_(Screening.first_attempt_at.is_not(None), or_(first.is_(None), Screening.first_attempt_at != first)),
        and_(Screening.last_attempt_at.is_(None), last.is_not(None)),
        and_(Screening.last_attempt_at.is_not(None), or_(last.is_(None), Screening.last_attempt_at != last)),
        # The wait within a millisecond: PostgreSQL works it out as a numeric and stores a double.
        and_(Screening.first_wait_s.is_(None), wait.is_not(None)),
        and_(Screening.first_wait_s.is_not(None), or_(wait.is_(None), func.abs(Screening.first_wait_s - wait) > 0.001)),
        Screening.furthest_step != _furthest_step(),
        Screening.decision.is_distinct_from(_decision()),
        Screening.verdicts != _verdicts(),
        Screening.name_group.is_distinct_from(_name_group()),
    )
    return list(session.execute(select(Screening.id).where(differs).order_by(Screening.id)).scalars())
