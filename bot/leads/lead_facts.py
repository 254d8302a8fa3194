"""Facts stored on each screening so the database can apply the pipeline's rules (bot/leads/pipeline_sql.py):
whether it has usable contact details, its first and last contact attempt, the furthest step of the way to
enrolment it reached (the funnel's counts: metrics.progress_counts); and a copy of its contact's name
sort group (bot/leads/name_order.py), which the contact row keeps and the sort by name reads here.

They are copies of what other rows say, kept current by the writes that change those rows, each
through `refresh` in its own transaction: contact details saved (screenings.py), a contact attempt
logged (pipeline_store.py), a review status set (review.py), contact details purged (retention.py).
Erasure deletes the screening with everything. Migrations 0009 and 0010 computed them once for
existing databases, with the same SQL; `stale` lists the leads whose stored facts differ from their
rows (the tests' check).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session

from bot.leads import name_search
from bot.leads.crypto import FieldCipher
from bot.leads.models import Contact, ContactAttempt, Screening, StatusChange
from bot.leads.pipeline import PROGRESS, REACHED_OUTCOMES


def _has_contact() -> Any:
    """Contact details someone can use: a phone, an e-mail or a WeChat ID (records.LeadRecord.has_contact)."""
    return exists().where(
        Contact.screening_id == Screening.id,
        or_(Contact.phone_encrypted.is_not(None), Contact.email_encrypted.is_not(None),
            Contact.wechat_encrypted.is_not(None)),
    )


def _first_attempt() -> Any:
    return select(func.min(ContactAttempt.at)).where(ContactAttempt.screening_id == Screening.id).scalar_subquery()


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


def refresh(session: Session, screening_ids: Iterable[int] | None = None) -> None:
    """Recompute the stored facts of these screenings (None: of every screening) from their rows."""
    statement = update(Screening).values(
        has_contact=_has_contact(), first_attempt_at=_first_attempt(), last_attempt_at=_last_attempt(),
        furthest_step=_furthest_step(), name_group=_name_group(),
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
    first, last = _first_attempt(), _last_attempt()
    differs = or_(
        Screening.has_contact != has,
        and_(Screening.first_attempt_at.is_(None), first.is_not(None)),
        and_(Screening.first_attempt_at.is_not(None), or_(first.is_(None), Screening.first_attempt_at != first)),
        and_(Screening.last_attempt_at.is_(None), last.is_not(None)),
        and_(Screening.last_attempt_at.is_not(None), or_(last.is_(None), Screening.last_attempt_at != last)),
        Screening.furthest_step != _furthest_step(),
        Screening.name_group.is_distinct_from(_name_group()),
    )
    return list(session.execute(select(Screening.id).where(differs).order_by(Screening.id)).scalars())
