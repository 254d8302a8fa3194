"""The notifier's loop: queue new leads and the daily digest, send what is due, retry with back-off."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from bot.leads.database import Database
from bot.notify import outbox
from bot.notify.config import NotifyConfig
from bot.notify.messages import LeadRef, digest_message, lead_message, summary_message
from bot.notify.transports import DeliveryError, post_webhook, send_email

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Notifier:
    """One pass (`run_once`) or a loop (`run_forever`); the clock is injectable for tests."""

    def __init__(self, database: Database, config: NotifyConfig, trial: str,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.database = database
        self.config = config
        self.trial = trial
        self.clock = clock

    def queue_leads(self, now: datetime) -> int:
        added = 0
        for lead in outbox.leads_to_announce(self.database, self.config, now):
            message = lead_message(self.config, self.trial, lead)
            added += outbox.queue(self.database, self.config, outbox.lead_key(lead.screening_id), "lead", message,
                                  now, lead.screening_id)
        backlog = outbox.backlog_leads(self.database, self.config, now)
        if backlog:  # notifications just switched on, or the notifier back after a while: one summary
            for channel in self.config.channels:
                added += self._summarise(channel, [(lead.screening_id, lead) for lead in backlog], now)
        return added

    def fold_stale(self, now: datetime) -> int:
        """Lead messages that waited longer than NOTIFY_BACKLOG_MINUTES (the mail server or webhook was down)
        go out as one summary per channel when it is back, not one message each."""
        return sum(self._summarise(channel, stale, now)
                   for channel, stale in outbox.stale_pending(self.database, self.config, now).items())

    def _summarise(self, channel: str, leads: list[tuple[int, LeadRef | None]], now: datetime) -> int:
        listed = [lead for _, lead in leads if lead is not None]  # an erased lead is not listed
        subjects = {screening_id: (lead_message(self.config, self.trial, lead).subject if lead else f"#{screening_id}")
                    for screening_id, lead in leads}
        added = outbox.summarise(self.database, self.config, channel, subjects,
                                 summary_message(self.config, self.trial, listed), now)
        if added:
            log.info("notifier: %d earlier leads summarised in one message (%s)", len(leads), channel)
        return added

    def queue_digest(self, now: datetime) -> int:
        key = outbox.digest_due(self.database, self.config, now)
        if key is None:
            return 0
        since = outbox.last_digest_at(self.database) or now - timedelta(days=1)
        leads = outbox.digest_leads(self.database, self.config, since, now)
        message = digest_message(self.config, self.trial, now, since, leads)
        return outbox.queue(self.database, self.config, key, "digest", message, now)

    def send_due(self, now: datetime) -> dict[str, int]:
        """Try every due notification once; returns how many ended in each status."""
        outcomes: dict[str, int] = {}
        if self.fold_stale(now):
            outcomes["summarised"] = 1
        for pending in outbox.due(self.database, now):
            error = None
            try:
                if pending.channel == "email":
                    send_email(self.config, pending.subject, pending.body)
                else:
                    post_webhook(self.config, pending.body)
            except DeliveryError as failure:
                error = str(failure)
                log.warning("notification %s (%s) not delivered: %s", pending.id, pending.channel, error)
            status = outbox.record_attempt(self.database, self.config, pending.id, self.clock(), error)
            if status == outbox.FAILED:
                log.error("notification %s (%s) failed after %s attempts", pending.id, pending.channel,
                          pending.attempts + 1)
            outcomes[status] = outcomes.get(status, 0) + 1
        return outcomes

    def run_once(self) -> dict[str, int]:
        now = self.clock()
        queued = self.queue_leads(now) + self.queue_digest(now)
        return {"queued": queued, **self.send_due(now)}

    def run_forever(self, stop: threading.Event) -> None:
        """Until `stop` is set; a database or network failure is logged and the next pass tries again."""
        while not stop.is_set():
            try:
                outcome = self.run_once()
                if any(outcome.values()):
                    log.info("notifier: %s", outcome)
            except Exception:  # noqa: BLE001 - the loop must outlive a database outage
                log.exception("notifier pass failed; trying again in %s s", self.config.poll_s)
            stop.wait(self.config.poll_s)
