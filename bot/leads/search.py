"""Finding leads: by id, reference code or conversation id; lists and exports; the coordinator's
search (reference code, phone, email or WeChat ID through the blind indexes, part of a name), sort and pages."""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, noload, selectinload
from sqlalchemy.sql import Select

from bot.leads import lead_facts, name_search
from bot.leads import pipeline_sql as rules
from bot.leads.base import StoreBase
from bot.leads.errors import LeadNotFound
from bot.leads.models import Contact, CriterionResultRow, ReviewStatus, Screening
from bot.leads.name_order import sort_key
from bot.leads.pipeline import Urgency
from bot.leads.records import LeadPage, LeadQuery, LeadRecord, decrypt_name, lead_record
from bot.leads.reference_codes import PREFIX, normalise_reference_code, reference_code_fragment
from bot.trial.eligibility import Status

# A phone number as a coordinator types it in the search box: digits with an optional leading +,
# spaced or punctuated as people write them ("+86 138-1234-5678", "(0)138.1234.5678").
_TYPED_PHONE = re.compile(r"\+?[\d\s()./\-]+")
# A WeChat ID: 6 to 20 letters, digits, _ or -, starting with a letter (matched whole, through its index).
_WECHAT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}")
# Leads read at a time for an export: the first chunk small, so a streamed file starts at once.
FIRST_CHUNK = 50
EXPORT_CHUNK = 500
# Leads each page of a streamed export reads again from the page before (changes meanwhile: iter_leads).
STREAM_OVERLAP = 50
# Up to this many matching leads, an export's criteria columns are read from those leads' own results.
FEW_LEADS = 2000
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


# The attention filters as the urgency levels they mean: "overdue" is pipeline.is_overdue, which only an
# OVERDUE lead is; "action" is pipeline.needs_action, defined as urgency up to VISIT_PASSED.
_ATTENTION_LEVELS: dict[str, tuple[Urgency, ...]] = {
    "overdue": (Urgency.OVERDUE,),
    "action": (Urgency.OVERDUE, Urgency.CALLBACK_DUE, Urgency.VISIT_PASSED),
}


