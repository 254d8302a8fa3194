"""The patient's side of the store: conversation starts, consent, completed screenings, contact
details and withdrawal. Called by the custom actions (and the spool, replaying their writes)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.languages import known_language
from bot.leads import lead_facts, name_search
from bot.leads.base import StoreBase
from bot.leads.errors import StoreError
from bot.leads.models import (
    Answer,
    AnswerEvent,
    AuditEntry,
    Contact,
    ConversationStart,
    CriterionResultRow,
    Screening,
    SideQuestion,
    utcnow,
)
from bot.leads.name_order import name_group
from bot.leads.records import ContactDetails
from bot.leads.reference_codes import new_reference_code
from bot.leads.wechat import erase_patient
from bot.trial.eligibility import EligibilityResult

log = logging.getLogger(__name__)

CODE_ATTEMPTS = 5  # a clash of random codes is rare; five in a row means something else is wrong


def _moment(value: Any) -> datetime:
    """A time written by the actions (ISO 8601), or now when it is missing or unreadable."""
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return utcnow()


def conversation_language(language: str | None) -> str:
    """A conversation's language as stored: one of LANGUAGES, the default for anything else."""
    return known_language(language)


def answer_events(screening_id: int, answers: Mapping[str, Mapping[str, Any]]) -> list[AnswerEvent]:
    """Rows for every earlier answer the patient corrected and every answer confirmed at the read-back."""
    rows = []
    for check_id, answer in answers.items():
        for earlier in answer.get("history") or ():
            denied = earlier.get("denied_text")
            rows.append(AnswerEvent(
                screening_id=screening_id, check_id=check_id, event=str(earlier.get("event", "corrected"))[:32],
                patient_text=str(earlier.get("text", "")), value=str(earlier.get("value", ""))[:32],
                detail=f"read-back denied: {denied}" if denied else None, at=_moment(earlier.get("at")),
            ))
        if answer.get("confirmed_at"):
            rows.append(AnswerEvent(
                screening_id=screening_id, check_id=check_id, event="confirmed",
                patient_text=str(answer.get("text", "")), value=str(answer.get("value", ""))[:32],
                at=_moment(answer["confirmed_at"]),
            ))
    return rows


