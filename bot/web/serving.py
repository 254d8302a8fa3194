"""Serving a web app in production: waitress, with the log format every process uses (bot/monitoring/logs.py)."""

from __future__ import annotations

from typing import Any


def shown_host(host: str) -> str:
    """The host to print in a URL: "localhost" for the loopback and wildcard addresses."""
    return "localhost" if host in ("0.0.0.0", "127.0.0.1", "") else host


def serve(app: Any, host: str, port: int, ident: str, **options: Any) -> None:
    """Serve `app` with waitress (8 threads) until the process is stopped."""
    from waitress import serve as waitress_serve

    waitress_serve(app, host=host, port=port, threads=8, ident=ident, **options)


def configure_logging(process: str = "web") -> None:
    """Text as before, or JSON lines with LOG_FORMAT=json (bot/monitoring/logs.py)."""
    from bot.monitoring.logs import configure_logging as configure

    configure(process)