def _could_be_name(text: str) -> bool:
    """Whether a search text may be part of a name: letters, no digit (codes, numbers), no e-mail address,
    not a whole reference code."""
    return (any(ch.isalpha() for ch in text) and not any(ch.isdigit() for ch in text)
            and "@" not in text and normalise_reference_code(text) is None)


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

    def search_leads(self, query: LeadQuery, page: int = 1, per_page: int = 25, full: bool = True,
                     criteria: bool = True) -> LeadPage:
        """One page of completed screenings matching `query` (contact details decrypted).

        The database filters, counts, sorts and cuts the page (the pipeline's rules as SQL:
        bot/leads/pipeline_sql.py); only the page's leads are read. `full=False` leaves out what the
        list does not show (answers, their corrections, the patient's questions, status history);
        `criteria=False` reads only how many criteria have each verdict (LeadRecord.verdict_counts).
        """
        per_page = max(1, per_page)
        self._fill_name_groups(query, "searching leads")
        with self._reading("searching leads") as session:
            base = self._conditions(session, query, attention=False)
            total = self._count(session, query, base)
            pages = max(1, math.ceil(total / per_page))
            page = min(max(1, page), pages)
            shown = self._ordered_ids(session, query, [*base, *self._attention(query)], (page - 1) * per_page,
                                      per_page, base)
            return LeadPage(self._records(session, shown, full, criteria), total, page, per_page)

    def _count(self, session: Session, query: LeadQuery, base: Sequence[Any]) -> int:
        """How many leads match `query`, `base` being its conditions without what needs action."""
        levels = _ATTENTION_LEVELS.get(query.attention)
        if levels is not None:  # what needs attention is the leads at these urgency levels: counted per level
            clock = self._clock(query)
            return sum(session.execute(select(func.count(Screening.id)).where(
                *base, *rules.at_level(level, clock))).scalar_one() for level in levels)
        return session.execute(select(func.count(Screening.id)).where(*base)).scalar_one()

    def count_matching(self, query: LeadQuery) -> int:
        """How many completed screenings match `query` (an export's size), counted by the database."""
        self._fill_name_groups(query, "counting leads")
        with self._reading("counting leads") as session:
            return self._count(session, query, self._conditions(session, query, attention=False))

    def find_leads(self, query: LeadQuery) -> list[LeadRecord]:
        """Every completed screening matching `query`, in its order (for exports)."""
        self._fill_name_groups(query, "finding leads")
        with self._reading("finding leads") as session:
            return self._records(session, self.matching_ids(query, session))

    def iter_leads(self, query: LeadQuery, full: bool = True, chunk: int = EXPORT_CHUNK) -> Iterator[LeadRecord]:
        """The leads matching `query`, in its order, read a chunk at a time, each chunk in its own session.

        Streamed: each chunk's ids are one page of the list's own order (`_ordered_ids` with an offset,
        "needs action first" one urgency level at a time through its index), so the first leads come at
        once, without ordering every matching lead first, and memory stays bounded. The clock is fixed
        at the start (a lead does not change urgency level between two chunks). Each page starts
        STREAM_OVERLAP leads before the last one's end, the leads already written skipped: a lead erased
        meanwhile, or moved by a change from an earlier page to a later one, shifts the later pages up,
        and the overlap keeps the leads at the border from being missed; a moved lead is written once.
        `full=False`: as in `iter_records`.
        """
        if query.now is None:
            query = dataclasses.replace(query, now=datetime.now(timezone.utc))
        self._fill_name_groups(query, "exporting leads")
        size, offset = min(chunk, FIRST_CHUNK), 0
        written: set[int] = set()
        while True:
            start = max(0, offset - STREAM_OVERLAP)
            wanted = size + offset - start
            with self._reading("exporting leads") as session:
                base = self._conditions(session, query, attention=False)
                ids = self._ordered_ids(session, query, [*base, *self._attention(query)], start, wanted, base)
                records = self._records(session, [i for i in ids if i not in written], full)
            written.update(ids)
            yield from records
            if len(ids) < wanted:
                return
            offset += size
            size = chunk

    def iter_records(self, ids: Sequence[int], full: bool = True, chunk: int = EXPORT_CHUNK) -> Iterator[LeadRecord]:
        """These leads, in this order, read a chunk at a time, each chunk in its own session.

        `full=False` leaves out what the CSV does not show (answers, their corrections, the patient's
        questions, status history): much less to read per lead. The first chunk is small, so a file
        streamed from here starts at once. A lead erased meanwhile is skipped.
        """
        size = min(chunk, FIRST_CHUNK)
        start = 0
        while start < len(ids):
            with self._reading("exporting leads") as session:
                records = self._records(session, ids[start:start + size], full)
            yield from records
            start += size
            size = chunk

    def export_check_ids(self, query: LeadQuery) -> list[str]:
        """The criteria the leads matching `query` have results for, in the order they are asked.

        Found without reading every result: the distinct check ids by a walk of their index, then which
        of them the matching leads have (from the leads' own results when few match, else for each
        check its first matching lead). Ordered by the check's first position in the results.
        """
        results = CriterionResultRow
        with self._reading("listing criteria for an export") as session:
            walk = select(func.min(results.check_id).label("check_id")).cte("walk", recursive=True)
            walk = walk.union_all(
                select(select(func.min(results.check_id)).where(results.check_id > walk.c.check_id)
                       .scalar_subquery()).where(walk.c.check_id.is_not(None))
            )
            check_ids = [c for c in session.execute(select(walk.c.check_id)).scalars() if c is not None]
            conditions = self._conditions(session, query)
            # Few matching leads (a filter, a search): their own results say which criteria they have,
            # read through the results' lead index; many: for each criterion, the first matching lead with it.
            matching = select(Screening.id).where(*conditions)
            few = session.execute(select(func.count()).select_from(
                matching.limit(FEW_LEADS + 1).subquery())).scalar_one() <= FEW_LEADS
            had = set(session.execute(select(results.check_id).where(results.screening_id.in_(matching))
                                      .distinct()).scalars()) if few else set()
            found = []
            for check_id in check_ids:
                present = (check_id in had) if few else session.execute(
                    select(results.screening_id).join(Screening, Screening.id == results.screening_id)
                    .where(results.check_id == check_id, *conditions).limit(1)
                ).first() is not None
                if present:
                    position = session.execute(
                        select(func.min(results.position)).where(results.check_id == check_id)).scalar_one()
                    found.append((position, check_id))
        return [check_id for _, check_id in sorted(found)]

    def matching_ids(self, query: LeadQuery, session: Session | None = None) -> list[int]:
        """Ids of the completed screenings that match `query`, in its order."""
        if session is None:
            self._fill_name_groups(query, "finding leads")
            with self._reading("finding leads") as own:
                return self.matching_ids(query, own)
        return self._ordered_ids(session, query, self._conditions(session, query))

    def _conditions(self, session: Session, query: LeadQuery, attention: bool = True) -> list[Any]:
        """The WHERE of `query`: its filters, its search, and (unless `attention` is False) what needs action."""
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
        return [*conditions, *self._attention(query)] if attention else conditions

    def _attention(self, query: LeadQuery) -> list[Any]:
        """What needs action, as SQL: each rule with the hints of its urgency levels, which the indexes can
        find (pipeline_sql.py)."""
        clock = self._clock(query)
        if query.attention == "overdue":
            return [rules.level_hint(Urgency.OVERDUE, clock), rules.is_overdue(clock)]
        if query.attention == "action":
            levels = _ATTENTION_LEVELS["action"]
            return [or_(*(rules.level_hint(level, clock) for level in levels)), rules.needs_action(clock)]
        return []

    @staticmethod
    def _clock(query: LeadQuery) -> rules.Clock:
        return rules.Clock(query.now or datetime.now(timezone.utc), query.deadline_hours)

    def _ordered_ids(self, session: Session, query: LeadQuery, conditions: Sequence[Any], offset: int = 0,
                     limit: int | None = None, base: Sequence[Any] | None = None) -> list[int]:
        """The matching ids in the query's order, from `offset`, at most `limit` of them (None: all).

        `base`: the conditions without what needs action, when the caller has them (for "needs action
        first" with an attention filter, read only at the levels the filter means)."""
        if query.sort == "name":
            return self._by_name(session, conditions, query.descending, offset, limit)
        if query.sort == "needs_action":
            levels = _ATTENTION_LEVELS.get(query.attention)
            if levels is not None and base is not None:
                return self._by_urgency(session, self._clock(query), base, query.descending, offset, limit, levels)
            return self._by_urgency(session, self._clock(query), conditions, query.descending, offset, limit)
        else:
            column = {
                "reference": Screening.reference_code,
                "provisional": Screening.provisional_status,
                "review": Screening.review_status,
            }.get(query.sort, Screening.completed_at)
            order = [column.desc(), Screening.id.desc()] if query.descending else [column.asc(), Screening.id.asc()]
        statement = select(Screening.id).where(*conditions).order_by(*order).offset(offset)
        if limit is not None:
            statement = statement.limit(limit)
        return list(session.execute(statement).scalars())

    @staticmethod
    def _by_urgency(session: Session, clock: rules.Clock, conditions: Sequence[Any], descending: bool, offset: int,
                    limit: int | None, levels: Sequence[Urgency] = rules.LEVELS) -> list[int]:
        """ "Needs action first": most pressing first; among equals the older lead (lower id) first.

        One urgency level at a time (bot/leads/pipeline_sql.py), counting a level only to skip it, so
        a page near the top reads only the few leads that need action, never sorts all of them.
        """
        ids: list[int] = []
        skip = offset
        for level in reversed(levels) if descending else levels:
            if limit is not None and len(ids) >= limit:
                break
            where = [*conditions, *rules.at_level(level, clock)]
            if skip:
                count = session.execute(select(func.count(Screening.id)).where(*where)).scalar_one()
                if skip >= count:
                    skip -= count
                    continue
            columns = (rules.level_moment(level), Screening.id)
            statement = (select(Screening.id).where(*where)
                         .order_by(*(c.desc() if descending else c.asc() for c in columns)).offset(skip))
            if limit is not None:
                statement = statement.limit(limit - len(ids))
            ids += session.execute(statement).scalars()
            skip = 0
        return ids

    def _by_name(self, session: Session, conditions: Sequence[Any], descending: bool, offset: int,
                 limit: int | None) -> list[int]:
        """Named leads by name (A-Z, or Z-A), then the leads without a name, newest first.

        Only the names of the sort groups the page falls in are decrypted (bot/leads/name_order.py);
        among equal names, and among the unnamed, the newer lead comes first.
        """
        group_of = Screening.name_group  # the contact's group, stored on the screening (lead_facts.py)
        newest = (Screening.completed_at.desc(), Screening.id.desc())
        groups = session.execute(
            select(group_of, func.count()).where(*conditions, group_of >= 0).group_by(group_of)
            .order_by(group_of.desc() if descending else group_of.asc())
        ).all()
        total_named = sum(count for _, count in groups)
        end = None if limit is None else offset + limit
        ids: list[int] = []
        if offset < total_named:
            wanted: list[int] = []
            skipped = seen = 0
            for group, count in groups:
                if seen + count > offset and (end is None or seen < end):
                    if not wanted:
                        skipped = seen
                    wanted.append(group)
                seen += count
            rows = session.execute(
                select(Screening.id, Contact.name_encrypted).join(Contact, Contact.screening_id == Screening.id)
                .where(*conditions, group_of.in_(wanted)).order_by(*newest)
            ).all()
            names = {row.id: sort_key(decrypt_name(self.cipher, row.name_encrypted)) for row in rows}
            ordered = sorted(names, key=names.__getitem__, reverse=descending)
            ids = ordered[offset - skipped: None if end is None else end - skipped]
        if end is None or end > total_named:
            unnamed = (
                select(Screening.id).where(*conditions, or_(group_of.is_(None), group_of < 0))
                .order_by(*newest).offset(max(0, offset - total_named))
            )
            if end is not None:
                unnamed = unnamed.limit(end - max(offset, total_named))
            ids += list(session.execute(unnamed).scalars())
        return ids

    def _fill_name_groups(self, query: LeadQuery, what: str) -> None:
        """Name facts (sort group, search hashes) missing after migrations 0009 and 0010 (they have no key),
        computed once, before a sort by name or a search that may be for part of a name."""
        if self.cipher is None or (query.sort != "name" and not _could_be_name(" ".join(query.search.split()))):
            return
        with self._reading(what) as session:  # a failure names what the coordinator asked for
            missing = session.execute(
                select(Contact.screening_id).where(Contact.name_group.is_(None)).limit(1)
            ).first()
        if missing is not None:
            with self._transaction(what) as session:
                lead_facts.fill_name_groups(session, self.cipher)

    def _search_ids(self, session: Session, text: str, conditions: Sequence[Any]) -> list[int]:
        found: set[int] = set()
        code = reference_code_fragment(text)
        if code is not None:
            found |= set(session.execute(select(Screening.id).where(
                *conditions, Screening.reference_code.contains(code, autoescape=True))).scalars())
        matches: list[Any] = []  # on the contact's indexes: found from the contacts, not from every screening
        if self.cipher is not None:
            if "@" in text:
                matches.append(Contact.email_index == self.cipher.blind_index(text))
            phones = {self.cipher.blind_index(p) for p in phone_variants(text)}
            if phones:
                matches.append(Contact.phone_index.in_(phones))
            if _WECHAT_ID.fullmatch(text):
                matches.append(Contact.wechat_index == self.cipher.blind_index(text))
        if matches:
            found |= set(session.execute(
                select(Screening.id).join(Contact, Contact.screening_id == Screening.id)
                .where(*conditions, or_(*matches))
            ).scalars())
        # Part of a name: the blind index of its letters and pairs of letters (bot/leads/name_search.py)
        # gives the few names that may contain the text; only those are decrypted and checked. Not for
        # what cannot be in a name: a whole reference code, anything with a digit or an e-mail address.
        likely = name_search.candidates(self.cipher, text) if self.cipher is not None and _could_be_name(text) \
            else None
        if likely is not None and name_search.exact(text):
            found |= set(session.execute(select(Screening.id).where(*conditions, Screening.id.in_(likely))).scalars())
        elif self.cipher is not None and likely is not None:
            wanted = name_search.normalise(text)
            rows = session.execute(
                select(Contact.screening_id, Contact.name_encrypted).join(Screening)
                .where(*conditions, Contact.screening_id.in_(likely))
            ).all()
            found |= {
                row.screening_id for row in rows
                if wanted in name_search.normalise(decrypt_name(self.cipher, row.name_encrypted))
            }
        return sorted(found)

    def _records(self, session: Session, ids: Sequence[int], full: bool = True,
                 criteria: bool = True) -> list[LeadRecord]:
        if not ids:
            return []
        query = self._query() if full else select(Screening).options(
            selectinload(Screening.results) if criteria else noload(Screening.results),
            selectinload(Screening.contact), selectinload(Screening.contact_attempts),
            *(noload(relation) for relation in (Screening.answers, Screening.status_changes, Screening.answer_events,
                                                Screening.side_questions)),
        )
        by_id = {s.id: s for s in session.execute(query.where(Screening.id.in_(list(ids)))).scalars()}
        records = [lead_record(by_id[i], self.cipher) for i in ids if i in by_id]
        if not criteria and not full:
            counts: dict[int, dict[str, int]] = {record.id: {} for record in records}
            for lead, verdict, count in session.execute(
                select(CriterionResultRow.screening_id, CriterionResultRow.verdict, func.count())
                .where(CriterionResultRow.screening_id.in_(list(counts)))
                .group_by(CriterionResultRow.screening_id, CriterionResultRow.verdict)
            ):
                counts[lead][verdict] = count
            for record in records:
                record.counted_verdicts = counts[record.id]
        return records
