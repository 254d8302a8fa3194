"""`GET /metrics` on the chat page and the coordinator app: Prometheus text, for internal clients only.

Answered only to a client in METRICS_NETWORKS that did not come through a proxy (bot.monitoring.metrics
.is_internal); anyone else gets a plain 404, as if there were no such page. The coordinator app adds
the lead store's figures, read at each scrape: leads per status, overdue leads, notifications per status
and failed delivery attempts. No label holds personal data: statuses, kinds and channels only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

from flask import Flask, Response, abort, request
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.leads.database import Database
from bot.leads.models import Notification, NotificationAttempt, Screening
from bot.monitoring.metrics import exposition, is_internal, parse_networks
from bot.settings import Settings

log = logging.getLogger(__name__)


def add_metrics_route(app: Flask, settings: Settings, collectors: Sequence[Any] = ()) -> None:
    networks = parse_networks(settings.metrics_networks)

    @app.get("/metrics")
    def metrics() -> Response:
        if not is_internal(request.remote_addr, request.headers, networks):
            abort(404)
        body, content_type = exposition(collectors)
        return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


class LeadStoreCollector:
    """The lead store's figures at scrape time (one short query each)."""

    def __init__(self, database: Database, deadline_hours: int) -> None:
        self.database = database
        self.deadline_hours = deadline_hours

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily("prescreen_lead_database_up", "1 when the lead database answered this scrape")
        try:
            families = list(self._figures())
        except SQLAlchemyError as error:
            log.error("metrics: the lead database did not answer (%s)", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _figures(self) -> Iterator[Any]:
        from bot.notify.outbox import overdue_count

        leads = GaugeMetricFamily("prescreen_leads", "Completed screenings per provisional and review status",
                                  labels=["provisional_status", "review_status"])
        notifications = GaugeMetricFamily("prescreen_notifications", "Notifications per kind, channel and status",
                                          labels=["kind", "channel", "status"])
        failures = CounterMetricFamily("prescreen_notification_failed_attempts",
                                       "Failed notification delivery attempts", labels=["channel"])
        with self.database.session() as session:
            for provisional, review, count in session.execute(
                select(Screening.provisional_status, Screening.review_status, func.count())
                .where(Screening.completed_at.is_not(None))
                .group_by(Screening.provisional_status, Screening.review_status)
            ):
                leads.add_metric([provisional or "none", review or "none"], count)
            for kind, channel, status, count in session.execute(
                select(Notification.kind, Notification.channel, Notification.status, func.count())
                .group_by(Notification.kind, Notification.channel, Notification.status)
            ):
                notifications.add_metric([kind, channel, status], count)
            for channel, count in session.execute(
                select(Notification.channel, func.count())
                .join(NotificationAttempt, NotificationAttempt.notification_id == Notification.id)
                .where(NotificationAttempt.succeeded.is_(False))
                .group_by(Notification.channel)
            ):
                failures.add_metric([channel], count)
        overdue = GaugeMetricFamily("prescreen_leads_overdue",
                                    "Leads with contact details past the contact deadline with no contact attempt")
        overdue.add_metric([], overdue_count(self.database, self.deadline_hours, datetime.now(timezone.utc)))
        yield from (leads, overdue, notifications, failures)
