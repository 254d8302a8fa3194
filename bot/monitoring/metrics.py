"""Prometheus metrics, internal only, for every service.

- Rasa and the action server: their own port (RASA_METRICS_PORT, ACTIONS_METRICS_PORT, on METRICS_HOST,
  127.0.0.1 by default), served by prometheus-client next to Sanic. With several Sanic workers, the
  workers write to PROMETHEUS_MULTIPROC_DIR (`make run` sets it) and the exporter adds them up.
- The chat page and the coordinator app: `GET /metrics`, answered only to a client in METRICS_NETWORKS
  (loopback by default) that did not come through a proxy (no X-Forwarded-For / Forwarded header), so
  the public proxy never exposes it.

No personal data in any label: labels are a channel's name, a language (en, zh, unknown), an action's
name from the domain (anything else is "other"), a status or an outcome, each checked here.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

from bot.languages import pick_language

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_ACTION = re.compile(r"^(action|validate|utter)_[a-z0-9_]{1,60}$")
TURN_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

TURNS = Counter("prescreen_turns", "Patient messages Rasa handled, per channel and language",
                ["channel", "language"])
TURN_SECONDS = Histogram("prescreen_turn_seconds", "Time Rasa took to answer a patient message",
                         ["channel", "language"], buckets=TURN_BUCKETS)
TURNS_REFUSED = Counter("prescreen_turns_refused", "Messages not taken in (action server down, too long)",
                        ["reason"])
ACTION_ERRORS = Counter("prescreen_action_errors", "Custom action calls that failed on the action server",
                        ["action"])
TRACKER_CACHE = Counter("prescreen_tracker_cache_lookups", "Tracker cache lookups in Rasa: hit or miss",
                        ["result"])
CHAT_RELAYS = Counter("prescreen_chat_relays", "Chat page messages relayed to Rasa, by outcome", ["outcome"])


def language_label(raw: Any) -> str:
    """A language of bot/languages.py or unknown: what a message's metadata says, never the text itself."""
    return pick_language(raw) or "unknown"


def name_label(raw: Any) -> str:
    """A channel's name as a label (rest, socketio, wechat …); anything unexpected is "other"."""
    value = str(raw or "")
    return value if _NAME.match(value) else "other"


def action_label(raw: Any) -> str:
    """An action's name from the domain (action_…, validate_…, utter_…); anything else is "other"."""
    value = str(raw or "")
    return value if _ACTION.match(value) else "other"


def registry() -> CollectorRegistry:
    """This process's metrics; with PROMETHEUS_MULTIPROC_DIR, every worker's, added up."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        return combined
    return REGISTRY


def exposition(extra: Sequence[Any] = ()) -> tuple[bytes, str]:
    """The text format of this process's metrics (plus `extra` collectors), and its content type."""
    if not extra:
        return generate_latest(registry()), CONTENT_TYPE_LATEST
    combined = CollectorRegistry()
    for collector in extra:
        combined.register(collector)
    return generate_latest(registry()) + generate_latest(combined), CONTENT_TYPE_LATEST


def serve_metrics(port: int, host: str, service: str) -> bool:
    """Serve this process's metrics on host:port (a thread); False, with an error logged, if the port is taken:
    the service itself must run on."""
    if port <= 0:
        return False
    from prometheus_client import start_http_server

    try:
        start_http_server(port, addr=host, registry=registry())
    except OSError as error:
        log.error("%s metrics not served on %s:%d: %s", service, host, port, error)
        return False
    log.info("%s metrics on http://%s:%d/metrics", service, host, port)
    return True


def parse_networks(raw: Sequence[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    try:
        return [ipaddress.ip_network(part, strict=False) for part in raw]
    except ValueError as error:
        raise ValueError(f"METRICS_NETWORKS must be addresses or networks such as 10.0.0.0/8: {error}") from error


def is_internal(remote_addr: str | None, headers: Mapping[str, str] | Any,
                networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    """May this client read /metrics? Only from an allowed network, and never through a proxy."""
    if headers.get("X-Forwarded-For") or headers.get("Forwarded") or headers.get("X-Real-IP"):
        return False
    try:
        address = ipaddress.ip_address((remote_addr or "").split("%", 1)[0])
    except ValueError:
        return False
    return any(address in network for network in networks)
