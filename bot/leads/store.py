"""Reading and writing leads. Every write is one transaction; failures raise StoreError.

Log lines here name screening ids and reference codes, never contact details or answers.
"""

from __future__ import annotations

import logging
import math
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from bot.leads.crypto import FieldCipher
from bot.leads.database import Database
from bot.leads.models import (
    Answer,
    AuditEntry,
    Contact,
    ConversationStart,
    CriterionOverride,
    CriterionResultRow,
    RecordCheckResult,
    ReviewStatus,
    Screening,
    StatusChange,
    utcnow,
)
from bot.reading.answers import clean_text, read_phone
from bot.trial.eligibility import EligibilityResult, Verdict

log = logging.getLogger(__name__)

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone


def new_reference_code() -> str:
    return "PS-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


class StoreError(RuntimeError):
    """The lead store could not be read or written (database down, locked, misconfigured)."""


class LeadNotFound(LookupError):
    pass


@dataclass(frozen=True)
class ContactDetails:
    name: str
    phone: str | None = None
    email: str | None = None
    preferred_time: str | None = None


@dataclass
class LeadRecord:
    """A screening as coordinators and exports see it (contact decrypted)."""

    id: int
    conversation_id: str
    reference_code: str | None
    created_at: datetime
    consented_at: datetime
    consent_version: str
    completed_at: datetime | None
    criteria_version: str
    provisional_status: str | None
    review_status: str
    answers: list[dict[str, Any]] = field(default_factory=list)
    criteria: list[dict[str, Any]] = field(default_factory=list)
    contact: ContactDetails | None = None
    status_changes: list[dict[str, Any]] = field(default_factory=list)

    def as_export(self) -> dict[str, Any]:
        """A flat, JSON-ready dict; contact fields are None for leads without contact details."""
        contact = self.contact or ContactDetails(name="")
        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "reference_code": self.reference_code,
            "created_at": _iso(self.created_at),
            "completed_at": _iso(self.completed_at),
            "consented_at": _iso(self.consented_at),
            "consent_version": self.consent_version,
            "criteria_version": self.criteria_version,
            "provisional_status": self.provisional_status,
            "review_status": self.review_status,
            "name": contact.name or None,
            "phone": contact.phone,
            "email": contact.email,
            "preferred_time": contact.preferred_time,
            "criteria": self.criteria,
            "answers": self.answers,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


LEAD_SORTS = ("completed", "reference", "name", "provisional", "review")
# Review statuses that record a coordinator's eligibility decision (used by `agreement`).
DECIDED_STATUSES = (ReviewStatus.CONFIRMED.value, ReviewStatus.REJECTED.value)
MAX_REASON_CHARS = 2000
MAX_RECORD_RESULT_CHARS = 1000
_CODE_LIKE = re.compile(r"(PS-?)?[A-Z2-9]{6}|PS-[A-Z2-9]*|[A-Z2-9]*[2-9][A-Z2-9]*")


@dataclass(frozen=True)
class LeadQuery:
    """Which completed screenings to show, and in what order (the coordinator's list and exports).

    `completed_from` is inclusive and `completed_before` exclusive; both timezone-aware.
    `search` matches a reference code, a phone number or email (through the blind indexes),
    or part of a name (names are decrypted in memory: they have no index).
    """

    provisional_status: str | None = None
    review_status: str | None = None
    completed_from: datetime | None = None
    completed_before: datetime | None = None
    search: str = ""
    sort: str = "completed"
    descending: bool = True


@dataclass(frozen=True)
class LeadPage:
    leads: list[LeadRecord]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


@dataclass(frozen=True)
class CriterionAgreement:
    check_id: str
    protocol: str
    label: str
    reviewed: int
    overridden: int
    overridden_from_unknown: int

    @property
    def agreed(self) -> int:
        return self.reviewed - self.overridden

    @property
    def rate(self) -> float | None:
        return self.agreed / self.reviewed if self.reviewed else None


