"""Rasa's conversation lock store, chosen by one URL (LOCK_STORE_URL, set by bot/ops/run.py).

- empty or `memory://`: Rasa's in-memory locks; right for one Rasa process (the default).
- `redis://[:password@]host:port/db`: Rasa's RedisLockStore, so several Sanic workers or several
  Rasa instances behind a proxy take the messages of one conversation strictly one at a time.

Configured in endpoints.yml (`lock_store: type: bot.rasa_ext.lock_store.ConfiguredLockStore`), because
Rasa's endpoint files cannot leave a section out when a variable is empty. Imports Rasa, so only
Rasa loads it.
"""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

log = logging.getLogger(__name__)

# Redis calls block Rasa's event loop: fail fast instead of Rasa's 10 s default.
REDIS_SOCKET_TIMEOUT_S = 2.0


def redis_parameters(url: str) -> dict[str, Any]:
    """RedisLockStore keyword arguments from a redis:// or rediss:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError(f"LOCK_STORE_URL must look like redis://host:6379/1, got {url!r}")
    db = (parts.path or "/1").strip("/") or "1"
    return {
        "host": parts.hostname,
        "port": parts.port or 6379,
        "db": int(db),
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
        "socket_timeout": REDIS_SOCKET_TIMEOUT_S,
    }


def uses_redis(url: str | None) -> bool:
    return bool(url) and not str(url).startswith("memory")


class ConfiguredLockStore(LockStore):
    """A factory: Rasa instantiates it with the endpoint config and gets the right lock store."""

    def __new__(cls, endpoint_config: Any = None, **_kwargs: Any) -> LockStore:
        url = getattr(endpoint_config, "url", None) or ""
        if not uses_redis(url):
            workers = os.environ.get("SANIC_WORKERS", "1").strip() or "1"
            if workers != "1":
                raise ValueError(
                    f"SANIC_WORKERS={workers} needs a shared lock store: set LOCK_STORE_URL=redis://host:6379/1"
                )
            return InMemoryLockStore()
        parameters = redis_parameters(url)
        store = RedisLockStore(**parameters)
        log.info("lock store: Redis at %s:%s db %s", parameters["host"], parameters["port"], parameters["db"])
        return store
