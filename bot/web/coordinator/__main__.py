"""Serve the coordinator app: `python -m bot.web.coordinator` (waitress, settings.coordinator_host:coordinator_port).

Bound to 127.0.0.1 by default (COORDINATOR_HOST). Refuses to start without COORDINATOR_SECRET_KEY
or PRESCREEN_DATA_KEY, or when the database schema is behind (`prescreen db upgrade`).
"""

from __future__ import annotations

import logging
import sys

from bot.leads.crypto import MissingKeyError
from bot.monitoring.logs import announce
from bot.settings import LOOPBACK_HOSTS, get_settings
from bot.web.coordinator.config import ConfigurationError, coordinator_options
from bot.web.serving import configure_logging, serve, shown_host


def schema_is_current(database_url: str) -> bool:
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.leads.database import make_engine
    from bot.leads.migrate import alembic_config

    logging.getLogger("alembic").setLevel(logging.WARNING)
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() == head
    finally:
        engine.dispose()


def main() -> int:
    configure_logging("coordinator")
    settings = get_settings()
    from bot.web.coordinator.app import create_app

    try:
        options = coordinator_options(settings)
        app = create_app(settings)
        if not schema_is_current(settings.database_url):
            raise ConfigurationError("The lead database schema is not up to date: run `prescreen db upgrade` first.")
    except (ConfigurationError, MissingKeyError) as error:
        print(f"Coordinator app not started: {error}", file=sys.stderr)
        return 2
    scheme = "https" if options.https else "http"
    announce(f"Prescreen coordinator app: {scheme}://{shown_host(settings.coordinator_host)}:"
             f"{settings.coordinator_port}/")
    if not options.https and settings.coordinator_host not in LOOPBACK_HOSTS:
        announce("Warning: served beyond localhost without COORDINATOR_HTTPS=1; put it behind HTTPS.")
    serve(app, host=settings.coordinator_host, port=settings.coordinator_port, ident="prescreen-coordinator",
          url_scheme=scheme)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
