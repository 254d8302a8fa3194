"""Erasure: a withdrawn or erased lead leaves nothing of the patient in either store.

The lead store keeps only an audit entry without personal data; Rasa's tracker store loses
every event of the conversation. No Rasa imports: the tracker table is read with SQLAlchemy.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import text

from bot.store.database import make_engine
from bot.store.leads import LeadNotFound, LeadStore

log = logging.getLogger(__name__)

# The tracker store erases a conversation whose last turn set this slot (bot/rasa_tracker_store.py).
ERASE_SLOT = "erase_conversation"
REFERENCE_CODE = re.compile(r"\bPS-?([A-Z0-9]{6})\b", re.IGNORECASE)


def reference_code_in(message: str) -> str | None:
    """A reference code quoted in a message ("delete ps-7k3f9q"), normalised to PS-XXXXXX."""
    match = REFERENCE_CODE.search(message)
    return f"PS-{match.group(1).upper()}" if match else None


def erase_tracker_events(tracker_store_url: str, conversation_id: str) -> int:
    """Delete a conversation's events from Rasa's SQL tracker store; returns how many."""
    engine = make_engine(tracker_store_url)
    try:
        with engine.begin() as connection:
            tables = {row[0] for row in connection.execute(text(
                "select name from sqlite_master where type='table'" if engine.dialect.name == "sqlite"
                else "select table_name from information_schema.tables where table_schema = current_schema()"
            ))}
            if "events" not in tables:
                return 0
            result = connection.execute(text("delete from events where sender_id = :sender"), {"sender": conversation_id})
            return int(result.rowcount or 0)
    finally:
        engine.dispose()


def erase_lead(store: LeadStore, tracker_store_url: str, key: str, actor: str) -> str:
    """Erase a lead (by id, reference code or conversation id) from both stores; returns its conversation id."""
    record = store.get_lead(key)
    if not store.erase_conversation(record.conversation_id, actor=actor):
        raise LeadNotFound(f"no lead {key!r}")
    erased = erase_tracker_events(tracker_store_url, record.conversation_id)
    log.info("lead %s erased by %s (%d tracker events)", record.id, actor, erased)
    return record.conversation_id
