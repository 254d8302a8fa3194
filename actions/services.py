"""What the actions share: the criteria, the lead store and the consent version, made once per process."""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path

import yaml

from bot.criteria import Criteria, load_criteria
from bot.settings import PROJECT_ROOT, get_settings
from bot.store.crypto import FieldCipher, MissingKeyError
from bot.store.database import Database
from bot.store.leads import LeadStore

log = logging.getLogger(__name__)

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
def consent_version(domain_file: Path = DOMAIN_FILE) -> str:
    """A version for the consent text shown: a hash of its wording in the domain."""
    with open(domain_file, encoding="utf-8") as handle:
        responses = yaml.safe_load(handle)["responses"][CONSENT_RESPONSE]
    text = " ".join(responses[0]["text"].split())
    return "consent-" + hashlib.sha256(text.encode()).hexdigest()[:12]
