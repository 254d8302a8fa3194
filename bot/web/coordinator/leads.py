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
from bot.leads.models import ReviewStatus
from bot.leads.pipeline import (
    MAX_ATTEMPT_NOTE_CHARS,
    PipelineError,
    callback_due,
    check_callback,
    contact_deadline,
    is_overdue,
    overdue_for,
    urgency,
)
from bot.leads.records import ATTENTION_FILTERS
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
from bot.web.coordinator.core import (
    CHANNEL_LABELS,
    FAILURE_REASON_LABELS,
    NEXT_STEP_LABELS,
    OUTCOME_LABELS,
    PROVISIONAL_LABELS,
    REVIEW_LABELS,
    VERDICT_LABELS,
    actor,
    audit,
    local_time,
    now,
    services,
)
from bot.web.coordinator.i18n import format_moment
from bot.web.coordinator.translatable import _l

bp = Blueprint("leads", __name__)
log = logging.getLogger(__name__)

PAGE_SIZES = (25, 50, 100)
MAX_NOTE_CHARS = 2000
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
        attention_labels=ATTENTION_LABELS,
        page_sizes=PAGE_SIZES,
        marks={lead.id: pipeline_marks(lead) for lead in page.leads},
    )


def pipeline_marks(lead: LeadRecord) -> dict[str, Any]:
    """Where a lead stands against its deadlines, for the list and the lead's page."""
    state, moment, hours = lead.state(), now(), services().settings.contact_deadline_hours
    late = overdue_for(state, moment, hours)
    return {
        "urgency": urgency(state, moment, hours).name.lower(),
        "overdue": late is not None,
        "overdue_hours": int(late.total_seconds() // 3600) if late is not None else 0,
        "deadline": contact_deadline(state.completed_at, hours),
        "awaiting_first_contact": state.has_contact and state.review_status == ReviewStatus.NEW.value
        and state.first_attempt_at is None and not is_overdue(state, moment, hours),
        "callback_due": callback_due(state, moment),
        "visit_passed": state.review_status == ReviewStatus.VISIT_BOOKED.value and state.visit_at is not None
        and state.visit_at <= moment,
    }


def local_input(moment: datetime | None) -> str:
    """A moment as a datetime-local field shows it: the coordinator's local time, to the minute."""
    local = local_time(moment)
    return local.strftime("%Y-%m-%dT%H:%M") if local else ""


def parse_local(raw: str) -> datetime | None:
    """A datetime-local field (the app's time zone) as aware UTC; None when empty; ValueError when unreadable."""
    raw = raw.strip()
    if not raw:
        return None
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=services().options.timezone)
    return moment.astimezone(timezone.utc)


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
    audit("view_lead", lead.id, lead.reference_code or "")
    return _detail_page(lead)


def _detail_page(lead: LeadRecord, form: Mapping[str, Any] | None = None) -> str:
    """The lead's page; `form` holds what the coordinator typed into a form that was refused, shown again."""
    store, criteria = services().store, services().criteria

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
        {**change, "changed_at": datetime.fromisoformat(change["changed_at"]),
         "visit_at": datetime.fromisoformat(change["visit_at"]) if change["visit_at"] else None}
        for change in lead.status_changes
    ]
    form = dict(form or {})
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
        form=form,
        failed_checked=form.get("failed_criteria", lead.failed_criteria),
        marks=pipeline_marks(lead),
        next_step=NEXT_STEP_LABELS.get(lead.review_status),
        attempts=list(reversed(lead.contact_attempts)),
        attempt_at_default=local_input(now()),
        callback_value=local_input(lead.callback_at),
        visit_value=local_input(lead.visit_at),
        max_attempt_note=MAX_ATTEMPT_NOTE_CHARS,
        channel_labels=CHANNEL_LABELS,
        outcome_labels=OUTCOME_LABELS,
        failure_reason_labels=FAILURE_REASON_LABELS,
    )


def _back(lead_id: int, anchor: str) -> Response:
    return redirect(url_for("leads.detail", lead_id=lead_id, _anchor=anchor))


def _refused(lead: LeadRecord, message: str) -> tuple[str, int]:
    """A form that cannot be saved: say what to fix, and show the page again with what was typed."""
    flash(message, "error")
    return _detail_page(lead, request.form.to_dict(flat=True) | {
        "failed_criteria": request.form.getlist("failed_criteria")}), 422


# Statuses whose form already says what happened (a date, a reason): a note is welcome but not required.
NOTE_OPTIONAL = (ReviewStatus.VISIT_BOOKED.value, ReviewStatus.REJECTED.value)


