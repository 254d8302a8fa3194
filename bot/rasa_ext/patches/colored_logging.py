"""LOG_FORMAT=json: Rasa's coloured console logs become JSON lines on standard output.

Rasa: `rasa.__main__.main` calls `rasa.utils.io.configure_colored_logging(loglevel)` after parsing its
arguments, which puts coloredlogs' handler on the root logger (coloured text on standard error).
Patch: that function is replaced by bot/monitoring/logs.py's `configure_logging("rasa", loglevel)`,
the one handler every process of the project uses, so Rasa's lines are JSON like the others'.
Safe: only the handler and the level change; Rasa's loggers, their names and messages are untouched.
Applied only with LOG_FORMAT=json (bot/rasa_ext/server.py); with text logs Rasa keeps its own.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.utils.io.configure_colored_logging",)


def apply(process: str = "rasa") -> bool:
    """Install the JSON logs for `process`; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    from bot.monitoring.logs import configure_logging

    def configure_json_logging(loglevel: Any = None) -> None:
        configure_logging(process, loglevel or logging.INFO)

    owner, name = fence.resolve(REPLACES[0])
    fence.replace(owner, name, configure_json_logging, __name__)
    return True
