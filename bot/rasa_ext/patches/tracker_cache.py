"""A verified in-memory cache of conversation trackers for Rasa's SQL tracker store.

Rasa: `SQLTrackerStore.retrieve` rebuilds a conversation's tracker from the database at every
message: it reads every event of the session, parses the JSON and replays the events one by one,
and `save` counts the stored events again before writing (a fifth of its CPU per message here,
growing with the conversation). This keeps the tracker of each recent conversation in memory and
uses it only while the database still holds exactly what this process last read or wrote for that
conversation:

- every read first asks the database for a marker of the conversation's stored events (their
  count, highest id and latest timestamp, one indexed query); the cached tracker is used only if
  the marker is the one this process recorded and the tracker has not been changed since without
  being saved. A write by another Rasa worker or instance, an erasure, a purge or a crash in the
  middle of a turn all change one or the other, and the tracker is read from the database as before;
- the marker is read *before* the events, so a write racing a read can only cause a miss;
- a save writes the same rows Rasa writes (in one executemany rather than Rasa's ORM flush of one
  INSERT per row) and reads the new marker back in the same transaction; it is recorded only when
  the count grew by exactly the rows written, so a write by anything else is never taken for ours.

Off when an event broker is configured (Rasa diffs a saved tracker against a freshly read one to
stream events) and for full-history reads. Bounded: `max_entries` conversations, each dropped after
`idle_s` without a message. Set TRACKER_CACHE_SIZE=0 to turn it off (bot/settings.py).

Patch: `SQLTrackerStore.retrieve` (latest session only; `retrieve_full_tracker` is untouched) and
`SQLTrackerStore.save`. A miss reads through `self._retrieve`, whichever version of it is installed.
Safe: a cached tracker is served only while the database holds exactly what it was read or saved
as, and a save writes the rows Rasa's `save` writes (both tested against Rasa's own methods).
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any

from bot.monitoring.metrics import TRACKER_CACHE
from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = (
    "rasa.core.tracker_store.SQLTrackerStore.retrieve",
    "rasa.core.tracker_store.SQLTrackerStore.save",
)
IDLE_S = 900.0  # a patient who comes back after 15 minutes is read from the database again


class _Entry:
    __slots__ = ("tracker", "marker", "stored", "length", "last", "used")

    def __init__(self, tracker: Any, marker: tuple[Any, ...], stored: int) -> None:
        self.tracker, self.marker, self.stored = tracker, marker, stored  # stored: events already in the DB
        self.length = len(tracker.events)
        self.last = tracker.events[-1] if self.length else None
        self.used = time.monotonic()

    def unchanged(self) -> bool:
        """The tracker is as saved or read: no event appended (or dropped) since."""
        events = self.tracker.events
        return len(events) == self.length and (self.length == 0 or events[-1] is self.last)


def apply(max_entries: int = 256, idle_s: float = IDLE_S) -> bool:
    """Patch SQLTrackerStore (and so ErasableSQLTrackerStore) in this process; False when not applied.

    Not applied with `max_entries <= 0` (the cache turned off) or on a Rasa it was not written for.
    """
    if max_entries <= 0 or not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    if fence.patched_by(SQLTrackerStore, "save") == __name__:
        return True
    original_retrieve = SQLTrackerStore.retrieve
    original_save = SQLTrackerStore.save

    def entries(store: SQLTrackerStore) -> OrderedDict[str, _Entry]:
        found = store.__dict__.get("_prescreen_trackers")
        if found is None:
            found = store._prescreen_trackers = OrderedDict()
        return found

    def marker(store: SQLTrackerStore, session: Any, sender_id: str) -> tuple[Any, ...]:
        statement = store.__dict__.get("_prescreen_marker_query")
        if statement is None:
            table = store.SQLEvent.__table__
            statement = sa.select(sa.func.count(), sa.func.max(table.c.id), sa.func.max(table.c.timestamp)).where(
                table.c.sender_id == sa.bindparam("sender_id"))
            store._prescreen_marker_query = statement
        return tuple(session.execute(statement, {"sender_id": sender_id}).one())

    def remember(store: SQLTrackerStore, tracker: Any, stored_marker: tuple[Any, ...], stored: int) -> None:
        cache = entries(store)
        cache[tracker.sender_id] = _Entry(tracker, stored_marker, stored)
        cache.move_to_end(tracker.sender_id)
        while len(cache) > max_entries:
            cache.popitem(last=False)

    async def retrieve(self: SQLTrackerStore, sender_id: str) -> Any:
        if self.event_broker is not None:
            return await original_retrieve(self, sender_id)
        with self.session_scope() as session:
            current = marker(self, session, sender_id)
        cache = entries(self)
        entry = cache.pop(sender_id, None)
        now = time.monotonic()
        if entry is not None and entry.marker == current and entry.unchanged() and now - entry.used < idle_s:
            entry.used = now
            cache[sender_id] = entry
            TRACKER_CACHE.labels("hit").inc()
            return entry.tracker
        TRACKER_CACHE.labels("miss").inc()
        tracker = await self._retrieve(sender_id, False)  # what Rasa's retrieve does
        if tracker is not None and current[0]:
            remember(self, tracker, current, len(tracker.events))
        return tracker

    async def save(self: SQLTrackerStore, tracker: Any) -> None:
        if self.event_broker is not None:
            return await original_save(self, tracker)
        entry = entries(self).pop(tracker.sender_id, None)
        events = list(tracker.events)
        with self.session_scope() as session:
            count, top_id, top_timestamp = marker(self, session, tracker.sender_id)
            if entry is not None and entry.tracker is tracker and entry.marker == (count, top_id, top_timestamp):
                start = entry.stored
            else:  # Rasa's own count of the stored events of the latest session
                start = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            rows = []
            for event in events[start:]:  # the rows SQLTrackerStore.save writes
                data = event.as_dict()
                rows.append({
                    "sender_id": tracker.sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"), "data": json.dumps(data),
                })
            expected_count = count + len(rows)
            if rows:  # one executemany through the table (its column type still encrypts), not an INSERT per ORM row
                session.execute(self.SQLEvent.__table__.insert(), rows)
                # The new marker, read back in the same transaction, is ours only if the count grew by exactly
                # the rows written (nothing else wrote to this conversation in between).
                count, top_id, top_timestamp = marker(self, session, tracker.sender_id)
            session.commit()
        # A new session is read back without the old one's events: let the next read do that.
        new_session = any(isinstance(event, SessionStarted) for event in events[start:])
        if count and count == expected_count and not new_session:
            remember(self, tracker, (count, top_id, top_timestamp), len(events))

    fence.replace(SQLTrackerStore, "retrieve", retrieve, __name__)
    fence.replace(SQLTrackerStore, "save", save, __name__)
    return True