@bp.post("/leads/<int:lead_id>/status")
def set_status(lead_id: int) -> Response | tuple[str, int]:
    lead = _lead_or_404(lead_id)
    status = request.form.get("status", "")
    note = " ".join(request.form.get("note", "").split())
    reason = request.form.get("failure_reason", "") if status == ReviewStatus.REJECTED.value else ""
    failed = request.form.getlist("failed_criteria") if status == ReviewStatus.REJECTED.value else []
    if status not in REVIEW_LABELS:
        return _refused(lead, _("Choose a review status."))
    try:
        visit_at = parse_local(request.form.get("visit_at", "")) if status == ReviewStatus.VISIT_BOOKED.value else None
    except ValueError:
        return _refused(lead, _("The visit's date and time could not be read: pick them in the date field."))
    if status == ReviewStatus.VISIT_BOOKED.value and visit_at is None:
        return _refused(lead, _("Give the screening visit's date and time."))
    if status == ReviewStatus.REJECTED.value and reason not in FAILURE_REASON_LABELS:
        return _refused(lead, _("Choose why screening failed."))
    known = {item["check_id"] for item in lead.criteria}
    if any(check_id not in known for check_id in failed):
        return _refused(lead, _("Tick only this lead's criteria."))
    if not note and status not in NOTE_OPTIONAL:
        return _refused(lead, _("Add a note saying why (it stays in the review trail)."))
    if len(note) > MAX_NOTE_CHARS:
        return _refused(lead, _("The note is too long (at most %(num)d characters).", num=MAX_NOTE_CHARS))
    try:
        services().store.set_review_status(lead.id, status, note, actor(), visit_at=visit_at,
                                           screen_failure_reason=reason or None, failed_criteria=failed)
    except PipelineError:  # checked above in the app's language; the store has the last word
        return _refused(lead, _("The status could not be saved as given: check the form and try again."))
    flash(_("Review status set to “%(status)s”.", status=REVIEW_LABELS[status]), "success")
    return _back(lead.id, "decision")


@bp.post("/leads/<int:lead_id>/attempts")
def log_attempt(lead_id: int) -> Response | tuple[str, int]:
    lead = _lead_or_404(lead_id)
    channel = request.form.get("channel", "")
    outcome = request.form.get("outcome", "")
    note = " ".join(request.form.get("attempt_note", "").split())
    if channel not in CHANNEL_LABELS:
        return _refused(lead, _("Choose how you tried to reach the patient."))
    if outcome not in OUTCOME_LABELS:
        return _refused(lead, _("Choose what came of the attempt."))
    try:
        at = parse_local(request.form.get("attempt_at", ""))
    except ValueError:
        return _refused(lead, _("The attempt's date and time could not be read: pick them in the date field."))
    if at is None:
        return _refused(lead, _("Give the date and time of the attempt."))
    if len(note) > MAX_ATTEMPT_NOTE_CHARS:
        return _refused(lead, _("The note is too long (at most %(num)d characters).", num=MAX_ATTEMPT_NOTE_CHARS))
    try:
        logged = services().store.log_contact_attempt(
            lead.id, at, channel, outcome, note, actor(), now=now(),
            unreachable_after=services().settings.unreachable_after_attempts)
    except PipelineError as error:
        if error.code == "future":
            return _refused(lead, _("A contact attempt cannot be in the future: give the time it was made."))
        return _refused(lead, _("The attempt could not be saved as given: check the form and try again."))
    flash(_("Contact attempt logged (%(channel)s, %(outcome)s).", channel=CHANNEL_LABELS[channel],
            outcome=OUTCOME_LABELS[outcome]), "success")
    if logged.status_after:
        flash(_("Review status set to “%(status)s” by this attempt.", status=REVIEW_LABELS[logged.status_after]),
              "info")
    if logged.callback_cleared:
        flash(_("The call-back is done and has been cleared."), "info")
    return _back(lead.id, "contact-attempts")


@bp.post("/leads/<int:lead_id>/callback")
def set_callback(lead_id: int) -> Response | tuple[str, int]:
    lead = _lead_or_404(lead_id)
    if request.form.get("clear"):
        services().store.set_callback(lead.id, None, actor())
        flash(_("Call-back cleared."), "success")
        return _back(lead.id, "contact-attempts")
    try:
        callback_at = parse_local(request.form.get("callback_at", ""))
    except ValueError:
        return _refused(lead, _("The call-back time could not be read: pick it in the date field."))
    if callback_at is None:
        return _refused(lead, _("Give a call-back date and time, or clear the call-back."))
    try:
        check_callback(callback_at, now())
    except PipelineError:
        return _refused(lead, _("The call-back time has already passed: give a time to come."))
    services().store.set_callback(lead.id, callback_at, actor())
    flash(_("Call-back set for %(when)s.", when=format_moment(callback_at)), "success")
    return _back(lead.id, "contact-attempts")


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
