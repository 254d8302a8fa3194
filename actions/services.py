"""What the actions share: the criteria, the lead store and the consent version, made once per process."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from bot.leads.factory import open_lead_store, open_spool
from bot.leads.spool import Spool
from bot.leads.store import LeadNotFound, LeadStore, StoreError
from bot.settings import get_settings
from bot.texts.responses import DEFAULT_LANGUAGE, DOMAIN_FILE
from bot.texts.responses import consent_version as texts_consent_version
from bot.texts.responses import other_studies_consent_version as texts_other_studies_consent_version
from bot.trial.criteria import Criteria, load_criteria

T = TypeVar("T")



def criteria() -> Criteria:
    return load_criteria()


@lru_cache(maxsize=1)
def lead_store() -> LeadStore:
    """The store; without a data key, answers are still stored (contact details are not)."""
    return open_lead_store(get_settings(), require_key=False)


@lru_cache(maxsize=1)
def spool() -> Spool | None:
    """The spool for writes the database could not take, with its replayer; None without a data key."""
    return open_spool(get_settings(), lead_store())


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


def consent_version(language: str = DEFAULT_LANGUAGE, domain_file: Path = DOMAIN_FILE) -> str:
    """The version of the consent text shown in `language` (a hash of its wording, see bot.texts)."""
    return texts_consent_version(language, domain_file)


def other_studies_consent_version(language: str = DEFAULT_LANGUAGE) -> str:
    """The version of the offer to hear about other studies in `language` (its wording and RETENTION_DAYS)."""
    return texts_other_studies_consent_version(language)
