"""What the actions share: the criteria, the lead store and the consent version, made once per process."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bot.leads.crypto import FieldCipher, MissingKeyError
from bot.leads.database import Database
from bot.leads.spool import Spool, start_replayer
from bot.leads.store import LeadNotFound, LeadStore, StoreError
from bot.settings import PROJECT_ROOT, get_settings
from bot.trial.criteria import Criteria, load_criteria

log = logging.getLogger(__name__)
T = TypeVar("T")

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
CONSENT_RESPONSE = "utter_ask_consent"


def criteria() -> Criteria:
    return load_criteria()


@lru_cache(maxsize=1)
def lead_store() -> LeadStore:
    settings = get_settings()
    try:
        cipher: FieldCipher | None = FieldCipher(settings.data_key, settings.old_data_keys)
    except MissingKeyError as error:
        log.error("%s", error)
        cipher = None
    return LeadStore(Database(settings.database_url), cipher)


@lru_cache(maxsize=1)
def spool() -> Spool | None:
    """The spool for writes the database could not take, with its replayer; None without a data key."""
    store = lead_store()
    if store.cipher is None:
        return None
    settings = get_settings()
    pending = Spool(settings.var_dir / "spool", store.cipher)
    start_replayer(pending, store, settings.spool_replay_interval_s)
    return pending


def write_or_spool(conversation_id: str, kind: str, payload: dict[str, Any], write: Callable[[], T]) -> T | None:
    """Write to the lead store now, or keep the write in the spool when the database is down
    (or when earlier writes of this conversation still wait there, to keep their order).

    Returns the write's result, or None when spooled; raises StoreError when neither worked.
    """
    pending = spool()
    try:
        if pending is not None and pending.pending_for(conversation_id):
            raise StoreError("earlier writes of this conversation are still waiting")
        return write()
    except (StoreError, LeadNotFound):
        if pending is None:
            raise StoreError(f"{kind} could not be stored or spooled") from None
        pending.put(kind, {"conversation_id": conversation_id, **payload})
        return None


@lru_cache(maxsize=1)
def consent_version(domain_file: Path = DOMAIN_FILE) -> str:
    """A version for the consent text shown: a hash of its wording as patients read it (slots such as
    {study_site} filled with their values), so a change of wording is a new version and a mere move of
    a name into a slot is not."""
    with open(domain_file, encoding="utf-8") as handle:
        domain = yaml.safe_load(handle)
    text = " ".join(domain["responses"][CONSENT_RESPONSE][0]["text"].split())
    for name, slot in domain.get("slots", {}).items():
        if isinstance(slot, dict) and slot.get("initial_value") is not None:
            text = text.replace("{" + name + "}", str(slot["initial_value"]))
    return "consent-" + hashlib.sha256(text.encode()).hexdigest()[:12]
