"""Notifications to the study team, as sent by the notifier (bot/notify): read-only, no personal data."""

from __future__ import annotations

from flask import Blueprint, render_template

from bot.notify.config import NotifyConfigError, notify_config
from bot.notify.outbox import recent
from bot.web.coordinator.core import services
from bot.web.coordinator.translatable import _l

bp = Blueprint("notifications", __name__)

RECENT = 100
STATUS_LABELS = {"pending": _l("Waiting to send"), "sent": _l("Sent"), "failed": _l("Failed"),
                 "summarised": _l("In a summary")}
# Existing badge colours: green, amber, red.
STATUS_BADGES = {"pending": "needs_review", "sent": "likely_eligible", "failed": "verdict-does_not_meet",
                 "summarised": "likely_eligible"}
KIND_LABELS = {"lead": _l("New lead"), "digest": _l("Daily digest"), "summary": _l("Earlier leads (summary)")}
CHANNEL_LABELS = {"email": _l("E-mail"), "webhook": _l("Webhook")}
# bot.notify.config.OFF_NOTICE, translated (tests/web/coordinator/test_translations.py checks the English is the same).
OFF_NOTICE_LABEL = _l("Notifications are off: set SMTP_URL and NOTIFY_EMAIL_TO in .env (README → Notifications).")


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
        off_notice=OFF_NOTICE_LABEL,
        notifications=recent(services().store.database, RECENT),
        limit=RECENT,
        status_labels=STATUS_LABELS,
        status_badges=STATUS_BADGES,
        kind_labels=KIND_LABELS,
        channel_labels=CHANNEL_LABELS,
    )
