"""Learning from review: how often the bot's verdicts stood, and the audit trail (read-only)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from bot.leads.store import DECIDED_STATUSES
from bot.web.coordinator.core import REVIEW_LABELS, services

bp = Blueprint("insights", __name__, url_prefix="/insights")

AUDIT_PAGE = 200
LOW_AGREEMENT = 0.8  # criteria below this are highlighted


@bp.get("/agreement")
def agreement() -> str:
    report = services().store.agreement()
    return render_template(
        "insights/agreement.html",
        report=report,
        decided=[(status, REVIEW_LABELS[status]) for status in DECIDED_STATUSES],
        low=LOW_AGREEMENT,
    )


@bp.get("/audit")
def audit_trail() -> str:
    """The newest audit entries. There is deliberately no way to edit or delete one."""
    raw = request.args.get("lead", "").strip()
    lead_id = int(raw) if raw.isdigit() else None
    entries = services().store.audit_entries(lead_id, limit=AUDIT_PAGE)
    return render_template("insights/audit.html", entries=entries, lead_id=lead_id, limit=AUDIT_PAGE)
