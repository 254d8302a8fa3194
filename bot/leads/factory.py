"""The one way to build the lead store, its cipher and the spool from the settings.

The actions, the CLI and the coordinator app all open the store here, so a missing or wrong data
key (PRESCREEN_DATA_KEY) behaves the same everywhere and says the same thing:

- `require_key=True` (the coordinator app, which shows contact details): MissingKeyError, whose
  message says how to make a key; the caller refuses to start.
- `require_key=False` (the actions and the CLI, which have work to do without contact details):
  the same message is logged as a warning and the store has no cipher; anything that needs
  contact details then fails with a StoreError naming the missing key.
"""

from __future__ import annotations

import logging

from bot.leads.crypto import FieldCipher, MissingKeyError
from bot.leads.database import Database
from bot.leads.spool import Spool, start_replayer
from bot.leads.store import LeadStore
from bot.settings import Settings

log = logging.getLogger(__name__)


def open_cipher(settings: Settings, require_key: bool = True) -> FieldCipher | None:
    """The cipher for contact details, or None (logged) when the key is missing and not required."""
    try:
        return FieldCipher(settings.data_key, settings.old_data_keys)
    except MissingKeyError as error:
        if require_key:
            raise
        log.warning("contact details cannot be stored or read: %s", error)
        return None


def open_lead_store(settings: Settings, require_key: bool = True, database_url: str | None = None) -> LeadStore:
    """The lead store on `database_url` (default: DATABASE_URL) with the data key's cipher."""
    cipher = open_cipher(settings, require_key)
    return LeadStore(Database(database_url or settings.database_url), cipher)


def open_spool(settings: Settings, store: LeadStore, replay: bool = True) -> Spool | None:
    """The spool for writes the database could not take (var/spool/), replayed in the background
    every SPOOL_REPLAY_INTERVAL_S when `replay`; None without a data key (it is kept encrypted)."""
    if store.cipher is None:
        return None
    spool = Spool(settings.var_dir / "spool", store.cipher)
    if replay:
        start_replayer(spool, store, settings.spool_replay_interval_s)
    return spool
