"""The action server: `python -m bot.rasa_ext.action_server --actions actions --port 5055`.

What `rasa run actions` runs (rasa-sdk's own entry point, same arguments), with this project's logs
(LOG_FORMAT=json: JSON lines instead of rasa-sdk's coloured console logs) and its Prometheus
metrics on their own internal port (ACTIONS_METRICS_PORT; bot/rasa_ext/metrics.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    from bot.monitoring.logs import configure_logging, log_format

    json_logs = log_format() == "json"
    if json_logs:
        configure_logging("actions")  # before rasa-sdk's imports, whose deprecation warnings are then JSON too
    from rasa_sdk import utils
    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser

    if json_logs:
        utils.configure_colored_logging = lambda loglevel: configure_logging("actions", loglevel or logging.INFO)
    main_from_args(create_argument_parser().parse_args(argv))


if __name__ == "__main__":
    main()
