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

# Keyed by the stored values (plain strings), which is what forms, URLs and templates carry.
PROVISIONAL_LABELS = {
    Status.LIKELY_ELIGIBLE.value: "Likely eligible",
    Status.NEEDS_REVIEW.value: "Needs review",
    Status.LIKELY_INELIGIBLE.value: "Likely ineligible",
}
REVIEW_LABELS = {
    ReviewStatus.NEW.value: "New",
    ReviewStatus.CONTACTED.value: "Contacted",
    ReviewStatus.CONFIRMED.value: "Confirmed eligible",
    ReviewStatus.REJECTED.value: "Not eligible",
    ReviewStatus.UNREACHABLE.value: "Unreachable",
    ReviewStatus.WITHDRAWN.value: "Withdrawn",
}
VERDICT_LABELS = {
    Verdict.MEETS.value: "Meets",
    Verdict.DOES_NOT_MEET.value: "Does not meet",
    Verdict.UNKNOWN.value: "To check",
}
ACTION_LABELS = {
    "view_list": "Viewed the lead list",
    "view_lead": "Opened the lead",
    "export": "Exported leads",
    "set_status": "Changed the review status",
    "override": "Overrode a verdict",
    "record_checks": "Updated the records checklist",
    "sign_in": "Signed in",
    "sign_in_failed": "Failed sign-in",
    "sign_in_locked": "Sign-in refused: account locked",
    "sign_out": "Signed out",
    "erase": "Erased the patient's data",
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
