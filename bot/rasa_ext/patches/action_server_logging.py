"""LOG_FORMAT=json: the action server's coloured console logs become JSON lines on standard output.

rasa-sdk: `rasa_sdk.__main__.main_from_args` calls `rasa_sdk.utils.configure_colored_logging(loglevel)`,
which puts coloredlogs' handler on the root logger (coloured text on standard error).
Patch: that function is replaced by bot/monitoring/logs.py's `configure_logging("actions", loglevel)`,
the one handler every process of the project uses.
Safe: only the handler and the level change; rasa-sdk's loggers and messages are untouched. Applied
only with LOG_FORMAT=json (bot/rasa_ext/action_server.py). Fenced to the rasa-sdk version it was read
against (fence.SDK_WRITTEN_FOR), which is released apart from Rasa.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.rasa_ext.patches import fence

SDK_VERSIONS = fence.SDK_WRITTEN_FOR
REPLACES = ("rasa_sdk.utils.configure_colored_logging",)


def apply(process: str = "actions") -> bool:
    """Install the JSON logs for `process`; False (and nothing changed) on a rasa-sdk it was not written for."""
    if not fence.allows(f"{__name__} was", SDK_VERSIONS, package="rasa_sdk"):
        return False
    from bot.monitoring.logs import configure_logging

    def configure_json_logging(loglevel: Any = None) -> None:
        configure_logging(process, loglevel or logging.INFO)

    owner, name = fence.resolve(REPLACES[0])
    fence.replace(owner, name, configure_json_logging, __name__)
    return True
