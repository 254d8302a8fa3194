"""Ruled-out patients who agreed to hear about other studies: a separate, optional consent.

Only a name and a phone number or e-mail address are kept (encrypted like every contact detail,
with blind indexes for search), with the version of the consent text and when it was given. A row
belongs to its screening: withdrawing or erasing the lead erases it too (a database cascade); the
coordinator can also erase the row alone, and the retention purge removes it after RETENTION_DAYS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.languages import DEFAULT_LANGUAGE, known_language
from bot.leads.base import StoreBase
from bot.leads.errors import LeadNotFound, StoreError
from bot.leads.models import AuditEntry, OtherStudiesContact, Screening, utcnow
from bot.leads.records import iso
from bot.leads.reference_codes import normalise_reference_code

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 200  # as the readers keep it (bot.reading.contact.MAX_NAME_CHARS); checked again here


@dataclass(frozen=True)
class OtherStudiesDetails:
    """What the patient gave: a name and at least one of a phone number and an e-mail address."""

    name: str
    phone: str | None = None
    email: str | None = None

    def problem(self) -> str | None:
        """Why these details cannot be stored, or None."""
        if not self.name.strip() or len(self.name) > MAX_NAME_CHARS:
            return "a name is needed"
        if not (self.phone or self.email):
            return "a phone number or an e-mail address is needed"
        return None


@dataclass(frozen=True)
class OtherStudiesRecord:
    """One entry of the coordinators' list (contact decrypted)."""

    screening_id: int
    reference_code: str | None
    name: str
    phone: str | None
    email: str | None
    language: str
    consent_version: str
    consented_at: datetime

    def as_export(self) -> dict[str, str | int | None]:
        return {
            "screening_id": self.screening_id,
            "reference_code": self.reference_code,
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "language": self.language,
            "consent_version": self.consent_version,
            "consented_at": iso(self.consented_at),
        }


class OtherStudiesContacts(StoreBase):
    def save_other_studies_contact(
        self, conversation_id: str, details: OtherStudiesDetails, consent_version: str, language: str = DEFAULT_LANGUAGE
    ) -> None:
        """Store (or replace) the conversation's other-studies contact, with the consent text's version."""
        problem = details.problem()
        if problem is not None:
            raise ValueError(f"other-studies contact not stored: {problem}")
        if self.cipher is None:
            raise StoreError("saving an other-studies contact failed: no data key configured (PRESCREEN_DATA_KEY)")
        cipher = self.cipher
        with self._transaction("saving an other-studies contact") as session:
            screening = self._screening(session, conversation_id)
            row = session.get(OtherStudiesContact, screening.id) or OtherStudiesContact(screening_id=screening.id)
            row.name_encrypted = cipher.encrypt(details.name)
            row.phone_encrypted = cipher.encrypt(details.phone)
            row.email_encrypted = cipher.encrypt(details.email)
            row.phone_index = cipher.blind_index(details.phone)
            row.email_index = cipher.blind_index(details.email)
            row.consent_version = consent_version
            row.language = known_language(language)
            row.consented_at = utcnow()
            session.add(row)
            code = screening.reference_code
        log.info("other-studies contact stored for screening %s", code)

    def other_studies_contacts(self) -> list[OtherStudiesRecord]:
        """Every entry, newest consent first (contact details decrypted)."""
        if self.cipher is None:
            raise StoreError("other-studies contacts cannot be read: no data key configured")
        cipher = self.cipher
        query = (select(OtherStudiesContact, Screening.reference_code)
                 .join(Screening, Screening.id == OtherStudiesContact.screening_id)
                 .order_by(OtherStudiesContact.consented_at.desc(), OtherStudiesContact.screening_id.desc()))
        with self._reading("reading other-studies contacts") as session:
            return [
                OtherStudiesRecord(
                    screening_id=row.screening_id,
                    reference_code=code,
                    name=cipher.decrypt(row.name_encrypted) or "",
                    phone=cipher.decrypt(row.phone_encrypted),
                    email=cipher.decrypt(row.email_encrypted),
                    language=row.language,
                    consent_version=row.consent_version,
                    consented_at=row.consented_at,
                )
                for row, code in session.execute(query).all()
            ]

    def has_other_studies_contact(self, key: str) -> bool:
        """Whether the lead under a reference code or conversation id has an other-studies contact."""
        code = normalise_reference_code(key)
        where = Screening.reference_code == code if code else Screening.conversation_id == key
        query = (select(OtherStudiesContact.screening_id)
                 .join(Screening, Screening.id == OtherStudiesContact.screening_id).where(where))
        with self._reading("reading an other-studies contact") as session:
            return session.execute(query).first() is not None

    def delete_other_studies_contact(self, screening_id: int, actor: str, detail: str) -> None:
        """Delete one entry, keeping an audit entry (`detail`: reference code and reason, no personal data)."""
        with self._transaction("erasing an other-studies contact") as session:
            row = session.get(OtherStudiesContact, screening_id)
            if row is None:
                raise LeadNotFound(f"no other-studies contact for screening {screening_id}")
            session.delete(row)
            session.add(AuditEntry(actor=actor, action="erase_other_studies", screening_id=screening_id,
                                   detail=detail))
        log.info("other-studies contact of screening %s erased by %s", screening_id, actor)

    def purge_other_studies_contacts(self, older_than_days: int, actor: str, dry_run: bool = False) -> list[int]:
        """Delete entries whose consent is older than the retention period; returns their screening ids."""
        cutoff = datetime.now(timezone.utc) - timedelta(days=older_than_days)
        with self._transaction("purging other-studies contacts") as session:
            ids = list(session.execute(
                select(OtherStudiesContact.screening_id).where(OtherStudiesContact.consented_at < cutoff)
                .order_by(OtherStudiesContact.screening_id)
            ).scalars())
            if dry_run:
                return ids
            for screening_id in ids:
                row = session.get(OtherStudiesContact, screening_id)
                session.delete(row)
                session.add(AuditEntry(actor=actor, action="purge_other_studies", screening_id=screening_id,
                                       detail=f"retention {older_than_days} days"))
        if ids:
            log.info("purge: %d other-studies contacts removed after %d days", len(ids), older_than_days)
        return ids
