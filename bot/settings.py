"""Every setting in one place, read once from the environment (and `.env`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from error


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0, got {raw!r}")


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Typed settings; see `.env.example` for what each one means."""

    database_url: str
    tracker_store_url: str
    data_key: str
    old_data_keys: tuple[str, ...]
    rasa_host: str
    rasa_port: int
    actions_host: str
    actions_port: int
    chat_host: str
    chat_port: int
    coordinator_host: str
    coordinator_port: int
    rasa_auth_token: str
    coordinator_secret_key: str
    cors_origins: tuple[str, ...]
    study_contact_phone: str
    study_contact_email: str
    emergency_phone: str
    privacy_url: str
    chat_title: str
    retention_days: int
    spool_replay_interval_s: int
    chat_rate_per_conversation: int
    chat_rate_per_address: int
    coordinator_idle_minutes: str
    coordinator_https: str
    coordinator_timezone: str
    var_dir: Path = field(default=PROJECT_ROOT / "var")
    # Speed and scale (README "Speed and scale"). Empty lock store: in-memory locks, one Rasa process.
    lock_store_url: str = ""  # redis://[:password@]host:port/db: locks shared by workers and instances
    sanic_workers: int = 1  # Rasa worker processes; more than one needs lock_store_url
    actions_workers: int = 1  # action-server worker processes
    rasa_speedups: bool = True  # start Rasa through bot/rasa_ext/fast.py (RASA_SPEEDUPS=0: plain bot/rasa_ext/server.py)
    tracker_cache_size: int = 256  # conversations whose tracker a Rasa process keeps in memory (0: none)

    @property
    def rasa_url(self) -> str:
        host = "127.0.0.1" if self.rasa_host in ("0.0.0.0", "") else self.rasa_host
        return f"http://{host}:{self.rasa_port}"

    @property
    def action_endpoint_url(self) -> str:
        host = "127.0.0.1" if self.actions_host in ("0.0.0.0", "") else self.actions_host
        return f"http://{host}:{self.actions_port}/webhook"


def _default_sqlite(var_dir: Path, name: str) -> str:
    return f"sqlite:///{var_dir / name}"


def load_settings(env_file: Path | None = None) -> Settings:
    """Read settings from the environment, after loading `.env` (the environment wins)."""
    load_dotenv(env_file or PROJECT_ROOT / ".env", override=False)
    var_dir = Path(_env("PRESCREEN_VAR_DIR", str(PROJECT_ROOT / "var")))
    return Settings(
        database_url=_env("DATABASE_URL", _default_sqlite(var_dir, "prescreen.db")),
        tracker_store_url=_env("TRACKER_STORE_URL", _default_sqlite(var_dir, "tracker.db")),
        data_key=_env("PRESCREEN_DATA_KEY", ""),
        old_data_keys=_env_list("PRESCREEN_OLD_DATA_KEYS"),
        rasa_host=_env("RASA_HOST", "127.0.0.1"),
        rasa_port=_env_int("RASA_PORT", 5005),
        actions_host=_env("ACTIONS_HOST", "127.0.0.1"),
        actions_port=_env_int("ACTIONS_PORT", 5055),
        chat_host=_env("CHAT_HOST", "127.0.0.1"),
        chat_port=_env_int("CHAT_PORT", 8080),
        coordinator_host=_env("COORDINATOR_HOST", "127.0.0.1"),
        coordinator_port=_env_int("COORDINATOR_PORT", 8000),
        rasa_auth_token=_env("RASA_AUTH_TOKEN", ""),
        coordinator_secret_key=_env("COORDINATOR_SECRET_KEY", ""),
        cors_origins=_env_list("CORS_ORIGINS"),
        study_contact_phone=_env("STUDY_CONTACT_PHONE", "+86 21 3116 6666"),
        study_contact_email=_env("STUDY_CONTACT_EMAIL", ""),
        emergency_phone=_env("EMERGENCY_PHONE", "120"),
        privacy_url=_env("PRIVACY_URL", "/privacy"),
        chat_title=_env("CHAT_TITLE", "CAR-T study prescreen"),
        retention_days=_env_int("RETENTION_DAYS", 180),
        spool_replay_interval_s=_env_int("SPOOL_REPLAY_INTERVAL_S", 30),
        chat_rate_per_conversation=_env_int("CHAT_RATE_PER_CONVERSATION", 30),
        chat_rate_per_address=_env_int("CHAT_RATE_PER_ADDRESS", 300),
        # Checked and parsed by bot/web/coordinator/config.py, which says what is wrong with a bad value.
        coordinator_idle_minutes=_env("COORDINATOR_IDLE_MINUTES", "30"),
        coordinator_https=_env("COORDINATOR_HTTPS", ""),
        coordinator_timezone=_env("COORDINATOR_TIMEZONE", "Asia/Shanghai"),
        var_dir=var_dir,
        lock_store_url=_env("LOCK_STORE_URL", ""),
        sanic_workers=_env_int("SANIC_WORKERS", 1),
        actions_workers=_env_int("ACTION_SERVER_SANIC_WORKERS", 1),
        rasa_speedups=_env_bool("RASA_SPEEDUPS", True),
        tracker_cache_size=_env_int("TRACKER_CACHE_SIZE", 256),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use."""
    return load_settings()
