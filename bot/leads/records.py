"""How leads look outside the database: plain records, queries and pages (no SQLAlchemy objects)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.languages import DEFAULT_LANGUAGE, known_language
from bot.leads.crypto import FieldCipher
from bot.leads.errors import StoreError
from bot.leads.models import ReviewStatus, Screening
from bot.leads.pipeline import LeadState, as_utc, criteria_list
from bot.trial.eligibility import Status


@dataclass(frozen=True)
class ContactDetails:
    name: str
    phone: str | None = None
    email: str | None = None
    preferred_time: str | None = None
    wechat: str | None = None  # WeChat ID




def text_versions_of(stored: str | None) -> dict[str, str]:
    """The stored JSON of a screening's text versions, as a dict ({} when empty or unreadable)."""
    try:
        value = json.loads(stored or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


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
    answer_events: list[dict[str, Any]] = field(default_factory=list)  # corrected or confirmed answers
    side_questions: list[dict[str, Any]] = field(default_factory=list)  # the patient's own questions
    language: str = DEFAULT_LANGUAGE  # the conversation's language
    channel: str = "web"  # where the patient took the prescreen: web (the chat page) or wechat
    text_versions: dict[str, str] = field(default_factory=dict)  # versions of the patient texts shown
    # The pipeline (bot/leads/pipeline.py): attempts oldest first; moments aware, in UTC.
    contact_attempts: list[dict[str, Any]] = field(default_factory=list)
    callback_at: datetime | None = None
    visit_at: datetime | None = None
    screen_failure_reason: str | None = None
    failed_criteria: list[str] = field(default_factory=list)
    # Leads per verdict of its criteria, when the list read only these counts, not the criteria themselves.
    counted_verdicts: dict[str, int] | None = None

    @property
    def verdict_counts(self) -> dict[str, int]:
        """How many of the lead's criteria have each verdict (the list's "open items")."""
        if self.counted_verdicts is not None:
            return self.counted_verdicts
        counts: dict[str, int] = {}
        for criterion in self.criteria:
            counts[criterion["verdict"]] = counts.get(criterion["verdict"], 0) + 1
        return counts

    @property
    def first_attempt_at(self) -> datetime | None:
        return min((a["at"] for a in self.contact_attempts), default=None)

    @property
    def last_attempt_at(self) -> datetime | None:
        return max((a["at"] for a in self.contact_attempts), default=None)

    @property
    def has_contact(self) -> bool:
        """Contact details someone can use: a phone, an e-mail or a WeChat ID."""
        return self.contact is not None and bool(self.contact.phone or self.contact.email or self.contact.wechat)

    def state(self) -> LeadState:
        """What the pipeline's deadline and "needs action" rules read from this lead."""
        return LeadState(
            review_status=self.review_status,
            completed_at=as_utc(self.completed_at or self.created_at) or self.created_at,
            has_contact=self.has_contact,
            first_attempt_at=self.first_attempt_at,
            last_attempt_at=self.last_attempt_at,
            callback_at=self.callback_at,
            visit_at=self.visit_at,
        )

    def as_export(self) -> dict[str, Any]:
        """A flat, JSON-ready dict; contact fields are None for leads without contact details."""
        contact = self.contact or ContactDetails(name="")
        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "reference_code": self.reference_code,
            "created_at": iso(self.created_at),
            "completed_at": iso(self.completed_at),
            "consented_at": iso(self.consented_at),
            "consent_version": self.consent_version,
            "criteria_version": self.criteria_version,
            "provisional_status": self.provisional_status,
            "review_status": self.review_status,
            # the pipeline; attempts without their notes (staff text, kept out of files that travel)
            "first_attempt_at": iso(self.first_attempt_at),
            "last_attempt_at": iso(self.last_attempt_at),
            "contact_attempts": [
                {"at": iso(a["at"]), "channel": a["channel"], "outcome": a["outcome"]} for a in self.contact_attempts
            ],
            "callback_at": iso(self.callback_at),
            "visit_at": iso(self.visit_at),
            "screen_failure_reason": self.screen_failure_reason,
            "failed_criteria": self.failed_criteria,
            "name": contact.name or None,
            "phone": contact.phone,
            "email": contact.email,
            "preferred_time": contact.preferred_time,
            "wechat": contact.wechat,
            "language": self.language,
            "text_versions": self.text_versions,
            "criteria": self.criteria,
            "answers": self.answers,
        }


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


