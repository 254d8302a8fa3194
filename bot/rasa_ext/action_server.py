"""The action server: `python -m bot.rasa_ext.action_server --actions actions --port 5055`.

What `rasa run actions` runs (rasa-sdk's own entry point, same arguments), with this project's logs
(LOG_FORMAT=json: JSON lines instead of rasa-sdk's coloured console logs) and its Prometheus
metrics on their own internal port (ACTIONS_METRICS_PORT; bot/monitoring/metrics.py). Both are
patches to rasa-sdk, fenced in bot/rasa_ext/patches/ (action_server_logging, action_server_app).
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    from bot.monitoring.logs import configure_logging, log_format
    from bot.rasa_ext.patches import action_server_logging

    if log_format() == "json":
        configure_logging("actions")  # before rasa-sdk's imports, whose deprecation warnings are then JSON too
        action_server_logging.apply("actions")
    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser

    install_action_metrics()
    main_from_args(create_argument_parser().parse_args(argv))


def install_action_metrics() -> None:
    """Count failed action calls (HTTP 4xx/5xx from /webhook) per action name (the action_server_app
    patch on rasa-sdk's own app factory), and serve the metrics on ACTIONS_METRICS_PORT."""
    from bot.monitoring.metrics import serve_metrics
    from bot.rasa_ext.patches import action_server_app
    from bot.settings import load_settings

    action_server_app.apply()
    settings = load_settings()
    serve_metrics(settings.actions_metrics_port, settings.metrics_host, "actions")


if __name__ == "__main__":
    main()
