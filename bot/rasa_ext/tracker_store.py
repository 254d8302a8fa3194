"""Rasa's SQL tracker store, plus erasure: a conversation the patient withdrew leaves no events.

The withdraw action (and a declined consent) sets the `erase_conversation` slot; when Rasa saves
the tracker at the end of that turn, this store deletes every stored event of the conversation
instead of writing new ones. Configured in endpoints.yml; imports Rasa, so only Rasa loads it.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.leads.erasure import ERASE_SLOT

log = logging.getLogger(__name__)


class ErasableSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore configured by one SQLAlchemy URL, which erases withdrawn conversations."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        if not host or "://" not in host:
            raise ValueError("tracker_store url must be a full SQLAlchemy URL, e.g. sqlite:///var/tracker.db")
        super().__init__(domain=domain, host=host, event_broker=event_broker, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.get_slot(ERASE_SLOT) is True:
            self.erase(tracker.sender_id)
            return
        await super().save(tracker)

    def erase(self, sender_id: str) -> int:
        with self.session_scope() as session:
            deleted = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()
        log.info("erased %d tracker events of conversation %s", deleted, sender_id)
        return deleted
