"""Where a lead stands against its deadlines: the marks the list and the lead's page show."""

from __future__ import annotations

from typing import Any

from bot.leads.models import ReviewStatus
from bot.leads.pipeline import callback_due, contact_deadline, is_overdue, overdue_for, urgency
from bot.leads.store import LeadRecord
from bot.web.coordinator.core import now, services


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
