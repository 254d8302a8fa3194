"""Erasure: a withdrawn or erased lead leaves nothing of the patient in either store.

The lead store keeps only an audit entry without personal data; Rasa's tracker store loses
every event of the conversation. No Rasa imports: the tracker table is read with SQLAlchemy.

`erase_lead` is the one erasure path of the CLI, the coordinator app and the in-chat withdrawal by
reference code. It erases the tracker events first: if the tracker store cannot be reached, it
raises TrackerStoreError and nothing at all is erased (the lead is still there to try again),
instead of leaving a transcript that no lead points to any more.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.leads.database import make_engine
from bot.leads.errors import LeadNotFound, StoreError
from bot.leads.store import LeadStore

log = logging.getLogger(__name__)

# The tracker store erases a conversation whose last turn set this slot (bot/rasa_ext/tracker_store.py).
ERASE_SLOT = "erase_conversation"
# Why the study team erased a lead: a fixed choice (never free text, which could hold personal data).
ERASE_REASONS = {
    "patient_asked": "patient asked",
    "duplicate": "duplicate",
    "entered_in_error": "entered in error",
}


class TrackerStoreError(StoreError):
    """Rasa's tracker store (the conversation transcripts) could not be read or written."""


def erase_tracker_events(tracker_store_url: str, conversation_id: str) -> int:
    """Delete a conversation's events from Rasa's SQL tracker store; returns how many."""
    engine = make_engine(tracker_store_url)
    try:
        return _delete_events(engine, conversation_id)
    except SQLAlchemyError as error:
        log.error("tracker store: erasing conversation %s failed: %s", conversation_id, type(error).__name__)
        raise TrackerStoreError("the conversation store (TRACKER_STORE_URL) is unavailable") from error
    finally:
        engine.dispose()


def _delete_events(engine: Engine, conversation_id: str) -> int:
    with engine.begin() as connection:
        tables = {row[0] for row in connection.execute(text(
            "select name from sqlite_master where type='table'" if engine.dialect.name == "sqlite"
            else "select table_name from information_schema.tables where table_schema = current_schema()"
        ))}
        if "events" not in tables:
            return 0
        result = connection.execute(text("delete from events where sender_id = :sender"), {"sender": conversation_id})
        return int(result.rowcount or 0)


def erase_lead(
    store: LeadStore, tracker_store_url: str, key: str | int, actor: str, detail: str = "withdrawn"
) -> str:
    """Erase a lead (by id, reference code or conversation id) from both stores; returns its conversation id.

    `detail` goes into the audit entry: no personal data. Raises LeadNotFound, TrackerStoreError
    (nothing erased) or StoreError (the lead database failed: the lead is still stored, its
    transcript may already be gone; erasing again completes it).
    """
    record = store.get_lead(key)
    erased = erase_tracker_events(tracker_store_url, record.conversation_id)
    if not store.erase_conversation(record.conversation_id, actor=actor, detail=detail):
        raise LeadNotFound(f"no lead {key!r}")
    log.info("lead %s erased by %s (%d tracker events)", record.id, actor, erased)
    return record.conversation_id


def erase_other_studies_contact(
    store: LeadStore, tracker_store_url: str, screening_id: int, actor: str, detail: str
) -> None:
    """Erase one other-studies contact and the conversation it was typed in; the screening's anonymous
    answers stay (a ruled-out patient's count for the funnel).

    The transcript goes first, as in `erase_lead`: it holds the name and number the patient typed.
    `detail` goes into the audit entry: no personal data. Raises LeadNotFound, TrackerStoreError
    (nothing erased) or StoreError.
    """
    record = store.get_lead(screening_id)
    if not store.has_other_studies_contact(record.conversation_id):
        raise LeadNotFound(f"no other-studies contact for screening {screening_id}")
    erased = erase_tracker_events(tracker_store_url, record.conversation_id)
    store.delete_other_studies_contact(screening_id, actor, detail)
    log.info("other-studies contact of screening %s erased by %s (%d tracker events)", screening_id, actor, erased)
