"""Transcripts at rest: the `data` column of Rasa's tracker store, encrypted with the lead store's key.

Every event Rasa stores (a message, a slot, a form's state) is a JSON text in the `events` table's
`data` column; it holds names, phone numbers, e-mails and health answers. The project's tracker
store (bot/rasa_ext/tracker_store.py) writes it as `ENCRYPTED_PREFIX + Fernet token` with the same
FieldCipher (PRESCREEN_DATA_KEY, old keys in PRESCREEN_OLD_DATA_KEYS) as the contact details. A row
without the prefix is plaintext JSON written before encryption was introduced: it is still read,
and `prescreen keys rotate` encrypts it. The other columns hold no free text: type, intent and
action or slot names, a timestamp and the conversation id.

No Rasa imports: the NLU review export and key rotation read the table with plain SQLAlchemy.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.leads.crypto import FieldCipher, MissingKeyError
from bot.leads.database import make_engine
from bot.leads.erasure import TrackerStoreError

log = logging.getLogger(__name__)

# Fernet tokens and JSON never start with this, so an encrypted row cannot be mistaken for a plain one.
ENCRYPTED_PREFIX = "fernet:"
ROTATION_BATCH = 500


def seal(cipher: FieldCipher, data: str | None) -> str | None:
    """The stored form of an event's JSON text."""
    if data is None:
        return None
    return ENCRYPTED_PREFIX + str(cipher.encrypt(data))


def unseal(cipher: FieldCipher | None, stored: str | None) -> str | None:
    """An event's JSON text from its stored form (encrypted, or plaintext from before encryption)."""
    if stored is None or not stored.startswith(ENCRYPTED_PREFIX):
        return stored
    if cipher is None:
        raise MissingKeyError("The transcripts are encrypted: set PRESCREEN_DATA_KEY to read them.")
    return cipher.decrypt(stored[len(ENCRYPTED_PREFIX):])


def rotate_transcripts(tracker_store_url: str, cipher: FieldCipher) -> int:
    """Re-encrypt every event under the cipher's current key (and encrypt plaintext rows); returns how many.

    Works in batches by id, one transaction each, so a large table does not hold one long lock.
    Raises TrackerStoreError if the tracker store cannot be reached.
    """
    engine = make_engine(tracker_store_url)
    try:
        return _rotate(engine, cipher)
    except SQLAlchemyError as error:
        log.error("tracker store: re-encrypting transcripts failed: %s", type(error).__name__)
        raise TrackerStoreError("the conversation store (TRACKER_STORE_URL) is unavailable") from error
    finally:
        engine.dispose()


def _rotate(engine: Engine, cipher: FieldCipher) -> int:
    if not _has_events_table(engine):
        return 0
    count, last_id = 0, -1
    select_batch = text("select id, data from events where id > :last order by id limit :size")
    update_row = text("update events set data = :data where id = :id")
    while True:
        with engine.begin() as connection:
            rows = connection.execute(select_batch, {"last": last_id, "size": ROTATION_BATCH}).all()
            if not rows:
                return count
            updates = []
            for row_id, stored in rows:
                if stored is None:
                    continue
                if stored.startswith(ENCRYPTED_PREFIX):
                    data = ENCRYPTED_PREFIX + str(cipher.rotate(stored[len(ENCRYPTED_PREFIX):]))
                else:
                    data = str(seal(cipher, stored))
                updates.append({"id": row_id, "data": data})
            if updates:
                connection.execute(update_row, updates)
            count += len(updates)
            last_id = rows[-1][0]


def _has_events_table(engine: Engine) -> bool:
    with engine.connect() as connection:
        tables = {row[0] for row in connection.execute(text(
            "select name from sqlite_master where type='table'" if engine.dialect.name == "sqlite"
            else "select table_name from information_schema.tables where table_schema = current_schema()"
        ))}
    return "events" in tables