LEAD_SORTS = ("needs_action", "completed", "reference", "name", "provisional", "review")
# Lists of leads that need something done (LeadQuery.attention): past the contact deadline; or overdue,
# a call-back due, or a booked visit's date passed (bot.leads.pipeline.needs_action).
ATTENTION_FILTERS = ("overdue", "action")


@dataclass(frozen=True)
class LeadQuery:
    """Which completed screenings to show, and in what order (the coordinator's list and exports).

    `completed_from` is inclusive and `completed_before` exclusive; both timezone-aware.
    `search` matches a reference code, a phone number or email (through the blind indexes),
    or part of a name (through the blind index of its letters: bot/leads/name_search.py).
    """

    provisional_status: Status | str | None = None
    review_status: ReviewStatus | str | None = None
    completed_from: datetime | None = None
    completed_before: datetime | None = None
    search: str = ""
    sort: str = "completed"
    descending: bool = True
    attention: str = ""  # one of ATTENTION_FILTERS, or "" for every lead
    # What "needs action" and "overdue" are measured against (the sort and the attention filters).
    now: datetime | None = None  # None: the real time
    deadline_hours: int = 24


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


def decrypt_name(cipher: FieldCipher | None, token: str | None) -> str:
    """A stored (encrypted) name, or "" when there is none."""
    if token is None:
        return ""
    if cipher is None:
        raise StoreError("contact details cannot be read: no data key configured")
    return cipher.decrypt(token) or ""


def lead_record(screening: Screening, cipher: FieldCipher | None) -> LeadRecord:
    """A loaded screening (answers, results, contact, status changes) as a record, contact decrypted."""
    contact = None
    if screening.contact is not None:
        if cipher is None:
            raise StoreError("contact details cannot be read: no data key configured")
        row = screening.contact
        contact = ContactDetails(
            name=cipher.decrypt(row.name_encrypted) or "",
            phone=cipher.decrypt(row.phone_encrypted),
            email=cipher.decrypt(row.email_encrypted),
            preferred_time=cipher.decrypt(row.preferred_time_encrypted),
            wechat=cipher.decrypt(row.wechat_encrypted),
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
        language=known_language(screening.language),
        channel=screening.channel or "web",
        text_versions=text_versions_of(screening.text_versions),
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
            {"status": c.status, "note": c.note, "actor": c.actor, "changed_at": iso(c.changed_at),
             "visit_at": iso(as_utc(c.visit_at)), "screen_failure_reason": c.screen_failure_reason,
             "failed_criteria": criteria_list(c.failed_criteria), "automatic": bool(c.automatic)}
            for c in screening.status_changes
        ],
        contact_attempts=[
            {"id": a.id, "at": as_utc(a.at), "channel": a.channel, "outcome": a.outcome, "note": a.note,
             "actor": a.actor, "recorded_at": as_utc(a.recorded_at)}
            for a in screening.contact_attempts
        ],
        callback_at=as_utc(screening.callback_at),
        visit_at=as_utc(screening.visit_at),
        screen_failure_reason=screening.screen_failure_reason,
        failed_criteria=criteria_list(screening.failed_criteria),
        answer_events=[
            {"check_id": e.check_id, "event": e.event, "patient_text": e.patient_text, "value": e.value,
             "detail": e.detail, "at": iso(e.at)}
            for e in screening.answer_events
        ],
        side_questions=[
            {"topic": q.topic, "patient_text": q.patient_text, "during_check": q.during_check, "at": iso(q.asked_at)}
            for q in screening.side_questions
        ],
    )