@dataclass(frozen=True)
class AgreementReport:
    """How often the bot's verdict stood once a coordinator reviewed the lead."""

    reviewed_leads: int
    criteria: list[CriterionAgreement]
    outcomes: dict[str, dict[str, int]]  # provisional status -> decided review status -> leads


def phone_variants(text: str) -> set[str]:
    """The ways a phone number may have been stored (the bot keeps `+` and digits)."""
    phone = read_phone(text)
    if phone is None:
        return set()
    digits = phone.lstrip("+")
    variants = {phone, digits, "+" + digits}
    if digits.startswith("0086"):
        digits = digits[2:]
        variants |= {digits, "+" + digits}
    if digits.startswith("86") and len(digits) > 11:
        variants |= {digits[2:]}
    elif len(digits) == 11 and digits.startswith("1"):  # a mainland mobile without country code
        variants |= {"86" + digits, "+86" + digits}
    return variants


class LeadStore:
    def __init__(self, database: Database, cipher: FieldCipher | None = None) -> None:
        self.database = database
        self.cipher = cipher

    @contextmanager
    def _transaction(self, what: str) -> Iterator[Session]:
        try:
            with self.database.transaction() as session:
                yield session
        except (LeadNotFound, ValueError):
            raise
        except SQLAlchemyError as error:
            log.error("lead store: %s failed: %s", what, type(error).__name__)
            raise StoreError(f"{what} failed: the lead database is unavailable") from error

    def _screening(self, session: Session, conversation_id: str) -> Screening:
        screening = session.execute(
            select(Screening).where(Screening.conversation_id == conversation_id)
        ).scalar_one_or_none()
        if screening is None:
            raise LeadNotFound(f"no screening for conversation {conversation_id}")
        return screening

    # ------------------------------------------------------------------------ patient side

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
        answers: Mapping[str, Mapping[str, str]],
        reference_code: str | None = None,
    ) -> str:
        """Store the answers (patient's words, value read), the per-criterion results and the
        provisional status in one transaction; return the screening's reference code."""
        for _attempt in range(5):
            try:
                with self._transaction("completing a screening") as session:
                    screening = self._screening(session, conversation_id)
                    session.execute(delete(CriterionResultRow).where(CriterionResultRow.screening_id == screening.id))
                    session.execute(delete(Answer).where(Answer.screening_id == screening.id))
                    for check_id, answer in answers.items():
                        session.add(
                            Answer(
                                screening_id=screening.id,
                                check_id=check_id,
                                patient_text=clean_text(str(answer.get("text", ""))),
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
                    screening.provisional_status = result.status.value
                    screening.criteria_version = result.criteria_version
                    screening.completed_at = screening.completed_at or utcnow()
                    if not screening.reference_code:
                        screening.reference_code = reference_code or new_reference_code()
                    reference_code = None  # a clash on retry gets a fresh code
                    code = screening.reference_code
                log.info("screening %s completed: %s", code, result.status.value)
                return code
            except StoreError as error:
                if not isinstance(error.__cause__, IntegrityError):
                    raise
        raise StoreError("could not allocate a unique reference code")

    def save_contact(self, conversation_id: str, contact: ContactDetails) -> None:
        if self.cipher is None:
            raise StoreError("contact details cannot be stored: no data key configured")
        cipher = self.cipher
        with self._transaction("saving contact details") as session:
            screening = self._screening(session, conversation_id)
            row = session.get(Contact, screening.id) or Contact(screening_id=screening.id)
            row.name_encrypted = cipher.encrypt(contact.name)
            row.phone_encrypted = cipher.encrypt(contact.phone)
            row.email_encrypted = cipher.encrypt(contact.email)
            row.preferred_time_encrypted = cipher.encrypt(contact.preferred_time)
            row.phone_index = cipher.blind_index(contact.phone)
            row.email_index = cipher.blind_index(contact.email)
            session.add(row)

    def erase_conversation(self, conversation_id: str, actor: str = "patient", detail: str = "withdrawn") -> bool:
        """Delete everything stored for a conversation; keep only an audit entry without personal data
        (`detail`: why, e.g. "withdrawn"; never free text)."""
        with self._transaction("erasing a conversation") as session:
            screening = session.execute(
                select(Screening).where(Screening.conversation_id == conversation_id)
            ).scalar_one_or_none()
            if screening is None:
                return False
            session.add(AuditEntry(actor=actor, action="erase", screening_id=screening.id, detail=detail))
            session.delete(screening)
        log.info("screening for conversation %s erased by %s", conversation_id, actor)
        return True

    # -------------------------------------------------------------------- coordinator side

    def _record(self, screening: Screening) -> LeadRecord:
        contact = None
        if screening.contact is not None:
            if self.cipher is None:
                raise StoreError("contact details cannot be read: no data key configured")
            row, cipher = screening.contact, self.cipher
            contact = ContactDetails(
                name=cipher.decrypt(row.name_encrypted) or "",
                phone=cipher.decrypt(row.phone_encrypted),
                email=cipher.decrypt(row.email_encrypted),
                preferred_time=cipher.decrypt(row.preferred_time_encrypted),
            )
        return LeadRecord(
            id=screening.id,
            conversation_id=screening.conversation_id,
            reference_code=screening.reference_code,
            created_at=screening.started_at,
            consented_at=screening.consented_at,
            consent_version=screening.consent_version,
            completed_at=screening.completed_at,
            criteria_version=screening.criteria_version,
            provisional_status=screening.provisional_status,
            review_status=screening.review_status,
            answers=[
                {"check_id": a.check_id, "patient_text": a.patient_text, "value": a.value, "read_how": a.read_how}
                for a in screening.answers
            ],
            criteria=[
                {
                    "check_id": r.check_id,
                    "protocol": r.protocol,
                    "label": r.label,
                    "verdict": r.verdict,
                    "value": r.value,
                    "reason": r.reason,
                }
                for r in screening.results
            ],
            contact=contact,
            status_changes=[
                {"status": c.status, "note": c.note, "actor": c.actor, "changed_at": _iso(c.changed_at)}
                for c in screening.status_changes
            ],
        )

    def _query(self):  # type: ignore[no-untyped-def]
        return select(Screening).options(
            selectinload(Screening.answers),
            selectinload(Screening.results),
            selectinload(Screening.contact),
            selectinload(Screening.status_changes),
        )

    def list_leads(
        self, provisional_status: str | None = None, review_status: str | None = None
    ) -> list[LeadRecord]:
        """Completed screenings, newest first (ruled-out ones included, for the funnel)."""
        query = self._query().where(Screening.completed_at.is_not(None))
        if provisional_status:
            query = query.where(Screening.provisional_status == provisional_status)
        if review_status:
            query = query.where(Screening.review_status == review_status)
        query = query.order_by(Screening.completed_at.desc(), Screening.id.desc())
        try:
            with self.database.session() as session:
                return [self._record(s) for s in session.execute(query).scalars()]
        except SQLAlchemyError as error:
            raise StoreError("the lead database is unavailable") from error

    def get_lead(self, key: str | int) -> LeadRecord:
        """A lead by id, reference code or conversation id."""
        text = str(key).strip()
        query = self._query()
        if text.isdigit():
            query = query.where(Screening.id == int(text))
        elif text.upper().startswith("PS-"):
            query = query.where(Screening.reference_code == text.upper())
        else:
            query = query.where(Screening.conversation_id == text)
        try:
            with self.database.session() as session:
                screening = session.execute(query).scalar_one_or_none()
                if screening is None:
                    raise LeadNotFound(f"no lead {text!r}")
                return self._record(screening)
        except SQLAlchemyError as error:
            raise StoreError("the lead database is unavailable") from error

    def set_review_status(self, lead_id: int, status: str, note: str, actor: str) -> None:
        allowed = {s.value for s in ReviewStatus}
        if status not in allowed:
            raise ValueError(f"status must be one of: {', '.join(sorted(allowed))}")
        with self._transaction("changing a review status") as session:
            screening = session.get(Screening, lead_id)
            if screening is None:
                raise LeadNotFound(f"no lead {lead_id}")
            screening.review_status = status
            session.add(StatusChange(screening_id=lead_id, status=status, note=note, actor=actor))
            session.add(AuditEntry(actor=actor, action="set_status", screening_id=lead_id, detail=status))

    def audit(self, actor: str, action: str, screening_id: int | None = None, detail: str = "") -> None:
        with self._transaction("writing the audit log") as session:
            session.add(AuditEntry(actor=actor, action=action, screening_id=screening_id, detail=detail))

    # ------------------------------------------------------------- coordinator app (search)

    def _matching_ids(self, session: Session, query: LeadQuery) -> list[int]:
        """Ids of the completed screenings that match `query`, in its order."""
        conditions: list[Any] = [Screening.completed_at.is_not(None)]
        if query.provisional_status:
            conditions.append(Screening.provisional_status == query.provisional_status)
        if query.review_status:
            conditions.append(Screening.review_status == query.review_status)
        if query.completed_from:
            conditions.append(Screening.completed_at >= query.completed_from)
        if query.completed_before:
            conditions.append(Screening.completed_at < query.completed_before)
        text = " ".join(query.search.split())
        if text:
            conditions.append(Screening.id.in_(self._search_ids(session, text, conditions)))
        if query.sort == "name":
            rows = session.execute(
                select(Screening.id, Contact.name_encrypted)
                .outerjoin(Contact, Contact.screening_id == Screening.id)
                .where(*conditions)
                .order_by(Screening.completed_at.desc(), Screening.id.desc())
            ).all()
            names = {row.id: self._name(row.name_encrypted) for row in rows}
            # Leads without a name go last either way.
            named = sorted((i for i in names if names[i]), key=lambda i: names[i].casefold(),
                           reverse=query.descending)
            return named + [i for i in names if not names[i]]
        column = {
            "reference": Screening.reference_code,
            "provisional": Screening.provisional_status,
            "review": Screening.review_status,
        }.get(query.sort, Screening.completed_at)
        order = (column.desc(), Screening.id.desc()) if query.descending else (column.asc(), Screening.id.asc())
        return list(session.execute(select(Screening.id).where(*conditions).order_by(*order)).scalars())

    def _name(self, token: str | None) -> str:
        if token is None:
            return ""
        if self.cipher is None:
            raise StoreError("contact details cannot be read: no data key configured")
        return self.cipher.decrypt(token) or ""

    def _search_ids(self, session: Session, text: str, conditions: Sequence[Any]) -> list[int]:
        matches: list[Any] = []
        code = text.upper()
        if _CODE_LIKE.fullmatch(code):
            wanted_code = code if code.startswith("PS-") else code.removeprefix("PS")
            matches.append(Screening.reference_code.contains(wanted_code, autoescape=True))
        if self.cipher is not None:
            if "@" in text:
                matches.append(Contact.email_index == self.cipher.blind_index(text))
            phones = {self.cipher.blind_index(p) for p in phone_variants(text)}
            if phones:
                matches.append(Contact.phone_index.in_(phones))
        found: set[int] = set()
        if matches:
            found |= set(session.execute(
                select(Screening.id).outerjoin(Contact, Contact.screening_id == Screening.id)
                .where(*conditions, or_(*matches))
            ).scalars())
        if self.cipher is not None and any(ch.isalpha() for ch in text):
            wanted = text.casefold()
            rows = session.execute(
                select(Contact.screening_id, Contact.name_encrypted).join(Screening).where(*conditions)
            ).all()
            found |= {
                row.screening_id for row in rows
                if wanted in " ".join(self._name(row.name_encrypted).split()).casefold()
            }
        return sorted(found)

    def _records(self, session: Session, ids: Sequence[int]) -> list[LeadRecord]:
        if not ids:
            return []
        by_id = {s.id: s for s in session.execute(self._query().where(Screening.id.in_(list(ids)))).scalars()}
        return [self._record(by_id[i]) for i in ids if i in by_id]

    def search_leads(self, query: LeadQuery, page: int = 1, per_page: int = 25) -> LeadPage:
        """One page of completed screenings matching `query` (contact details decrypted)."""
        per_page = max(1, per_page)
        try:
            with self.database.session() as session:
                ids = self._matching_ids(session, query)
                pages = max(1, math.ceil(len(ids) / per_page))
                page = min(max(1, page), pages)
                shown = ids[(page - 1) * per_page: page * per_page]
                return LeadPage(self._records(session, shown), len(ids), page, per_page)
        except SQLAlchemyError as error:
            raise StoreError("the lead database is unavailable") from error

    def find_leads(self, query: LeadQuery) -> list[LeadRecord]:
        """Every completed screening matching `query`, in its order (for exports)."""
        try:
            with self.database.session() as session:
                return self._records(session, self._matching_ids(session, query))
        except SQLAlchemyError as error:
            raise StoreError("the lead database is unavailable") from error

    # ---------------------------------------------------- coordinator app (review decisions)

    def override_criterion(self, lead_id: int, check_id: str, verdict: str, reason: str, actor: str) -> None:
        """Replace the bot's verdict on one criterion with the coordinator's, with a reason."""
        allowed = {v.value for v in Verdict}
        if verdict not in allowed:
            raise ValueError(f"verdict must be one of: {', '.join(sorted(allowed))}")
        reason = " ".join(reason.split())
        if not reason:
            raise ValueError("give a reason for the override")
        if len(reason) > MAX_REASON_CHARS:
            raise ValueError(f"the reason is too long (at most {MAX_REASON_CHARS} characters)")
        with self._transaction("overriding a verdict") as session:
            if session.get(Screening, lead_id) is None:
                raise LeadNotFound(f"no lead {lead_id}")
            bot = session.execute(
                select(CriterionResultRow.verdict).where(
                    CriterionResultRow.screening_id == lead_id, CriterionResultRow.check_id == check_id
                )
            ).scalar_one_or_none()
            if bot is None:
                raise ValueError(f"lead {lead_id} has no criterion {check_id!r}")
            session.add(CriterionOverride(screening_id=lead_id, check_id=check_id, verdict=verdict,
                                          reason=reason, actor=actor))
            session.add(AuditEntry(actor=actor, action="override", screening_id=lead_id,
                                   detail=f"{check_id}: {bot} -> {verdict}"))

    def criterion_overrides(self, lead_id: int) -> list[dict[str, Any]]:
        """Every override of the lead's criteria, oldest first (the newest per criterion counts)."""
        with self.database.session() as session:
            rows = session.execute(
                select(CriterionOverride).where(CriterionOverride.screening_id == lead_id)
                .order_by(CriterionOverride.at, CriterionOverride.id)
            ).scalars()
            return [
                {"check_id": r.check_id, "verdict": r.verdict, "reason": r.reason, "actor": r.actor, "at": r.at}
                for r in rows
            ]

    def record_check_results(self, lead_id: int) -> list[dict[str, Any]]:
        """Every recorded records-checklist result, oldest first (the newest per item counts)."""
        with self.database.session() as session:
            rows = session.execute(
                select(RecordCheckResult).where(RecordCheckResult.screening_id == lead_id)
                .order_by(RecordCheckResult.at, RecordCheckResult.id)
            ).scalars()
            return [
                {"record_check_id": r.record_check_id, "result": r.result, "checked": bool(r.checked),
                 "actor": r.actor, "at": r.at}
                for r in rows
            ]

    def save_record_checks(self, lead_id: int, entries: Mapping[str, tuple[str, bool]], actor: str) -> list[str]:
        """Record checklist results {item id: (result, checked)}; only items that changed get a
        new row. Returns the ids of the items that changed."""
        changed: list[str] = []
        with self._transaction("saving the records checklist") as session:
            if session.get(Screening, lead_id) is None:
                raise LeadNotFound(f"no lead {lead_id}")
            latest: dict[str, tuple[str, bool]] = {}
            for row in session.execute(
                select(RecordCheckResult).where(RecordCheckResult.screening_id == lead_id)
                .order_by(RecordCheckResult.at, RecordCheckResult.id)
            ).scalars():
                latest[row.record_check_id] = (row.result, bool(row.checked))
            for item_id, (result, checked) in entries.items():
                result = " ".join(result.split())
                if len(result) > MAX_RECORD_RESULT_CHARS:
                    raise ValueError(f"a result is too long (at most {MAX_RECORD_RESULT_CHARS} characters)")
                if latest.get(item_id, ("", False)) == (result, bool(checked)):
                    continue
                session.add(RecordCheckResult(screening_id=lead_id, record_check_id=item_id, result=result,
                                              checked=bool(checked), actor=actor))
                changed.append(item_id)
            if changed:
                session.add(AuditEntry(actor=actor, action="record_checks", screening_id=lead_id,
                                       detail=", ".join(changed)))
        return changed

    def audit_entries(self, screening_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """The newest audit entries first, for one lead or for everything."""
        query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        if screening_id is not None:
            query = query.where(AuditEntry.screening_id == screening_id)
        with self.database.session() as session:
            return [
                {"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "screening_id": e.screening_id,
                 "detail": e.detail}
                for e in session.execute(query).scalars()
            ]

    def agreement(self) -> AgreementReport:
        """Per criterion, how often the bot's verdict stood on reviewed leads.

        A lead counts as reviewed once its review status records a decision (confirmed or
        rejected) or once a coordinator overrode any of its criteria. A criterion counts as a
        disagreement when its newest override differs from the bot's verdict.
        """
        with self.database.session() as session:
            latest: dict[tuple[int, str], str] = {}
            for sid, check_id, verdict in session.execute(
                select(CriterionOverride.screening_id, CriterionOverride.check_id, CriterionOverride.verdict)
                .order_by(CriterionOverride.at, CriterionOverride.id)
            ):
                latest[(sid, check_id)] = verdict
            decided = session.execute(
                select(Screening.id, Screening.provisional_status, Screening.review_status)
                .where(Screening.completed_at.is_not(None), Screening.review_status.in_(DECIDED_STATUSES))
            ).all()
            reviewed = {row.id for row in decided} | {sid for sid, _ in latest}
            outcomes: dict[str, dict[str, int]] = {}
            for row in decided:
                by_status = outcomes.setdefault(row.provisional_status or "", {})
                by_status[row.review_status] = by_status.get(row.review_status, 0) + 1
            tallies: dict[str, list[Any]] = {}
            if reviewed:
                for r in session.execute(
                    select(CriterionResultRow).where(CriterionResultRow.screening_id.in_(sorted(reviewed)))
                    .order_by(CriterionResultRow.position)
                ).scalars():
                    tally = tallies.setdefault(r.check_id, [r.protocol, r.label, 0, 0, 0, r.position])
                    tally[2] += 1
                    override = latest.get((r.screening_id, r.check_id))
                    if override is not None and override != r.verdict:
                        tally[3] += 1
                        tally[4] += r.verdict == Verdict.UNKNOWN.value
            criteria = [
                CriterionAgreement(check_id, t[0], t[1], t[2], t[3], t[4])
                for check_id, t in sorted(tallies.items(), key=lambda item: item[1][5])
            ]
            return AgreementReport(len(reviewed), criteria, outcomes)

    def funnel(self) -> dict[str, int]:
        """Counts for the coordinator's funnel."""
        with self.database.session() as session:
            def count(*conditions: Any) -> int:
                return session.execute(select(func.count(Screening.id)).where(*conditions)).scalar_one()

            counts = {
                "started": session.execute(select(func.count(ConversationStart.id))).scalar_one(),
                "consented": count(),
                "completed": count(Screening.completed_at.is_not(None)),
            }
            for status in ("likely_eligible", "needs_review", "likely_ineligible"):
                counts[status] = count(Screening.provisional_status == status)
            counts["contacted"] = count(
                Screening.review_status.in_(["contacted", "confirmed", "rejected", "unreachable"])
            )
            counts["confirmed"] = count(Screening.review_status == ReviewStatus.CONFIRMED.value)
            return counts


def lead_as_dict(record: LeadRecord) -> dict[str, Any]:
    data = asdict(record)
    for key in ("created_at", "consented_at", "completed_at"):
        data[key] = _iso(data[key])
    return data