class ScreeningWrites(StoreBase):
    def record_conversation_start(self) -> None:
        with self._transaction("recording a conversation start") as session:
            session.add(ConversationStart())

    def start_screening(self, conversation_id: str, consent_version: str, criteria_version: str) -> None:
        """Record consent; a screening exists only once the patient has agreed."""
        with self._transaction("recording consent") as session:
            existing = session.execute(
                select(Screening).where(Screening.conversation_id == conversation_id)
            ).scalar_one_or_none()
            if existing is not None:
                return
            now = utcnow()
            session.add(
                Screening(
                    conversation_id=conversation_id,
                    started_at=now,
                    consented_at=now,
                    consent_version=consent_version,
                    criteria_version=criteria_version,
                )
            )
        log.info("screening started for conversation %s", conversation_id)

    def complete_screening(
        self,
        conversation_id: str,
        result: EligibilityResult,
        answers: Mapping[str, Mapping[str, Any]],
        reference_code: str | None = None,
        side_questions: Sequence[Mapping[str, str]] = (),
        *,
        language: str | None = None,
        text_versions: Mapping[str, str] | None = None,
    ) -> str:
        """Store the answers, the per-criterion results and the provisional status in one
        transaction; return the screening's reference code.

        `answers` maps a check id to {"text": the patient's words, already cleaned by the reader
        (actions/answers.patient_words), "value": the value read, "how": how it was read}, and, when the
        patient corrected or confirmed it, "history" (earlier answers: text, value, event, at) and
        "confirmed_at". `side_questions`: the patient's own questions ({"topic", "text", "at", "during"}).
        `language` ("en" or "zh") and `text_versions` (e.g. {"en": "texts-en-…", "consent": "consent-…"}, stored
        as given): None keeps what is stored, so a re-scoring after a correction does not reset them.
        """
        for _attempt in range(CODE_ATTEMPTS):
            try:
                with self._transaction("completing a screening") as session:
                    screening = self._screening(session, conversation_id)
                    session.execute(delete(CriterionResultRow).where(CriterionResultRow.screening_id == screening.id))
                    session.execute(delete(Answer).where(Answer.screening_id == screening.id))
                    session.execute(delete(AnswerEvent).where(AnswerEvent.screening_id == screening.id))
                    session.execute(delete(SideQuestion).where(SideQuestion.screening_id == screening.id))
                    for event in answer_events(screening.id, answers):
                        session.add(event)
                    for note in side_questions:
                        session.add(
                            SideQuestion(
                                screening_id=screening.id,
                                topic=str(note.get("topic", "other"))[:32],
                                patient_text=str(note.get("text", "")),
                                during_check=str(note.get("during", ""))[:64] or None,
                                asked_at=_moment(note.get("at")),
                            )
                        )
                    for check_id, answer in answers.items():
                        session.add(
                            Answer(
                                screening_id=screening.id,
                                check_id=check_id,
                                patient_text=str(answer.get("text", "")),
                                value=str(answer.get("value", ""))[:32],
                                read_how=str(answer.get("how", ""))[:200],
                            )
                        )
                    session.flush()
                    for position, item in enumerate(result.results):
                        session.add(
                            CriterionResultRow(
                                screening_id=screening.id,
                                position=position,
                                check_id=item.check_id,
                                protocol=item.protocol,
                                label=item.label,
                                verdict=item.verdict.value,
                                value=item.value,
                                reason=item.reason,
                            )
                        )
                    if language is not None:
                        screening.language = conversation_language(language)
                    if text_versions is not None:
                        screening.text_versions = json.dumps(dict(text_versions), ensure_ascii=False, sort_keys=True)
                    screening.provisional_status = result.status.value
                    screening.criteria_version = result.criteria_version
                    screening.completed_at = screening.completed_at or utcnow()
                    if not screening.reference_code:
                        screening.reference_code = reference_code or new_reference_code()
                    reference_code = None  # a clash on retry gets a fresh code
                    code = screening.reference_code
                    session.flush()
                    lead_facts.refresh(session, [screening.id])  # the verdicts counted, a wait counted from now
                log.info("screening %s completed: %s", code, result.status.value)
                return code
            except StoreError as error:
                if not isinstance(error.__cause__, IntegrityError):
                    raise
        raise StoreError("completing a screening failed: could not allocate a unique reference code")

    def save_contact(self, conversation_id: str, contact: ContactDetails) -> None:
        if self.cipher is None:
            raise StoreError("saving contact details failed: no data key configured (PRESCREEN_DATA_KEY)")
        cipher = self.cipher
        with self._transaction("saving contact details") as session:
            screening = self._screening(session, conversation_id)
            row = session.get(Contact, screening.id) or Contact(screening_id=screening.id)
            row.name_encrypted = cipher.encrypt(contact.name)
            row.phone_encrypted = cipher.encrypt(contact.phone)
            row.email_encrypted = cipher.encrypt(contact.email)
            row.preferred_time_encrypted = cipher.encrypt(contact.preferred_time)
            row.wechat_encrypted = cipher.encrypt(contact.wechat)
            row.phone_index = cipher.blind_index(contact.phone)
            row.email_index = cipher.blind_index(contact.email)
            row.wechat_index = cipher.blind_index(contact.wechat)
            row.name_group = name_group(contact.name)
            session.add(row)
            session.flush()
            name_search.write(session, cipher, screening.id, contact.name)
            lead_facts.refresh(session, [screening.id])

    def erase_conversation(self, conversation_id: str, actor: str = "patient", detail: str = "withdrawn") -> bool:
        """Delete everything stored for a conversation; keep only an audit entry without personal data
        (`detail`: why, e.g. "withdrawn"; never free text)."""
        with self._transaction("erasing a conversation") as session:
            erase_patient(session, conversation_id)  # a WeChat patient's OpenID goes too, lead or not
            screening = session.execute(
                select(Screening).where(Screening.conversation_id == conversation_id)
            ).scalar_one_or_none()
            if screening is None:
                return False
            session.add(AuditEntry(actor=actor, action="erase", screening_id=screening.id, detail=detail))
            session.delete(screening)
        log.info("screening for conversation %s erased by %s", conversation_id, actor)
        return True
