"""Rasa's SQL tracker store, with transcripts encrypted at rest and erasure of withdrawn conversations.

Encryption: each event's `data` column (the event's JSON: messages, slots, so names, phone
numbers, e-mails and health answers) is written encrypted with the lead store's FieldCipher
(PRESCREEN_DATA_KEY, old keys in PRESCREEN_OLD_DATA_KEYS) and decrypted on read; rows written
before encryption (plain JSON) are still read. This is done by the column's type, so every reader
and writer of `self.SQLEvent` gets it: Rasa's own save and retrieve, the tracker cache and the lean
loading in fast.py. The format is defined in bot/leads/transcripts.py, which the NLU review export
and `prescreen keys rotate` also use.

Erasure: the withdraw action (and a declined consent) sets the `erase_conversation` slot; when Rasa
saves the tracker at the end of that turn, this store deletes every stored event of the
conversation instead of writing new ones. Configured in endpoints.yml; imports Rasa, so only Rasa
loads it.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base

from bot.leads.crypto import FieldCipher
from bot.leads.erasure import ERASE_SLOT
from bot.leads.private_files import private_sqlite_file
from bot.leads.transcripts import seal, unseal

log = logging.getLogger(__name__)


class EncryptedText(sa.types.TypeDecorator):
    """A text column stored encrypted (bot/leads/transcripts.py); plaintext rows read as they are."""

    impl = sa.Text
    cache_ok = True  # the cache key holds the cipher object: one per store

    def __init__(self, cipher: FieldCipher) -> None:
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return seal(self.cipher, value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return unseal(self.cipher, value)


def encrypted_event_model(cipher: FieldCipher) -> tuple[Any, Any]:
    """A declarative base and an SQLEvent class mapping Rasa's `events` table, `data` encrypted.

    The columns are those of Rasa 3.6's SQLTrackerStore.SQLEvent (same table, same schema); one
    class per store because the column type carries the store's cipher.
    """
    base = declarative_base()

    class SQLEvent(base):  # type: ignore[valid-type,misc]
        __tablename__ = "events"

        id = sa.Column(sa.Integer, sa.Sequence("events_seq", metadata=base.metadata, optional=True),
                       primary_key=True)
        sender_id = sa.Column(sa.String(255), nullable=False, index=True)
        type_name = sa.Column(sa.String(255), nullable=False)
        timestamp = sa.Column(sa.Float)
        intent_name = sa.Column(sa.String(255))
        action_name = sa.Column(sa.String(255))
        data = sa.Column(EncryptedText(cipher))

    return base, SQLEvent


def cipher_from_settings() -> FieldCipher:
    """The lead store's cipher (raises MissingKeyError without PRESCREEN_DATA_KEY: no clear-text fallback)."""
    from bot.settings import load_settings

    settings = load_settings()
    return FieldCipher(settings.data_key, settings.old_data_keys)


class ErasableSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore configured by one SQLAlchemy URL: encrypted events, withdrawn conversations erased."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        cipher: FieldCipher | None = None,
        **kwargs: Any,
    ) -> None:
        if not host or "://" not in host:
            raise ValueError("tracker_store url must be a full SQLAlchemy URL, e.g. sqlite:///var/tracker.db")
        self.cipher = cipher or cipher_from_settings()
        # Instance attributes: Rasa's __init__ creates the table from self.Base, every query uses self.SQLEvent.
        self.Base, self.SQLEvent = encrypted_event_model(self.cipher)
        private_sqlite_file(host)  # owner-only from the first byte, whatever the umask
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
