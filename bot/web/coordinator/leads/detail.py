"""GET /leads/<id>: one lead's page (evidence per criterion, answers as the patient typed them, overrides,
records checklist, status trail, contact attempts, erasure); the POST handlers show it again, with what
was typed, when a form is refused."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import abort, render_template

from bot.languages import DEFAULT_LANGUAGE
from bot.leads.erasure import ERASE_REASONS
from bot.leads.pipeline import MAX_ATTEMPT_NOTE_CHARS
from bot.leads.reference_codes import erasure_code
from bot.leads.store import MAX_REASON_CHARS, MAX_RECORD_RESULT_CHARS, LeadNotFound, LeadRecord
from bot.trial.criteria import Check
from bot.trial.eligibility import Verdict
from bot.web.coordinator.core import (
    CHANNEL_LABELS,
    FAILURE_REASON_LABELS,
    NEXT_STEP_LABELS,
    OUTCOME_LABELS,
    VERDICT_LABELS,
    audit,
    local_time,
    now,
    services,
)
from bot.web.coordinator.criteria_words import (
    answer_label,
    criterion_label,
    criterion_reason,
    reading_note,
    record_item,
    topic_label,
)
from bot.web.coordinator.leads import bp
from bot.web.coordinator.leads.marks import pipeline_marks

MAX_NOTE_CHARS = 2000


def local_input(moment: datetime | None) -> str:
    """A moment as a datetime-local field shows it: the coordinator's local time, to the minute."""
    local = local_time(moment)
    return local.strftime("%Y-%m-%dT%H:%M") if local else ""


def lead_or_404(lead_id: int) -> Any:
    try:
        return services().store.get_lead(lead_id)
    except LeadNotFound:
        abort(404)


def asked_as(check: Check, language: str | None) -> str:
    """The question as the patient read it: their answer, shown beside it, is in that language."""
    try:
        return check.texts(language or DEFAULT_LANGUAGE).question
    except KeyError:  # a language since removed from the criteria: the source text
        return check.question


@bp.get("/leads/<int:lead_id>")
def detail(lead_id: int) -> str:
    lead = lead_or_404(lead_id)
    audit("view_lead", lead.id, lead.reference_code or "")
    return detail_page(lead)


def detail_page(lead: LeadRecord, form: Mapping[str, Any] | None = None) -> str:
    """The lead's page; `form` holds what the coordinator typed into a form that was refused, shown again."""
    store, criteria = services().store, services().criteria

    # Every word for the study team in the app's language: labels and reasons from the criteria files,
    # answers, reading notes and topics translated; the patient's own words as typed.
    labels = {item["check_id"]: criterion_label(item["check_id"], item["label"]) for item in lead.criteria}
    answers = {answer["check_id"]: {**answer, "value_label": answer_label(answer["value"]),
                                    "read_how": reading_note(answer["read_how"])} for answer in lead.answers}
    answer_events: dict[str, list[dict[str, Any]]] = {}  # corrected or confirmed answers, per check
    for event in lead.answer_events:
        answer_events.setdefault(event["check_id"], []).append({
            **event, "at": datetime.fromisoformat(event["at"]), "value_label": answer_label(event["value"]),
            "detail": reading_note(event["detail"]) if event.get("detail") else None})
    side_questions = [{**q, "at": datetime.fromisoformat(q["at"]), "topic_label": topic_label(q["topic"]),
                       "during_label": criterion_label(q["during_check"]) if q["during_check"] else ""}
                      for q in lead.side_questions]
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
            "label": labels[item["check_id"]],
            "reason": criterion_reason(item, lead.criteria_version),
            "value_label": answer_label(item["value"]),
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
    checklist: list[dict[str, Any]] = [{"check": rc, "item": record_item(rc), "result": results.get(rc.id)}
                                          for rc in criteria.record_checks]
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
        erase_code=erasure_code(lead.reference_code, lead.id),
        erase_reasons=ERASE_REASONS,
        form=form,
        failed_checked=form.get("failed_criteria", lead.failed_criteria),
        criterion_labels=labels,
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
