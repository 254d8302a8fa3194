"""The lead page's forms: the review status, a contact attempt, the call-back, a criterion's override and
the records checklist. A form that cannot be saved shows the page again with what was typed (422)."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from bot.leads.models import ReviewStatus
from bot.leads.pipeline import MAX_ATTEMPT_NOTE_CHARS, PipelineError, check_callback
from bot.leads.store import MAX_REASON_CHARS, MAX_RECORD_RESULT_CHARS, LeadRecord
from bot.web.coordinator.core import (
    CHANNEL_LABELS,
    FAILURE_REASON_LABELS,
    OUTCOME_LABELS,
    REVIEW_LABELS,
    VERDICT_LABELS,
    actor,
    now,
    services,
)
from bot.web.coordinator.criteria_words import criterion_label
from bot.web.coordinator.i18n import format_moment
from bot.web.coordinator.leads import bp
from bot.web.coordinator.leads.detail import MAX_NOTE_CHARS, detail_page, lead_or_404


def parse_local(raw: str) -> datetime | None:
    """A datetime-local field (the app's time zone) as aware UTC; None when empty; ValueError when unreadable."""
    raw = raw.strip()
    if not raw:
        return None
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=services().options.timezone)
    return moment.astimezone(timezone.utc)


def back(lead_id: int, anchor: str) -> Response:
    return redirect(url_for("leads.detail", lead_id=lead_id, _anchor=anchor))


def _refused(lead: LeadRecord, message: str) -> tuple[str, int]:
    """A form that cannot be saved: say what to fix, and show the page again with what was typed."""
    flash(message, "error")
    return detail_page(lead, request.form.to_dict(flat=True) | {
        "failed_criteria": request.form.getlist("failed_criteria")}), 422


# Statuses whose form already says what happened (a date, a reason): a note is welcome but not required.
NOTE_OPTIONAL = (ReviewStatus.VISIT_BOOKED.value, ReviewStatus.REJECTED.value)


@bp.post("/leads/<int:lead_id>/status")
def set_status(lead_id: int) -> Response | tuple[str, int]:
    lead = lead_or_404(lead_id)
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
    return back(lead.id, "decision")


@bp.post("/leads/<int:lead_id>/attempts")
def log_attempt(lead_id: int) -> Response | tuple[str, int]:
    lead = lead_or_404(lead_id)
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
    return back(lead.id, "contact-attempts")


@bp.post("/leads/<int:lead_id>/callback")
def set_callback(lead_id: int) -> Response | tuple[str, int]:
    lead = lead_or_404(lead_id)
    if request.form.get("clear"):
        services().store.set_callback(lead.id, None, actor())
        flash(_("Call-back cleared."), "success")
        return back(lead.id, "contact-attempts")
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
    return back(lead.id, "contact-attempts")


@bp.post("/leads/<int:lead_id>/criteria/<check_id>/override")
def override(lead_id: int, check_id: str) -> Response:
    lead = lead_or_404(lead_id)
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
        flash(_("Verdict on “%(check)s” set to “%(verdict)s”.", check=criterion_label(check_id, check_id),
                verdict=VERDICT_LABELS[verdict]),
              "success")
    return back(lead.id, f"criterion-{check_id}")


@bp.post("/leads/<int:lead_id>/records")
def record_checks(lead_id: int) -> Response:
    lead = lead_or_404(lead_id)
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
    return back(lead.id, "records")
