"""The action server: `python -m bot.rasa_ext.action_server --actions actions --port 5055`.

What `rasa run actions` runs (rasa-sdk's own entry point, same arguments), with this project's logs
(LOG_FORMAT=json: JSON lines instead of rasa-sdk's coloured console logs) and its Prometheus
metrics on their own internal port (ACTIONS_METRICS_PORT; bot/rasa_ext/metrics.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any


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
    install_action_metrics()
    main_from_args(create_argument_parser().parse_args(argv))


def install_action_metrics() -> None:
    """Count failed action calls (HTTP 4xx/5xx from /webhook) per action name, and serve the metrics on
    ACTIONS_METRICS_PORT: on the app rasa-sdk's `run` builds with its own factory."""
    import rasa_sdk.endpoint as endpoint
    from sanic.request import Request
    from sanic.response import HTTPResponse

    from bot.monitoring.metrics import ACTION_ERRORS, action_label, serve_metrics
    from bot.settings import load_settings

    create_app = endpoint.create_app

    def create_counted_app(*args: Any, **kwargs: Any) -> Any:
        app = create_app(*args, **kwargs)

        @app.middleware("response")
        async def count_errors(request: Request, response: HTTPResponse) -> None:
            if request.path == "/webhook" and response.status >= 400:
                try:
                    body = request.json if request.body else None
                except Exception:  # noqa: BLE001 - a body that is not JSON: counted as "other"
                    body = None
                ACTION_ERRORS.labels(action_label((body or {}).get("next_action"))).inc()

        return app

    endpoint.create_app = create_counted_app
    settings = load_settings()
    serve_metrics(settings.actions_metrics_port, settings.metrics_host, "actions")


if __name__ == "__main__":
    main()
