"""Read only the events' JSON column when loading a tracker.

Rasa: `SQLTrackerStore._retrieve` runs `_event_query()` and builds an ORM object for every stored
event of the conversation, only to read its `data` column.
Patch: the same query (same filter, same order) selects only `data`; the tracker is built from it
exactly as Rasa builds it.
Safe: the same rows in the same order give the same JSON, so the same events and tracker.
"""

from __future__ import annotations

import json
from typing import Any

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.core.tracker_store.SQLTrackerStore._retrieve",)


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    if fence.patched_by(SQLTrackerStore, "_retrieve") == __name__:
        return True

    async def _retrieve(self: SQLTrackerStore, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions)
            rows = query.with_entities(self.SQLEvent.data).all()
            events = [json.loads(data) for (data,) in rows]
            if self.domain and len(events) > 0:
                return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            return None

    fence.replace(SQLTrackerStore, "_retrieve", _retrieve, __name__)
    return True
