"""The leads list's filters: what the coordinator chose (status, review, attention, dates, search, sort,
page size) read from query or form arguments, and the store query they make. Shared by the list and
the CSV export, so both see the same leads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask_babel import gettext as _

from bot.leads.records import ATTENTION_FILTERS
from bot.leads.store import LEAD_SORTS, LeadQuery
from bot.web.coordinator.core import PROVISIONAL_LABELS, REVIEW_LABELS, now, services
from bot.web.coordinator.translatable import _l

PAGE_SIZES = (25, 50, 100)
MAX_SEARCH_CHARS = 200
DEFAULT_SORT = "needs_action"
SORT_LABELS = {
    "needs_action": _l("Needs action first"),
    "completed": _l("Completed"),
    "reference": _l("Reference"),
    "name": _l("Name"),
    "provisional": _l("Bot's assessment"),
    "review": _l("Review status"),
}
ATTENTION_LABELS = {
    "action": _l("Needs action now"),
    "overdue": _l("Overdue"),
}


@dataclass
class LeadFilters:
    """The list's filters as the coordinator typed them, and the query they make."""

    values: dict[str, str] = field(default_factory=dict)  # only the non-default ones, for links
    query: LeadQuery = field(default_factory=LeadQuery)
    page: int = 1
    per_page: int = PAGE_SIZES[0]
    errors: list[str] = field(default_factory=list)

    def link(self, **changes: Any) -> dict[str, Any]:
        """Arguments for url_for: these filters with some values changed (None drops one)."""
        merged: dict[str, Any] = {**self.values, **changes}
        return {key: value for key, value in merged.items() if value not in (None, "")}

    def describe(self) -> str:
        """The filters for the audit trail: never the search text, which may be a name or number."""
        parts = [f"{key}={value}" for key, value in self.values.items() if key not in ("q", "page")]
        if self.query.search:
            parts.append("search")
        return ", ".join(parts) or "none"


def _date(raw: str, name: str, errors: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(_("The %(name)s date should look like 2026-11-25.", name=name))
        return None


def lead_filters(args: Mapping[str, str]) -> LeadFilters:
    """Read the list's filters from query (or form) arguments; unknown values are ignored."""
    errors: list[str] = []
    values: dict[str, str] = {}
    status = args.get("status", "")
    if status in PROVISIONAL_LABELS:
        values["status"] = status
    review = args.get("review", "")
    if review in REVIEW_LABELS:
        values["review"] = review
    attention = args.get("need", "")
    if attention in ATTENTION_FILTERS:
        values["need"] = attention
    search = " ".join(args.get("q", "").split())[:MAX_SEARCH_CHARS]
    if search:
        values["q"] = search
    start = _date(args.get("from", "").strip(), _("“from”"), errors)
    end = _date(args.get("to", "").strip(), _("“to”"), errors)
    if start and end and end < start:
        errors.append(_("The “to” date is before the “from” date."))
        start = end = None
    zone = services().options.timezone
    completed_from = completed_before = None
    if start:
        values["from"] = start.isoformat()
        completed_from = datetime.combine(start, time.min, zone).astimezone(timezone.utc)
    if end:
        values["to"] = end.isoformat()
        completed_before = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(timezone.utc)
    sort = args.get("sort", DEFAULT_SORT)
    if sort not in LEAD_SORTS:
        sort = DEFAULT_SORT
    default_dir = "desc" if sort == "completed" else "asc"
    direction = args.get("dir", default_dir)
    if direction not in ("asc", "desc"):
        direction = default_dir
    if sort != DEFAULT_SORT or direction != "asc":
        values["sort"], values["dir"] = sort, direction
    try:
        per_page = int(args.get("per", PAGE_SIZES[0]))
    except ValueError:
        per_page = PAGE_SIZES[0]
    if per_page not in PAGE_SIZES:
        per_page = PAGE_SIZES[0]
    if per_page != PAGE_SIZES[0]:
        values["per"] = str(per_page)
    try:
        page = max(1, int(args.get("page", 1)))
    except ValueError:
        page = 1
    query = LeadQuery(
        provisional_status=values.get("status"),
        review_status=values.get("review"),
        completed_from=completed_from,
        completed_before=completed_before,
        search=search,
        sort=sort,
        descending=direction == "desc",
        attention=values.get("need", ""),
        now=now(),
        deadline_hours=services().settings.contact_deadline_hours,
    )
    return LeadFilters(values=values, query=query, page=page, per_page=per_page, errors=errors)
