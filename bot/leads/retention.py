"""Data retention and key rotation for the lead store and the transcripts.

`purge` removes the transcript, contact details and the patient's own words of leads that were
never confirmed eligible (pipeline.ELIGIBLE_DECIDED: confirmed, visit booked, consented, enrolled),
after a retention period; the per-criterion results stay (anonymous) for the funnel. Contact
attempts stay as when, channel and outcome (anonymous, for time-to-first-contact figures); their
notes, which may name or quote the patient, go with the contact details. It also removes every
other-studies contact (a ruled-out patient's separate consent) whose consent is older than the
same period. `rotate_keys` re-encrypts contact details under the current PRESCREEN_DATA_KEY
(`rotate_transcripts` in bot/leads/transcripts.py does the same for Rasa's tracker store).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, update

from bot.leads import lead_facts, name_search
from bot.leads.crypto import FieldCipher
from bot.leads.erasure import TrackerStoreError, erase_tracker_events
from bot.leads.models import (
    Answer,
    AnswerEvent,
    AuditEntry,
    Contact,
    ContactAttempt,
    OtherStudiesContact,
    Screening,
    SideQuestion,
)
from bot.leads.pipeline import ELIGIBLE_DECIDED
from bot.leads.store import LeadStore
from bot.leads.wechat import erase_patient, rotate_channel_keys

log = logging.getLogger(__name__)
PURGED_TEXT = "[removed after the retention period]"


@dataclass
class PurgeResult:
    """Conversation ids purged, and those kept for the next run because their transcript could not be erased."""

    purged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    other_studies: list[int] = field(default_factory=list)  # screening ids whose other-studies contact went


def purge(store: LeadStore, older_than_days: int, actor: str, tracker_store_url: str,
          dry_run: bool = False) -> PurgeResult:
    """Purge leads started more than `older_than_days` ago and never confirmed, one conversation at a time.

    The transcript goes first, as in `erase_lead`: a lead is purged only once its conversation's
    events are erased, so a tracker store that is down leaves the lead selected for the next run
    instead of a transcript no run would find again. At the first TrackerStoreError the rest are
    kept untouched (dry run: everything is listed as `purged`, nothing changes).

    Other-studies contacts go by when that consent was given, whatever the lead's review status,
    and need no transcript erased first (the lead's own purge does that), so they go in any case.
    """
    if older_than_days < 1:
        raise ValueError("--older-than must be at least 1 day")
    result = PurgeResult()
    result.other_studies = store.purge_other_studies_contacts(older_than_days, actor, dry_run=dry_run)
    for screening_id, conversation_id in _purgeable(store, older_than_days):
        if dry_run:
            result.purged.append(conversation_id)
            continue
        if result.kept:  # the tracker store failed: do not hammer it, keep the rest too
            result.kept.append(conversation_id)
            continue
        try:
            erase_tracker_events(tracker_store_url, conversation_id)
        except TrackerStoreError:
            result.kept.append(conversation_id)
            continue
        _purge_lead(store, screening_id, older_than_days, actor)
        result.purged.append(conversation_id)
    if result.kept:
        log.error("purge: %d leads kept for the next run, the tracker store is unavailable", len(result.kept))
    return result


def _purgeable(store: LeadStore, older_than_days: int) -> list[tuple[int, str]]:
    """(screening id, conversation id) of old unconfirmed leads that still hold something to purge."""
    cutoff = datetime.now(timezone.utc) - timedelta(days=older_than_days)
    with store.database.session() as session:
        rows = session.execute(
            select(Screening.id, Screening.conversation_id).where(
                Screening.started_at < cutoff,
                Screening.review_status.not_in(ELIGIBLE_DECIDED),
                # only those that still hold something to purge
                (select(func.count(Contact.screening_id))
                 .where(Contact.screening_id == Screening.id).scalar_subquery() > 0)
                | (select(func.count(Answer.id)).where(Answer.screening_id == Screening.id,
                                                       Answer.patient_text != PURGED_TEXT).scalar_subquery() > 0)
                | (select(func.count(ContactAttempt.id)).where(
                    ContactAttempt.screening_id == Screening.id,
                    ContactAttempt.note.not_in(("", PURGED_TEXT))).scalar_subquery() > 0),
            ).order_by(Screening.id)
        ).all()
    return [(screening_id, conversation_id) for screening_id, conversation_id in rows]


def _purge_lead(store: LeadStore, screening_id: int, older_than_days: int, actor: str) -> None:
    with store.database.transaction() as session:
        session.execute(delete(Contact).where(Contact.screening_id == screening_id))
        lead_facts.refresh(session, [screening_id])
        erase_patient(session, session.get(Screening, screening_id).conversation_id)  # the WeChat OpenID
        session.execute(update(Answer).where(Answer.screening_id == screening_id).values(patient_text=PURGED_TEXT))
        # earlier (corrected) answers and the patient's own questions are their words too
        session.execute(update(AnswerEvent).where(AnswerEvent.screening_id == screening_id)
                        .values(patient_text=PURGED_TEXT, detail=None))
        session.execute(update(SideQuestion).where(SideQuestion.screening_id == screening_id)
                        .values(patient_text=PURGED_TEXT))
        session.execute(update(ContactAttempt).where(ContactAttempt.screening_id == screening_id,
                                                     ContactAttempt.note != "").values(note=PURGED_TEXT))
        session.add(AuditEntry(actor=actor, action="purge", screening_id=screening_id,
                               detail=f"retention {older_than_days} days"))


def rotate_keys(store: LeadStore, cipher: FieldCipher) -> int:
    """Re-encrypt every contact (other-studies contacts too) under the cipher's current key and rebuild
    the search indexes."""
    count = 0
    with store.database.transaction() as session:
        for other in session.execute(select(OtherStudiesContact)).scalars():
            other_phone = cipher.decrypt(other.phone_encrypted)
            other_email = cipher.decrypt(other.email_encrypted)
            other.name_encrypted = cipher.rotate(other.name_encrypted)
            other.phone_encrypted = cipher.rotate(other.phone_encrypted)
            other.email_encrypted = cipher.rotate(other.email_encrypted)
            other.phone_index = cipher.blind_index(other_phone)
            other.email_index = cipher.blind_index(other_email)
            count += 1
        names: dict[int, str] = {}
        for contact in session.execute(select(Contact)).scalars():
            names[contact.screening_id] = cipher.decrypt(contact.name_encrypted) or ""
            phone = cipher.decrypt(contact.phone_encrypted)
            email = cipher.decrypt(contact.email_encrypted)
            contact.name_encrypted = cipher.rotate(contact.name_encrypted)
            contact.phone_encrypted = cipher.rotate(contact.phone_encrypted)
            contact.email_encrypted = cipher.rotate(contact.email_encrypted)
            contact.preferred_time_encrypted = cipher.rotate(contact.preferred_time_encrypted)
            wechat = cipher.decrypt(contact.wechat_encrypted)
            contact.wechat_encrypted = cipher.rotate(contact.wechat_encrypted)
            contact.phone_index = cipher.blind_index(phone)
            contact.email_index = cipher.blind_index(email)
            contact.wechat_index = cipher.blind_index(wechat)
            count += 1
        session.flush()
        name_search.rebuild(session, cipher, names)  # the name search's hashes, under the new key
        openids = rotate_channel_keys(session, cipher)  # the WeChat channel's OpenIDs, queue and token
        session.add(AuditEntry(actor="cli", action="rotate_keys", detail=f"{count} contacts, {openids} WeChat ids"))
    return count
