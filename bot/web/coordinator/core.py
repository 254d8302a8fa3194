"""What every part of the coordinator app shares: its services, labels and the audit helper."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app, g
from flask_babel import get_locale

from bot.leads.accounts import Accounts
from bot.leads.models import ReviewStatus
from bot.leads.store import LeadStore
from bot.settings import Settings
from bot.trial.criteria import Criteria
from bot.trial.eligibility import Status, Verdict
from bot.web.coordinator.config import CoordinatorOptions
from bot.web.coordinator.translatable import _l


class StatusName:
    """A provisional status's name in the current request's language, from the criteria files (the study
    team's messages read the same names there)."""

    __slots__ = ("status",)

    def __init__(self, status: str) -> None:
        self.status = status

    def __str__(self) -> str:
        locale = get_locale()
        return services().criteria.status_name(self.status, locale.language if locale else "")

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.status)


# Keyed by the stored values (plain strings), which is what forms, URLs and templates carry; the labels
# are translated when shown (lazy: the language is the request's).
PROVISIONAL_LABELS = {status.value: StatusName(status.value) for status in Status}
# In the pipeline's order: the way to enrolment, then the ways a lead closes.
REVIEW_LABELS = {
    ReviewStatus.NEW.value: _l("New"),
    ReviewStatus.CONTACTED.value: _l("Contacted"),
    ReviewStatus.CONFIRMED.value: _l("Confirmed eligible"),
    ReviewStatus.VISIT_BOOKED.value: _l("Screening visit booked"),
    ReviewStatus.CONSENTED.value: _l("Consented"),
    ReviewStatus.ENROLLED.value: _l("Enrolled"),
    ReviewStatus.REJECTED.value: _l("Not eligible"),
    ReviewStatus.UNREACHABLE.value: _l("Unreachable"),
    ReviewStatus.NOT_INTERESTED.value: _l("Not interested"),
    ReviewStatus.WITHDRAWN.value: _l("Withdrawn"),
}
# Keyed as bot.leads.pipeline.CHANNELS, OUTCOMES and SCREEN_FAILURE_REASONS.
CHANNEL_LABELS = {
    "phone": _l("Phone"),
    "sms": _l("SMS"),
    "wechat": _l("WeChat"),
    "email": _l("E-mail"),
}
OUTCOME_LABELS = {
    "reached": _l("Reached"),
    "no_answer": _l("No answer"),
    "left_message": _l("Left a message"),
    "wrong_number": _l("Wrong number"),
    "declined": _l("Declined"),
}
FAILURE_REASON_LABELS = {
    "inclusion_not_met": _l("An inclusion criterion not met on the records"),
    "exclusion_met": _l("An exclusion criterion met on the records"),
    "ctdna_negative": _l("ctDNA negative (no minimal residual disease)"),
    "cea_negative": _l("Tumour not CEA-positive"),
    "lab_values": _l("Blood counts, liver or kidney function out of range"),
    "imaging": _l("Imaging shows disease outside the study's scope"),
    "other_condition": _l("Another illness or treatment rules the patient out"),
    "investigator_decision": _l("Investigator's decision"),
    "other": _l("Other reason"),
}
# Why a contact attempt set a status (bot.leads.pipeline.status_after_attempt), in the reader's language; the
# stored note says the same in English for the CLI and exports.
AUTOMATIC_STATUS_LABELS = {
    ReviewStatus.CONTACTED.value: _l("The patient was reached."),
    ReviewStatus.NOT_INTERESTED.value: _l("The patient declined."),
    ReviewStatus.UNREACHABLE.value: _l("The attempts logged did not reach the patient."),
}
# What to do next, by review status (the top of a lead's page).
NEXT_STEP_LABELS = {
    ReviewStatus.NEW.value: _l("Call the patient (or write, as they asked) and log the attempt."),
    ReviewStatus.CONTACTED.value: _l("Check the records, then confirm eligibility or mark the lead not eligible."),
    ReviewStatus.CONFIRMED.value: _l("Book the screening visit."),
    ReviewStatus.VISIT_BOOKED.value: _l("After the visit, record consent or what happened."),
    ReviewStatus.CONSENTED.value: _l("Record enrolment once the patient is randomised."),
}
VERDICT_LABELS = {
    Verdict.MEETS.value: _l("Meets"),
    Verdict.DOES_NOT_MEET.value: _l("Does not meet"),
    Verdict.UNKNOWN.value: _l("To check"),
}
ACTION_LABELS = {
    "view_list": _l("Viewed the lead list"),
    "view_lead": _l("Opened the lead"),
    "view_metrics": _l("Viewed the metrics"),
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
    "contact_attempt": _l("Logged a contact attempt"),
    "auto_status": _l("Status changed by a contact attempt"),
    "set_callback": _l("Set a call-back time"),
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
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)  # tests fix it


def now() -> datetime:
    """The app's current time (aware, UTC): deadlines, "overdue" and the forms' defaults read it."""
    return services().clock()


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
