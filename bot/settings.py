"""Every setting in one place, read once from the environment (and `.env`).

Each field names its environment variable, so the same table reads the settings (`load_settings`)
and hands them on to child processes (`Settings.as_env`): a server started by `make run` or by the
tests sees exactly the settings of the process that started it.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, get_type_hints

from dotenv import load_dotenv

from bot.languages import STUDY_TEAM_LANGUAGE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"


def _setting(env: str, default: Any = "") -> Any:
    return field(default=default, metadata={"env": env})


def _parse(name: str, raw: str, kind: Any) -> Any:
    if kind is int:
        try:
            return int(raw)
        except ValueError as error:
            raise ValueError(f"{name} must be a whole number, got {raw!r}") from error
    if kind is bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{name} must be 1 or 0, got {raw!r}")
    if kind == tuple[str, ...]:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if kind is Path:
        return Path(raw)
    return raw


def _unparse(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


WILDCARD_HOSTS = ("0.0.0.0", "::", "")  # "listen on every address": to connect, use the loopback
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")  # this machine only


def local_host(host: str) -> str:
    """The address to connect to a server that listens on `host`: the loopback for a wildcard address."""
    return "127.0.0.1" if host in WILDCARD_HOSTS else host


# What a patient can send in one message, the same on the chat page and at Rasa's own port (bot/rasa_ext/server.py):
# what the page lets through, Rasa takes in; anything larger is refused at both with HTTP 413.
MAX_MESSAGE_CHARS = 2000  # characters of one message
MAX_REQUEST_BYTES = 64 * 1024  # bytes of one request body


@dataclass(frozen=True)
class Settings:
    """Typed settings; see `.env.example` for what each one means."""

    database_url: str = _setting("DATABASE_URL")  # empty: SQLite in var_dir (filled in by load_settings)
    tracker_store_url: str = _setting("TRACKER_STORE_URL")
    data_key: str = _setting("PRESCREEN_DATA_KEY")
    old_data_keys: tuple[str, ...] = _setting("PRESCREEN_OLD_DATA_KEYS", ())
    rasa_host: str = _setting("RASA_HOST", "127.0.0.1")
    rasa_port: int = _setting("RASA_PORT", 5005)
    actions_host: str = _setting("ACTIONS_HOST", "127.0.0.1")
    actions_port: int = _setting("ACTIONS_PORT", 5055)
    chat_host: str = _setting("CHAT_HOST", "127.0.0.1")
    chat_port: int = _setting("CHAT_PORT", 8080)
    coordinator_host: str = _setting("COORDINATOR_HOST", "127.0.0.1")
    coordinator_port: int = _setting("COORDINATOR_PORT", 8000)
    rasa_auth_token: str = _setting("RASA_AUTH_TOKEN")
    coordinator_secret_key: str = _setting("COORDINATOR_SECRET_KEY")
    cors_origins: tuple[str, ...] = _setting("CORS_ORIGINS", ())
    study_contact_phone: str = _setting("STUDY_CONTACT_PHONE", "+86 21 3116 6666")
    study_contact_email: str = _setting("STUDY_CONTACT_EMAIL")
    emergency_phone: str = _setting("EMERGENCY_PHONE", "120")
    privacy_url: str = _setting("PRIVACY_URL", "/privacy")
    chat_title: str = _setting("CHAT_TITLE")  # empty: the page's own title in each language (chat texts' `title`)
    retention_days: int = _setting("RETENTION_DAYS", 180)
    # Ruled-out patients are offered to hear about other studies (a separate consent); 0 switches it off.
    offer_other_studies: bool = _setting("OFFER_OTHER_STUDIES", True)
    spool_replay_interval_s: int = _setting("SPOOL_REPLAY_INTERVAL_S", 30)
    chat_rate_per_conversation: int = _setting("CHAT_RATE_PER_CONVERSATION", 30)
    chat_rate_per_address: int = _setting("CHAT_RATE_PER_ADDRESS", 300)
    # Checked and parsed by bot/web/coordinator/config.py, which says what is wrong with a bad value.
    coordinator_idle_minutes: str = _setting("COORDINATOR_IDLE_MINUTES", "30")
    coordinator_https: str = _setting("COORDINATOR_HTTPS")
    coordinator_timezone: str = _setting("COORDINATOR_TIMEZONE", "Asia/Shanghai")
    coordinator_default_language: str = _setting("COORDINATOR_DEFAULT_LANGUAGE", STUDY_TEAM_LANGUAGE)  # new accounts
    var_dir: Path = _setting("PRESCREEN_VAR_DIR", DEFAULT_VAR_DIR)
    log_format: str = _setting("LOG_FORMAT", "text")  # text, or json: one JSON object per line on stdout (images)
    # Prometheus metrics (README "Monitoring"), internal only: Rasa and the action server on their own port
    # (0: off), the chat page and the coordinator app at /metrics for clients in METRICS_NETWORKS only.
    metrics_host: str = _setting("METRICS_HOST", "127.0.0.1")
    rasa_metrics_port: int = _setting("RASA_METRICS_PORT", 9105)
    actions_metrics_port: int = _setting("ACTIONS_METRICS_PORT", 9106)
    metrics_networks: tuple[str, ...] = _setting("METRICS_NETWORKS", ("127.0.0.0/8", "::1/128"))
    backup_dir: str = _setting("PRESCREEN_BACKUP_DIR")  # `prescreen backup` writes here; empty: var_dir/backups
    # Speed and scale (README "Speed and scale"). Empty lock store: in-memory locks, one Rasa process.
    lock_store_url: str = _setting("LOCK_STORE_URL")  # redis://[:password@]host:port/db, shared by workers/instances
    sanic_workers: int = _setting("SANIC_WORKERS", 1)  # Rasa worker processes; more than one needs lock_store_url
    actions_workers: int = _setting("ACTION_SERVER_SANIC_WORKERS", 1)  # action-server worker processes
    rasa_speedups: bool = _setting("RASA_SPEEDUPS", True)  # Rasa through bot/rasa_ext/fast.py, else stock
    tracker_cache_size: int = _setting("TRACKER_CACHE_SIZE", 256)  # conversations kept in memory per Rasa process
    # Notifications for the study team (README "Notifications"); off until SMTP_URL + NOTIFY_EMAIL_TO or a webhook.
    smtp_url: str = _setting("SMTP_URL")  # smtp://user:pass@host:587 (STARTTLS), smtps://…:465, smtp://host:25
    smtp_ca_file: str = _setting("SMTP_CA_FILE")  # PEM of the mail server's certificate authority; empty: the system's
    notify_email_from: str = _setting("NOTIFY_EMAIL_FROM", "prescreen@localhost")
    notify_email_to: tuple[str, ...] = _setting("NOTIFY_EMAIL_TO", ())
    notify_webhook_url: str = _setting("NOTIFY_WEBHOOK_URL")
    notify_webhook_format: str = _setting("NOTIFY_WEBHOOK_FORMAT", "json")  # json, or wecom (WeCom group robot)
    notify_language: str = _setting("NOTIFY_LANGUAGE", STUDY_TEAM_LANGUAGE)  # the messages' language: zh or en
    notify_statuses: tuple[str, ...] = _setting(
        "NOTIFY_STATUSES", ("likely_eligible", "needs_review", "likely_ineligible")
    )  # provisional statuses that send a message when a screening completes with a contact
    notify_digest_time: str = _setting("NOTIFY_DIGEST_TIME", "08:30")  # local (COORDINATOR_TIMEZONE); off: no digest
    notify_max_attempts: int = _setting("NOTIFY_MAX_ATTEMPTS", 10)  # then the notification is marked failed
    notify_poll_s: int = _setting("NOTIFY_POLL_S", 15)  # how often the notifier looks for new leads
    # A lead or waiting message older than this when the notifier gets to it (notifications just switched
    # on, the notifier or the mail server back after an outage) goes into one summary, not a message each.
    notify_backlog_minutes: int = _setting("NOTIFY_BACKLOG_MINUTES", 60)
    contact_deadline_hours: int = _setting("CONTACT_DEADLINE_HOURS", 24)  # no contact attempt after this: overdue
    unreachable_after_attempts: int = _setting("UNREACHABLE_AFTER_ATTEMPTS", 3)  # tries, never reached: unreachable
    coordinator_public_url: str = _setting("COORDINATOR_PUBLIC_URL")  # links in messages; empty: host and port
    # The WeChat official-account channel (README "WeChat"); off until token, app id and secret are set.
    wechat_token: str = _setting("WECHAT_TOKEN")  # the Token of the account's server configuration
    wechat_app_id: str = _setting("WECHAT_APP_ID")
    wechat_app_secret: str = _setting("WECHAT_APP_SECRET")
    wechat_aes_key: str = _setting("WECHAT_AES_KEY")  # EncodingAESKey (43 characters): safe mode; empty: plain mode
    wechat_api_base: str = _setting("WECHAT_API_BASE", "https://api.weixin.qq.com")
    wechat_id_key: str = _setting("WECHAT_ID_KEY")  # keys the OpenID -> conversation id hash; empty: from the data key
    wechat_replies_per_message: int = _setting("WECHAT_REPLIES_PER_MESSAGE", 5)  # the platform's quota per message
    wechat_menu_messages: bool = _setting("WECHAT_MENU_MESSAGES", True)  # buttons as msgmenu; 0: numbered choices
    wechat_port: int = _setting("WECHAT_PORT", 8090)  # `python -m bot.web.wechat` alone (else on the chat page)
    wechat_senders: int = _setting("WECHAT_SENDERS", 4)  # threads per gateway process running turns and sending

    @property
    def rasa_url(self) -> str:
        return f"http://{local_host(self.rasa_host)}:{self.rasa_port}"

    @property
    def action_endpoint_url(self) -> str:
        return f"http://{local_host(self.actions_host)}:{self.actions_port}/webhook"

    @property
    def wechat_enabled(self) -> bool:
        """The WeChat channel runs only when the account's token, app id and secret are all set."""
        return bool(self.wechat_token and self.wechat_app_id and self.wechat_app_secret)

    def as_env(self) -> dict[str, str]:
        """Every setting as the environment variable it is read from, for a child process."""
        return {f.metadata["env"]: _unparse(getattr(self, f.name)) for f in fields(self)}


def load_settings(env_file: Path | None = None) -> Settings:
    """Read settings from the environment, after loading `.env` (the environment wins)."""
    load_dotenv(env_file or PROJECT_ROOT / ".env", override=False)
    kinds = get_type_hints(Settings)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = os.environ.get(f.metadata["env"], "").strip()
        if raw:
            values[f.name] = _parse(f.metadata["env"], raw, kinds[f.name])
    settings = Settings(**values)
    var_dir = settings.var_dir
    return dataclasses.replace(
        settings,
        database_url=settings.database_url or f"sqlite:///{var_dir / 'prescreen.db'}",
        tracker_store_url=settings.tracker_store_url or f"sqlite:///{var_dir / 'tracker.db'}",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use."""
    return load_settings()
