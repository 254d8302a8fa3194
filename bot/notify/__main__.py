"""`python -m bot.notify`: the notifier process (`make run` starts it when notifications are configured)."""

from __future__ import annotations

import logging
import signal
import threading

from bot.leads.database import Database
from bot.monitoring.logs import configure_logging
from bot.notify.config import OFF_NOTICE, NotifyConfigError, notify_config
from bot.notify.worker import Notifier
from bot.settings import load_settings
from bot.trial.criteria import load_criteria


def main() -> None:
    configure_logging("notify")
    settings = load_settings()
    try:
        config = notify_config(settings)
    except NotifyConfigError as error:
        raise SystemExit(str(error)) from None
    if not config.enabled:
        raise SystemExit(OFF_NOTICE)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    logging.getLogger(__name__).info(
        "notifier: sending on %s every %s s; digest at %s %s", ", ".join(config.channels), config.poll_s,
        config.digest_time or "(none)", config.timezone_name,
    )
    Notifier(Database(settings.database_url), config, load_criteria().trial).run_forever(stop)


if __name__ == "__main__":
    main()
