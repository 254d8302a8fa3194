"""The leads list (funnel, filters, search, sort, pages) and one lead's evidence, decisions and erasure."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from bot.leads.erasure import ERASE_REASONS, TrackerStoreError, erase_lead
from bot.leads.reference_codes import normalise_reference_code
from bot.leads.store import (
    LEAD_SORTS,
    MAX_REASON_CHARS,
    MAX_RECORD_RESULT_CHARS,
    LeadNotFound,
    LeadQuery,
    LeadRecord,
    StoreError,
)
from bot.trial.criteria import Check
from bot.trial.eligibility import Verdict
from bot.web.coordinator.core import PROVISIONAL_LABELS, REVIEW_LABELS, VERDICT_LABELS, actor, audit, services
from bot.web.coordinator.translatable import _l

bp = Blueprint("leads", __name__)
log = logging.getLogger(__name__)

PAGE_SIZES = (25, 50, 100)
MAX_NOTE_CHARS = 2000
MAX_SEARCH_CHARS = 200
SORT_LABELS = {
    "completed": _l("Completed"),
    "reference": _l("Reference"),
    "name": _l("Name"),
    "provisional": _l("Bot's assessment"),
    "review": _l("Review status"),
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
    sort = args.get("sort", "completed")
    if sort not in LEAD_SORTS:
        sort = "completed"
    default_dir = "desc" if sort == "completed" else "asc"
    direction = args.get("dir", default_dir)
    if direction not in ("asc", "desc"):
        direction = default_dir
    if sort != "completed" or direction != "desc":
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
    )
    return LeadFilters(values=values, query=query, page=page, per_page=per_page, errors=errors)


def _page_numbers(page: int, pages: int) -> list[int | None]:
    """Page links around the current one, with None for a gap: 1 … 4 5 6 … 20."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


@bp.get("/")
def home() -> Response:
    return redirect(url_for("leads.index"))


@bp.get("/leads")
def index() -> str:
    filters = lead_filters(request.args)
    store = services().store
    page = store.search_leads(filters.query, filters.page, filters.per_page)
    for message in filters.errors:
        flash(message, "error")
    shown = " ".join(str(lead.id) for lead in page.leads) or "-"
    audit("view_list", detail=f"page {page.page}, {len(page.leads)} of {page.total} leads (ids {shown}); "
                              f"filters: {filters.describe()}")
    return render_template(
        "leads/list.html",
        page=page,
        filters=filters,
        funnel=store.funnel(),
        page_numbers=_page_numbers(page.page, page.pages),
        sort_labels=SORT_LABELS,
        page_sizes=PAGE_SIZES,
    )


def _lead_or_404(lead_id: int) -> Any:
    try:
        return services().store.get_lead(lead_id)
    except LeadNotFound:
        abort(404)


def asked_as(check: Check, language: str | None) -> str:
    """The question as the patient read it: their answer, shown beside it, is in that language."""
    try:
        return check.texts(language or "en").question
    except KeyError:  # a language since removed from the criteria: the source text
        return check.question


