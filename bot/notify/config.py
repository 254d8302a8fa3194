"""What the notifier needs from the settings, checked once, with errors that say what to fix."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.settings import PROJECT_ROOT, Settings

OFF_NOTICE = "Notifications are off: set SMTP_URL and NOTIFY_EMAIL_TO in .env (README → Notifications)."
WEBHOOK_FORMATS = ("json", "wecom")
LANGUAGES = ("zh", "en")  # the notify catalogue's languages (bot/notify/translations), English being the msgids
PROVISIONAL_STATUSES = ("likely_eligible", "needs_review", "likely_ineligible")


class NotifyConfigError(ValueError):
    """A notification setting is wrong; the message names the variable and what it should be."""


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand e-mail over: `security` is starttls, tls or plain."""

    host: str
    port: int
    security: str
    username: str
    password: str


@dataclass(frozen=True)
class NotifyConfig:
    """The notification settings, parsed."""

    smtp: SmtpServer | None
    smtp_ca_file: str  # the authority that signed the mail server's certificate (PEM); "": the system's list
    email_from: str
    email_to: tuple[str, ...]
    webhook_url: str
    webhook_format: str
    language: str  # zh or en: subject, text and markdown; JSON field names and codes stay English
    statuses: tuple[str, ...]
    digest_time: time | None
    timezone: ZoneInfo
    timezone_name: str
    deadline_hours: int
    max_attempts: int
    poll_s: int
    public_url: str  # the coordinator app's address for links, without a trailing slash
    backlog: timedelta = timedelta(minutes=60)  # older leads and waiting messages: one summary (NOTIFY_BACKLOG_MINUTES)

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels messages go out on: e-mail when a server and recipients are set, webhook when a URL is."""
        email = ("email",) if self.smtp and self.email_to else ()
        return email + (("webhook",) if self.webhook_url else ())

    @property
    def enabled(self) -> bool:
        return bool(self.channels)


def parse_smtp_url(url: str) -> SmtpServer:
    """smtp://user:pass@host:587 (STARTTLS when offered), smtps://host:465 (TLS), smtp://host:25."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise NotifyConfigError(
            f"SMTP_URL must look like smtp://user:password@mail.example.org:587 or smtps://…:465, got {parts.scheme}://…"
        )
    try:
        port = parts.port
    except ValueError as error:
        raise NotifyConfigError("SMTP_URL has a port that is not a number") from error
    username, password = unquote(parts.username or ""), unquote(parts.password or "")
    if parts.scheme == "smtps":
        return SmtpServer(parts.hostname, port or 465, "tls", username, password)
    return SmtpServer(parts.hostname, port or (587 if username else 25), "starttls", username, password)


def _parse_digest_time(raw: str) -> time | None:
    if raw.strip().lower() in ("", "off"):  # an empty variable means the default, so "off" turns it off
        return None
    try:
        hours, minutes = (int(part) for part in raw.strip().split(":"))
        return time(hours, minutes)
    except ValueError as error:
        raise NotifyConfigError(f"NOTIFY_DIGEST_TIME must be HH:MM (e.g. 08:30) or off, got {raw!r}") from error


def _check_ca_file(raw: str) -> str:
    """SMTP_CA_FILE as an absolute path (relative to the project), checked to be a readable PEM certificate."""
    if not raw:
        return ""
    path = (Path(raw) if Path(raw).is_absolute() else PROJECT_ROOT / raw).resolve()
    if not path.is_file():
        raise NotifyConfigError(f"SMTP_CA_FILE: no file at {path} (the mail server's certificate authority, PEM)")
    try:  # load it now, so a wrong file is named here and not as a failed send every few minutes
        ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError) as error:
        raise NotifyConfigError(
            f"SMTP_CA_FILE: {path} is not a readable PEM certificate ({error}); export the authority's certificate "
            "as PEM (text starting with -----BEGIN CERTIFICATE-----)"
        ) from error
    return str(path)


def notify_config(settings: Settings) -> NotifyConfig:
    """Parse and check the notification settings."""
    if settings.notify_webhook_format not in WEBHOOK_FORMATS:
        raise NotifyConfigError(
            f"NOTIFY_WEBHOOK_FORMAT must be one of {', '.join(WEBHOOK_FORMATS)}, got {settings.notify_webhook_format!r}"
        )
    if settings.notify_language not in LANGUAGES:
        raise NotifyConfigError(
            f"NOTIFY_LANGUAGE must be one of {', '.join(LANGUAGES)}, got {settings.notify_language!r}"
        )
    unknown = [status for status in settings.notify_statuses if status not in PROVISIONAL_STATUSES]
    if unknown:
        raise NotifyConfigError(
            f"NOTIFY_STATUSES may list {', '.join(PROVISIONAL_STATUSES)}; unknown: {', '.join(unknown)}"
        )
    if settings.notify_max_attempts < 1 or settings.notify_poll_s < 1 or settings.contact_deadline_hours < 1:
        raise NotifyConfigError("NOTIFY_MAX_ATTEMPTS, NOTIFY_POLL_S and CONTACT_DEADLINE_HOURS must be 1 or more")
    if settings.notify_backlog_minutes < 1:
        raise NotifyConfigError("NOTIFY_BACKLOG_MINUTES must be 1 or more (minutes; 60 by default)")
    try:
        zone = ZoneInfo(settings.coordinator_timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise NotifyConfigError(
            "COORDINATOR_TIMEZONE must be a time zone name such as Asia/Shanghai, "
            f"got {settings.coordinator_timezone!r}"
        ) from error
    host = "127.0.0.1" if settings.coordinator_host in ("0.0.0.0", "", "::") else settings.coordinator_host
    public_url = (settings.coordinator_public_url or f"http://{host}:{settings.coordinator_port}").rstrip("/")
    return NotifyConfig(
        smtp=parse_smtp_url(settings.smtp_url) if settings.smtp_url else None,
        smtp_ca_file=_check_ca_file(settings.smtp_ca_file),
        email_from=settings.notify_email_from,
        email_to=settings.notify_email_to,
        webhook_url=settings.notify_webhook_url,
        webhook_format=settings.notify_webhook_format,
        language=settings.notify_language,
        statuses=settings.notify_statuses,
        digest_time=_parse_digest_time(settings.notify_digest_time),
        timezone=zone,
        timezone_name=settings.coordinator_timezone,
        deadline_hours=settings.contact_deadline_hours,
        max_attempts=settings.notify_max_attempts,
        poll_s=settings.notify_poll_s,
        public_url=public_url,
        backlog=timedelta(minutes=settings.notify_backlog_minutes),
    )
