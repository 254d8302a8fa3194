"""What every part of the coordinator app shares: its services, labels and the audit helper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app, g

from bot.leads.store import LeadStore
from bot.settings import Settings
from bot.trial.criteria import Criteria
from bot.web.coordinator.accounts import Accounts
from bot.web.coordinator.config import CoordinatorOptions

PROVISIONAL_LABELS = {
    "likely_eligible": "Likely eligible",
    "needs_review": "Needs review",
    "likely_ineligible": "Likely ineligible",
}
REVIEW_LABELS = {
    "new": "New",
    "contacted": "Contacted",
    "confirmed": "Confirmed eligible",
    "rejected": "Not eligible",
    "unreachable": "Unreachable",
    "withdrawn": "Withdrawn",
}
VERDICT_LABELS = {"meets": "Meets", "does_not_meet": "Does not meet", "unknown": "To check"}
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
    return current_app.extensions["coordinator"]  # type: ignore[no-any-return]


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
