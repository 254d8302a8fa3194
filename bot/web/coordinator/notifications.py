"""Notifications to the study team, as sent by the notifier (bot/notify): read-only, no personal data."""

from __future__ import annotations

from flask import Blueprint, render_template

from bot.notify.config import OFF_NOTICE, NotifyConfigError, notify_config
from bot.notify.outbox import recent
from bot.web.coordinator.core import services

bp = Blueprint("notifications", __name__)

RECENT = 100
STATUS_LABELS = {"pending": "Waiting to send", "sent": "Sent", "failed": "Failed"}
# Existing badge colours: green, amber, red.
STATUS_BADGES = {"pending": "needs_review", "sent": "likely_eligible", "failed": "verdict-does_not_meet"}
KIND_LABELS = {"lead": "New lead", "digest": "Daily digest"}
CHANNEL_LABELS = {"email": "E-mail", "webhook": "Webhook"}


@bp.get("/notifications")
def index() -> str:
    """The newest notifications with status, attempts and last error, and whether sending is on."""
    try:
        config, problem = notify_config(services().settings), None
    except NotifyConfigError as error:
        config, problem = None, str(error)
    return render_template(
        "notifications/list.html",
        config=config,
        problem=problem,
        off_notice=OFF_NOTICE,
        notifications=recent(services().store.database, RECENT),
        limit=RECENT,
        status_labels=STATUS_LABELS,
        status_badges=STATUS_BADGES,
        kind_labels=KIND_LABELS,
        channel_labels=CHANNEL_LABELS,
    )
