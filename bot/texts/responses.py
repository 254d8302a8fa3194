"""The assistant's responses in domain.yml, per language: which variation a patient in a language reads.

A variation is in a language when its condition says `language: <lang>`; the one without a language
condition is English, Rasa's default. Slots with an initial value (the hospital's name) are filled in, so
a text's version follows the words patients read, not the template.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.languages import DEFAULT_LANGUAGE
from bot.settings import PROJECT_ROOT, get_settings

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
# DEFAULT_LANGUAGE (bot/languages.py) is the language of the unconditioned variation.
LANGUAGE_SLOT = "language"
CONSENT_RESPONSE = "utter_ask_consent"
# A ruled-out patient's separate, optional consent to hear about other studies (its own version).
OTHER_STUDIES_CONSENT_RESPONSE = "utter_ask_other_studies_ok"


def load_domain(domain_file: Path = DOMAIN_FILE) -> dict[str, Any]:
    with open(domain_file, encoding="utf-8") as handle:
        domain = yaml.safe_load(handle)
    if not isinstance(domain, dict):
        raise ValueError(f"{domain_file} is not a Rasa domain")
    return domain


def language_of_variation(variation: Mapping[str, Any]) -> str:
    """The language a variation is written in: its `language` condition, or the default."""
    for condition in variation.get("condition") or ():
        if condition.get("name") == LANGUAGE_SLOT:
            return str(condition.get("value"))
    return DEFAULT_LANGUAGE


def other_conditions(variation: Mapping[str, Any]) -> str:
    """The variation's conditions besides the language, as `slot=value` (e.g. "reference_code=None")."""
    return ", ".join(f"{c.get('name')}={c.get('value')}" for c in variation.get("condition") or ()
                     if c.get("name") != LANGUAGE_SLOT)


def variations(domain: Mapping[str, Any], response: str, language: str) -> list[dict[str, Any]]:
    """The variations of `response` written in `language`."""
    return [v for v in domain["responses"][response] if language_of_variation(v) == language]


def filled(text: str, domain: Mapping[str, Any]) -> str:
    """`text` as patients read it: one line, slots with an initial value ({study_site}) filled in."""
    text = " ".join(text.split())
    for name, slot in (domain.get("slots") or {}).items():
        if isinstance(slot, dict) and slot.get("initial_value") is not None:
            text = text.replace("{" + name + "}", str(slot["initial_value"]))
    return text


def consent_version(language: str = DEFAULT_LANGUAGE, domain_file: Path = DOMAIN_FILE) -> str:
    """A version of the consent text shown in `language`: a hash of its wording as patients read it, so a
    change of wording is a new version and a mere move of a name into a slot is not."""
    return _consent_version(language, domain_file)


@lru_cache(maxsize=8)
def _consent_version(language: str, domain_file: Path) -> str:
    return "consent-" + _wording_hash(CONSENT_RESPONSE, language, domain_file)


def other_studies_consent_version(
    language: str = DEFAULT_LANGUAGE, domain_file: Path = DOMAIN_FILE, retention_days: int | None = None
) -> str:
    """The version of the offer to keep a ruled-out patient's name and number for other studies, in
    `language`: a hash of its wording as patients read it, the retention period (RETENTION_DAYS, or
    `retention_days`) filled in, so a new period is a new version too."""
    days = get_settings().retention_days if retention_days is None else retention_days
    return "other-studies-consent-" + _other_studies_hash(language, domain_file, str(days))


@lru_cache(maxsize=16)
def _other_studies_hash(language: str, domain_file: Path, days: str) -> str:
    return _wording_hash(OTHER_STUDIES_CONSENT_RESPONSE, language, domain_file, {"retention_days": days})


def _wording_hash(response: str, language: str, domain_file: Path, values: Mapping[str, str] | None = None) -> str:
    """A short hash of the one variation of `response` in `language`, as patients read it."""
    domain = load_domain(domain_file)
    shown = variations(domain, response, language)
    if len(shown) != 1:
        raise ValueError(f"{response} needs exactly one {language!r} variation in {domain_file}, found {len(shown)}")
    text = filled(shown[0]["text"], domain)
    for name, value in (values or {}).items():
        text = text.replace("{" + name + "}", value)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
