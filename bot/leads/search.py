"""Finding leads: by id, reference code or conversation id; lists and exports; the coordinator's
search (reference code, phone, email or WeChat ID through the blind indexes, part of a name), sort and pages."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import Select

from bot.leads.base import StoreBase
from bot.leads.errors import LeadNotFound
from bot.leads.models import Contact, ContactAttempt, ReviewStatus, Screening
from bot.leads.pipeline import LeadState, as_utc, is_overdue, needs_action, needs_action_key
from bot.leads.records import LeadPage, LeadQuery, LeadRecord, decrypt_name, lead_record
from bot.leads.reference_codes import PREFIX, normalise_reference_code, reference_code_fragment
from bot.trial.eligibility import Status

# A phone number as a coordinator types it in the search box: digits with an optional leading +,
# spaced or punctuated as people write them ("+86 138-1234-5678", "(0)138.1234.5678").
_TYPED_PHONE = re.compile(r"\+?[\d\s()./\-]+")
# A WeChat ID: 6 to 20 letters, digits, _ or -, starting with a letter (matched whole, through its index).
_WECHAT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}")
# Invisible and direction characters that a pasted number may carry.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def typed_phone(text: str) -> str | None:
    """A phone number typed in the search box, as the bot stores numbers (+ and 7 to 15 digits)."""
    raw = " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFKC", text)).split())
    if not _TYPED_PHONE.fullmatch(raw):
        return None
    digits = re.sub(r"\D", "", raw)
    if not 7 <= len(digits) <= 15:
        return None
    return ("+" if raw.startswith("+") else "") + digits


def phone_variants(text: str) -> set[str]:
    """The ways a phone number may have been stored (the bot keeps `+` and digits)."""
    phone = typed_phone(text)
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


def _value(status: Status | ReviewStatus | str | None) -> str | None:
    """A status as stored (enums and their string values are both accepted)."""
    return status.value if isinstance(status, (Status, ReviewStatus)) else status


class LeadSearch(StoreBase):
    @staticmethod
    def _query() -> Select:
        return select(Screening).options(
            selectinload(Screening.answers),
            selectinload(Screening.results),
            selectinload(Screening.contact),
            selectinload(Screening.status_changes),
            selectinload(Screening.answer_events),
            selectinload(Screening.side_questions),
            selectinload(Screening.contact_attempts),
        )

    def list_leads(
        self, provisional_status: Status | str | None = None, review_status: ReviewStatus | str | None = None
    ) -> list[LeadRecord]:
        """Completed screenings, newest first (ruled-out ones included, for the funnel)."""
        query = self._query().where(Screening.completed_at.is_not(None))
        if provisional_status:
            query = query.where(Screening.provisional_status == _value(provisional_status))
        if review_status:
            query = query.where(Screening.review_status == _value(review_status))
        query = query.order_by(Screening.completed_at.desc(), Screening.id.desc())
        with self._reading("listing leads") as session:
            return [lead_record(s, self.cipher) for s in session.execute(query).scalars()]

    def get_lead(self, key: str | int) -> LeadRecord:
        """A lead by id, reference code (any case, dash optional) or conversation id."""
        text = str(key).strip()
        query = self._query()
        code = normalise_reference_code(text)
        if text.isdigit():
            query = query.where(Screening.id == int(text))
        elif code is not None or text.upper().startswith(f"{PREFIX}-"):
            query = query.where(Screening.reference_code == (code or text.upper()))
        else:
            query = query.where(Screening.conversation_id == text)
        with self._reading("reading a lead") as session:
            screening = session.execute(query).scalar_one_or_none()
            if screening is None:
                raise LeadNotFound(f"no lead {text!r}")
            return lead_record(screening, self.cipher)

    def search_leads(self, query: LeadQuery, page: int = 1, per_page: int = 25) -> LeadPage:
        """One page of completed screenings matching `query` (contact details decrypted)."""
        per_page = max(1, per_page)
        with self._reading("searching leads") as session:
            ids = self._matching_ids(session, query)
            pages = max(1, math.ceil(len(ids) / per_page))
            page = min(max(1, page), pages)
            shown = ids[(page - 1) * per_page: page * per_page]
            return LeadPage(self._records(session, shown), len(ids), page, per_page)

    def find_leads(self, query: LeadQuery) -> list[LeadRecord]:
        """Every completed screening matching `query`, in its order (for exports)."""
        with self._reading("finding leads") as session:
            return self._records(session, self._matching_ids(session, query))

    def _matching_ids(self, session: Session, query: LeadQuery) -> list[int]:
        """Ids of the completed screenings that match `query`, in its order."""
        conditions: list[Any] = [Screening.completed_at.is_not(None)]
        if query.provisional_status:
            conditions.append(Screening.provisional_status == _value(query.provisional_status))
        if query.review_status:
            conditions.append(Screening.review_status == _value(query.review_status))
        if query.completed_from:
            conditions.append(Screening.completed_at >= query.completed_from)
        if query.completed_before:
            conditions.append(Screening.completed_at < query.completed_before)
        text = " ".join(query.search.split())
        if text:
            conditions.append(Screening.id.in_(self._search_ids(session, text, conditions)))
        if query.attention or query.sort == "needs_action":
            return self._by_pipeline(session, query, conditions)
        if query.sort == "name":
            rows = session.execute(
                select(Screening.id, Contact.name_encrypted)
                .outerjoin(Contact, Contact.screening_id == Screening.id)
                .where(*conditions)
                .order_by(Screening.completed_at.desc(), Screening.id.desc())
            ).all()
            names = {row.id: decrypt_name(self.cipher, row.name_encrypted) for row in rows}
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

    def _by_pipeline(self, session: Session, query: LeadQuery, conditions: Sequence[Any]) -> list[int]:
        """The matching ids filtered by what needs action and/or sorted "needs action first".

        The rules are Python (bot/leads/pipeline.py), so this reads one small row per matching lead
        and sorts in memory: a site has hundreds of leads, not millions, and the rules stay in one place.
        """
        now = query.now or datetime.now(timezone.utc)
        attempts = (
            select(ContactAttempt.screening_id, func.min(ContactAttempt.at).label("first"),
                   func.max(ContactAttempt.at).label("last"))
            .group_by(ContactAttempt.screening_id).subquery()
        )
        rows = session.execute(
            select(Screening.id, Screening.review_status, Screening.completed_at, Screening.started_at,
                   Screening.callback_at, Screening.visit_at, Contact.phone_encrypted, Contact.email_encrypted,
                   Contact.wechat_encrypted, attempts.c.first, attempts.c.last)
            .outerjoin(Contact, Contact.screening_id == Screening.id)
            .outerjoin(attempts, attempts.c.screening_id == Screening.id)
            .where(*conditions)
        ).all()
        states = {
            row.id: LeadState(
                review_status=row.review_status,
                completed_at=as_utc(row.completed_at or row.started_at) or now,
                has_contact=bool(row.phone_encrypted or row.email_encrypted or row.wechat_encrypted),
                first_attempt_at=as_utc(row.first), last_attempt_at=as_utc(row.last),
                callback_at=as_utc(row.callback_at), visit_at=as_utc(row.visit_at),
            )
            for row in rows
        }
        hours = query.deadline_hours
        if query.attention == "overdue":
            states = {i: s for i, s in states.items() if is_overdue(s, now, hours)}
        elif query.attention == "action":
            states = {i: s for i, s in states.items() if needs_action(s, now, hours)}
        if query.sort == "needs_action":
            # Most pressing first; among equals the older lead (lower id) first.
            ordered = sorted(states, key=lambda i: (needs_action_key(states[i], now, hours), i))
            return ordered[::-1] if query.descending else ordered
        wanted = set(states)
        return [i for i in self._matching_ids(session, replace(query, attention="")) if i in wanted]

    def _search_ids(self, session: Session, text: str, conditions: Sequence[Any]) -> list[int]:
        matches: list[Any] = []
        code = reference_code_fragment(text)
        if code is not None:
            matches.append(Screening.reference_code.contains(code, autoescape=True))
        if self.cipher is not None:
            if "@" in text:
                matches.append(Contact.email_index == self.cipher.blind_index(text))
            phones = {self.cipher.blind_index(p) for p in phone_variants(text)}
            if phones:
                matches.append(Contact.phone_index.in_(phones))
            if _WECHAT_ID.fullmatch(text):
                matches.append(Contact.wechat_index == self.cipher.blind_index(text))
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
                if wanted in " ".join(decrypt_name(self.cipher, row.name_encrypted).split()).casefold()
            }
        return sorted(found)

    def _records(self, session: Session, ids: Sequence[int]) -> list[LeadRecord]:
        if not ids:
            return []
        by_id = {s.id: s for s in session.execute(self._query().where(Screening.id.in_(list(ids)))).scalars()}
        return [lead_record(by_id[i], self.cipher) for i in ids if i in by_id]
