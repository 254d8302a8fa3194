"""What every part of the coordinator app shares: its services, labels and the audit helper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app, g

from bot.leads.models import ReviewStatus
from bot.leads.store import LeadStore
from bot.settings import Settings
from bot.trial.criteria import Criteria
from bot.trial.eligibility import Status, Verdict
from bot.web.coordinator.accounts import Accounts
from bot.web.coordinator.config import CoordinatorOptions
from bot.web.coordinator.translatable import _l

# Keyed by the stored values (plain strings), which is what forms, URLs and templates carry; the labels
# are translated when shown (lazy: the language is the request's).
PROVISIONAL_LABELS = {
    Status.LIKELY_ELIGIBLE.value: _l("Likely eligible"),
    Status.NEEDS_REVIEW.value: _l("Needs review"),
    Status.LIKELY_INELIGIBLE.value: _l("Likely ineligible"),
}
REVIEW_LABELS = {
    ReviewStatus.NEW.value: _l("New"),
    ReviewStatus.CONTACTED.value: _l("Contacted"),
    ReviewStatus.CONFIRMED.value: _l("Confirmed eligible"),
    ReviewStatus.REJECTED.value: _l("Not eligible"),
    ReviewStatus.UNREACHABLE.value: _l("Unreachable"),
    ReviewStatus.WITHDRAWN.value: _l("Withdrawn"),
}
VERDICT_LABELS = {
    Verdict.MEETS.value: _l("Meets"),
    Verdict.DOES_NOT_MEET.value: _l("Does not meet"),
    Verdict.UNKNOWN.value: _l("To check"),
}
ACTION_LABELS = {
    "view_list": _l("Viewed the lead list"),
    "view_lead": _l("Opened the lead"),
    "export": _l("Exported leads"),
    "set_status": _l("Changed the review status"),
    "override": _l("Overrode a verdict"),
    "record_checks": _l("Updated the records checklist"),
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Failed sign-in"),
    "sign_in_locked": _l("Sign-in refused: account locked"),
    "sign_out": _l("Signed out"),
    "erase": _l("Erased the patient's data"),
    "view_other_studies": _l("Viewed the other-studies list"),
    "export_other_studies": _l("Exported the other-studies list"),
    "erase_other_studies": _l("Erased an other-studies contact"),
    "purge_other_studies": _l("Purged an other-studies contact (retention)"),
    "set_language": _l("Changed the app's language"),
}
# How an earlier answer was replaced (bot.leads.models.AnswerEvent.event).
EVENT_LABELS = {
    "corrected": _l("corrected"),
    "answered again": _l("answered again"),
    "not confirmed": _l("not confirmed"),
}
# Why the study team erased a lead, keyed as bot.leads.erasure.ERASE_REASONS (whose English goes into the audit entry).
ERASE_REASON_LABELS = {
    "patient_asked": _l("Patient asked"),
    "duplicate": _l("Duplicate"),
    "entered_in_error": _l("Entered in error"),
}


@dataclass(frozen=True)
class Services:
    settings: Settings
    options: CoordinatorOptions
    store: LeadStore
    accounts: Accounts
    criteria: Criteria


def services() -> Services:
    return current_app.extensions["coordinator"]


def actor() -> str:
    """The signed-in coordinator, as the audit trail names them."""
    coordinator = g.get("coordinator")
    return coordinator.username if coordinator else "anonymous"


def audit(action: str, screening_id: int | None = None, detail: str = "") -> None:
    """Append to the audit trail (screening ids and reference codes only, never contact data)."""
    services().store.audit(actor(), action, screening_id, detail)


def local_time(moment: datetime | None) -> datetime | None:
    """A stored moment in the app's time zone (SQLite returns UTC without a timezone)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(services().options.timezone)
