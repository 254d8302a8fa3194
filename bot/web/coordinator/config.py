"""The coordinator app's own settings, parsed and checked (read by bot/settings.py).

    COORDINATOR_IDLE_MINUTES  sign out after this many minutes without a request (default 30)
    COORDINATOR_HTTPS         1/true when coordinators reach the app over HTTPS (directly or
                              through a TLS-terminating proxy): session cookies get `Secure`
                              and the `__Host-` prefix, and responses send HSTS (default off)
    COORDINATOR_TIMEZONE      time zone for showing times and reading date filters
                              (default Asia/Shanghai)
    COORDINATOR_DEFAULT_LANGUAGE  the app's language for new accounts: zh or en (default zh, the
                              site is in Shanghai); each coordinator changes it on the account page
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.languages import (  # the app's: a catalogue in translations/ for each but English, the msgids
    LANGUAGES,
    STUDY_TEAM_LANGUAGE,
)

DEFAULT_TIMEZONE = "Asia/Shanghai"


class ConfigurationError(RuntimeError):
    """The coordinator app cannot start with these settings."""


@dataclass(frozen=True)
class CoordinatorOptions:
    idle_timeout: timedelta
    https: bool
    timezone: tzinfo
    timezone_name: str
    default_language: str = STUDY_TEAM_LANGUAGE


def _setting(settings: Any, name: str, env: str) -> str:
    """The raw value from Settings (`env` names it in error messages' terms)."""
    return str(getattr(settings, name, "") or "").strip()


def coordinator_options(settings: Any) -> CoordinatorOptions:
    raw_idle = _setting(settings, "coordinator_idle_minutes", "COORDINATOR_IDLE_MINUTES") or "30"
    try:
        idle = int(raw_idle)
    except ValueError as error:
        raise ConfigurationError(f"COORDINATOR_IDLE_MINUTES must be a whole number, got {raw_idle!r}") from error
    if idle < 1:
        raise ConfigurationError("COORDINATOR_IDLE_MINUTES must be at least 1")
    https = _setting(settings, "coordinator_https", "COORDINATOR_HTTPS").lower() in ("1", "true", "yes", "on")
    zone_name = _setting(settings, "coordinator_timezone", "COORDINATOR_TIMEZONE") or DEFAULT_TIMEZONE
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigurationError(f"COORDINATOR_TIMEZONE {zone_name!r} is not a known time zone") from error
    language = (_setting(settings, "coordinator_default_language", "COORDINATOR_DEFAULT_LANGUAGE").lower()
                or STUDY_TEAM_LANGUAGE)
    if language not in LANGUAGES:
        raise ConfigurationError(
            f"COORDINATOR_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, got {language!r}")
    # The pipeline's numbers: 0 would make every lead overdue at once, or unreachable after its first try.
    for name, env in (("contact_deadline_hours", "CONTACT_DEADLINE_HOURS"),
                      ("unreachable_after_attempts", "UNREACHABLE_AFTER_ATTEMPTS")):
        if int(getattr(settings, name, 1)) < 1:
            raise ConfigurationError(f"{env} must be at least 1")
    return CoordinatorOptions(timedelta(minutes=idle), https, zone, zone_name, language)