@bp.get("/leads/<int:lead_id>")
def detail(lead_id: int) -> str:
    lead = _lead_or_404(lead_id)
    store, criteria = services().store, services().criteria
    audit("view_lead", lead.id, lead.reference_code or "")

    answers = {answer["check_id"]: answer for answer in lead.answers}
    answer_events: dict[str, list[dict[str, Any]]] = {}  # corrected or confirmed answers, per check
    for event in lead.answer_events:
        answer_events.setdefault(event["check_id"], []).append({**event, "at": datetime.fromisoformat(event["at"])})
    side_questions = [{**q, "at": datetime.fromisoformat(q["at"])} for q in lead.side_questions]
    history: dict[str, list[dict[str, Any]]] = {}
    for override in store.criterion_overrides(lead.id):
        history.setdefault(override["check_id"], []).append(override)
    checks = {check.id: check for check in criteria.checks}
    rows = []
    for item in lead.criteria:
        overrides = history.get(item["check_id"], [])
        latest = overrides[-1] if overrides else None
        check = checks.get(item["check_id"])
        rows.append({
            **item,
            "protocol_text": criteria.protocol.get(item["protocol"], ""),
            "kind": "Inclusion" if item["protocol"].startswith("I") else "Exclusion",
            "question": asked_as(check, lead.language) if check else None,
            "answer": answers.get(item["check_id"]),
            "answer_events": answer_events.get(item["check_id"], []),
            "override": latest,
            "earlier_overrides": overrides[:-1],
            "effective": latest["verdict"] if latest else item["verdict"],
        })
    tally = {verdict: sum(1 for row in rows if row["effective"] == verdict) for verdict in VERDICT_LABELS}

    results: dict[str, dict[str, Any]] = {}
    for result in store.record_check_results(lead.id):
        results[result["record_check_id"]] = result
    checklist: list[dict[str, Any]] = [{"check": rc, "result": results.get(rc.id)} for rc in criteria.record_checks]
    status_changes = [
        {**change, "changed_at": datetime.fromisoformat(change["changed_at"])} for change in lead.status_changes
    ]
    return render_template(
        "leads/detail.html",
        side_questions=side_questions,
        lead=lead,
        rows=rows,
        tally=tally,
        attention=[row for row in rows if row["effective"] != Verdict.MEETS.value or row["override"]],
        checklist=checklist,
        checklist_done=sum(1 for item in checklist if item["result"] and item["result"]["checked"]),
        status_changes=list(reversed(status_changes)),
        activity=store.audit_entries(lead.id, limit=50),
        criteria_outdated=lead.criteria_version != criteria.version,
        criteria_version=criteria.version,
        max_reason=MAX_REASON_CHARS,
        max_note=MAX_NOTE_CHARS,
        max_result=MAX_RECORD_RESULT_CHARS,
        erase_code=erase_code(lead),
        erase_reasons=ERASE_REASONS,
    )


def _back(lead_id: int, anchor: str) -> Response:
    return redirect(url_for("leads.detail", lead_id=lead_id, _anchor=anchor))


@bp.post("/leads/<int:lead_id>/status")
def set_status(lead_id: int) -> Response:
    lead = _lead_or_404(lead_id)
    status = request.form.get("status", "")
    note = " ".join(request.form.get("note", "").split())
    if status not in REVIEW_LABELS:
        flash(_("Choose a review status."), "error")
    elif not note:
        flash(_("Add a note saying why (it stays in the review trail)."), "error")
    elif len(note) > MAX_NOTE_CHARS:
        flash(_("The note is too long (at most %(num)d characters).", num=MAX_NOTE_CHARS), "error")
    else:
        services().store.set_review_status(lead.id, status, note, actor())
        flash(_("Review status set to “%(status)s”.", status=REVIEW_LABELS[status]), "success")
    return _back(lead.id, "decision")


@bp.post("/leads/<int:lead_id>/criteria/<check_id>/override")
def override(lead_id: int, check_id: str) -> Response:
    lead = _lead_or_404(lead_id)
    if check_id not in {item["check_id"] for item in lead.criteria}:
        abort(404)
    verdict = request.form.get("verdict", "")
    reason = " ".join(request.form.get("reason", "").split())
    # Checked here as well as in the store, so the coordinator reads why in the app's language.
    if verdict not in VERDICT_LABELS:
        flash(_("Choose a verdict."), "error")
    elif not reason:
        flash(_("Give a reason for the override."), "error")
    elif len(reason) > MAX_REASON_CHARS:
        flash(_("The reason is too long (at most %(num)d characters).", num=MAX_REASON_CHARS), "error")
    else:
        services().store.override_criterion(lead.id, check_id, verdict, reason, actor())
        flash(_("Verdict on “%(check)s” set to “%(verdict)s”.", check=check_id, verdict=VERDICT_LABELS[verdict]),
              "success")
    return _back(lead.id, f"criterion-{check_id}")


