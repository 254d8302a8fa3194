"""Data retention and key rotation for the lead store.

`purge` removes contact details and the patient's own words from leads that were never
confirmed, after a retention period; the per-criterion results stay (anonymous) for the funnel.
`rotate_keys` re-encrypts contact details under the current PRESCREEN_DATA_KEY.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, update

from bot.leads.crypto import FieldCipher
from bot.leads.models import Answer, AnswerEvent, AuditEntry, Contact, ReviewStatus, Screening, SideQuestion
from bot.leads.store import LeadStore

PURGED_TEXT = "[removed after the retention period]"


def purge(store: LeadStore, older_than_days: int, actor: str, dry_run: bool = False) -> list[str]:
    """Purge leads started more than `older_than_days` ago and never confirmed; returns their conversation ids."""
    if older_than_days < 1:
        raise ValueError("--older-than must be at least 1 day")
    cutoff = datetime.now(timezone.utc) - timedelta(days=older_than_days)
    with store.database.transaction() as session:
        rows = session.execute(
            select(Screening.id, Screening.conversation_id).where(
                Screening.started_at < cutoff,
                Screening.review_status != ReviewStatus.CONFIRMED.value,
                # only those that still hold something to purge
                (select(func.count(Contact.screening_id))
                 .where(Contact.screening_id == Screening.id).scalar_subquery() > 0)
                | (select(func.count(Answer.id)).where(Answer.screening_id == Screening.id,
                                                       Answer.patient_text != PURGED_TEXT).scalar_subquery() > 0),
            )
        ).all()
        if dry_run or not rows:
            return [conversation_id for _, conversation_id in rows]
        ids = [screening_id for screening_id, _ in rows]
        session.execute(delete(Contact).where(Contact.screening_id.in_(ids)))
        session.execute(update(Answer).where(Answer.screening_id.in_(ids)).values(patient_text=PURGED_TEXT))
        # earlier (corrected) answers and the patient's own questions are their words too
        session.execute(update(AnswerEvent).where(AnswerEvent.screening_id.in_(ids))
                        .values(patient_text=PURGED_TEXT, detail=None))
        session.execute(update(SideQuestion).where(SideQuestion.screening_id.in_(ids)).values(patient_text=PURGED_TEXT))
        for screening_id in ids:
            session.add(AuditEntry(actor=actor, action="purge", screening_id=screening_id,
                                   detail=f"retention {older_than_days} days"))
    return [conversation_id for _, conversation_id in rows]


def rotate_keys(store: LeadStore, cipher: FieldCipher) -> int:
    """Re-encrypt every contact under the cipher's current key and rebuild the search indexes."""
    count = 0
    with store.database.transaction() as session:
        for contact in session.execute(select(Contact)).scalars():
            phone = cipher.decrypt(contact.phone_encrypted)
            email = cipher.decrypt(contact.email_encrypted)
            contact.name_encrypted = cipher.rotate(contact.name_encrypted)
            contact.phone_encrypted = cipher.rotate(contact.phone_encrypted)
            contact.email_encrypted = cipher.rotate(contact.email_encrypted)
            contact.preferred_time_encrypted = cipher.rotate(contact.preferred_time_encrypted)
            contact.phone_index = cipher.blind_index(phone)
            contact.email_index = cipher.blind_index(email)
            count += 1
        session.add(AuditEntry(actor="cli", action="rotate_keys", detail=f"{count} contacts"))
    return count
