"""Serving a web app in production: waitress, with the log format both apps use."""

from __future__ import annotations

import logging
from typing import Any

from bot.settings import local_host

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def shown_host(host: str) -> str:
    """The host to print in a URL: "localhost" for the loopback and wildcard addresses."""
    return "localhost" if local_host(host) == "127.0.0.1" else host


def serve(app: Any, host: str, port: int, ident: str, **options: Any) -> None:
    """Serve `app` with waitress (8 threads) until the process is stopped."""
    from waitress import serve as waitress_serve

    waitress_serve(app, host=host, port=port, threads=8, ident=ident, **options)


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