@bp.post("/leads/<int:lead_id>/records")
def record_checks(lead_id: int) -> Response:
    lead = _lead_or_404(lead_id)
    entries = {
        rc.id: (request.form.get(f"result-{rc.id}", ""), request.form.get(f"checked-{rc.id}") == "on")
        for rc in services().criteria.record_checks
    }
    try:
        changed = services().store.save_record_checks(lead.id, entries, actor())
    except ValueError:  # the only one: a result longer than the store keeps
        flash(_("A result is too long (at most %(num)d characters).", num=MAX_RECORD_RESULT_CHARS), "error")
    else:
        if changed:
            flash(ngettext("Records checklist saved (%(num)d item updated).",
                           "Records checklist saved (%(num)d items updated).", len(changed)), "success")
        else:
            flash(_("Nothing changed on the records checklist."), "info")
    return _back(lead.id, "records")


def erase_code(lead: LeadRecord) -> str:
    """What a coordinator types to confirm erasing a lead: its reference code (its number if it has none)."""
    return lead.reference_code or f"#{lead.id}"


def _same_code(typed: str, code: str) -> bool:
    """Case, spaces and dashes do not matter: "ps-7k3f9q", "PS7K3F9Q" and "PS-7K3F9Q" all match.
    A lead without a reference code is confirmed with its number ("#12", or "12")."""
    if code.startswith("#"):
        return "".join(ch for ch in typed if ch.isalnum()) == code[1:]
    return normalise_reference_code(typed) == code


@bp.post("/leads/<int:lead_id>/erase")
def erase(lead_id: int) -> Response | tuple[str, int]:
    """Erase the patient's data (right to erasure), through the same code as `prescreen leads erase`:
    answers, contact details and the conversation's events in the tracker store. Only an audit
    entry remains: who, when, the reference code and one of ERASE_REASONS (never free text)."""
    lead = _lead_or_404(lead_id)
    code = erase_code(lead)
    reason = request.form.get("reason", "")
    typed = request.form.get("confirm", "")
    if reason not in ERASE_REASONS:
        flash(_("Choose why this patient's data is erased. Nothing was erased."), "error")
        return _back(lead.id, "erase")
    if not _same_code(typed, code):
        message = _("Type the reference code %(code)s to confirm.", code=code) if not typed.strip() else _(
            "The code you typed does not match this lead's reference code (%(code)s).", code=code)
        flash(message + " " + _("Nothing was erased."), "error")
        return _back(lead.id, "erase")
    try:
        erase_lead(services().store, services().settings.tracker_store_url, lead.id, actor(),
                   detail=f"{code}; reason: {ERASE_REASONS[reason]}")
    except LeadNotFound:
        abort(404)  # erased meanwhile, e.g. by a colleague
    except TrackerStoreError:
        flash(_("%(code)s was not erased: the conversation store (where the assistant keeps transcripts) cannot be "
                "reached, so the transcript could not be deleted. Nothing was erased; try again in a minute, or tell "
                "the study's IT contact.", code=code), "error")
        return _back(lead.id, "erase")
    except StoreError as error:
        log.error("coordinator app: erasing lead %s failed: %s", lead.id, error)
        message = _("%(code)s was not erased: the lead database cannot be written right now. Its answers and contact "
                    "details are still stored (its conversation transcript may already be deleted). Try again in a "
                    "minute, or tell the study's IT contact.", code=code)
        return render_template("errors/error.html", code=503, title=_("Not erased"), message=message), 503
    flash(_("%(code)s erased: its answers, contact details and conversation transcript are deleted. "
            "Only an audit entry without personal data remains.", code=code), "success")
    return redirect(url_for("leads.index"))
