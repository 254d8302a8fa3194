"""Start Rasa with chat-sized timeouts, request limits and a guard for an unreachable action server.

Each is a patch to Rasa's internals in bot/rasa_ext/patches/, fenced to the Rasa version it was written
for like the speed patches, and applied here with or without them (RASA_SPEEDUPS=0):
- action_timeouts.py: Rasa waits up to five minutes for the action server; calls time out after 10 s.
- request_limits.py: bodies and messages larger than the chat page accepts (bot/settings.py's
  MAX_REQUEST_BYTES, MAX_MESSAGE_CHARS) are refused with HTTP 413 at Rasa's own port.
- action_server_guard.py: while the action server is down, a message is not taken in (Rasa would run
  the turn anyway and lose its events); the patient is told plainly in the conversation's language
  (bot/rasa_ext/apology.py), and the conversation continues where it was once the action server is back.
- colored_logging.py, with LOG_FORMAT=json only: Rasa's coloured console logs become JSON lines.

Usage is that of `rasa`, e.g. `python -m bot.rasa_ext.server run ...`.
"""

from __future__ import annotations

import sys

from bot.rasa_ext.patches import apply_server, colored_logging


def install_json_logs() -> None:
    """LOG_FORMAT=json: Rasa's coloured console logs (installed after its argument parsing) become JSON lines."""
    from bot.monitoring.logs import configure_logging, log_format

    if log_format() != "json":
        return
    configure_logging("rasa")  # before Rasa's imports, whose deprecation warnings are then JSON lines too
    colored_logging.apply("rasa")


def serve_rasa_metrics() -> None:
    """Rasa's metrics on RASA_METRICS_PORT (internal), from the process `rasa run` starts."""
    from bot.monitoring.metrics import serve_metrics
    from bot.settings import load_settings

    if len(sys.argv) > 1 and sys.argv[1] == "run":
        settings = load_settings()
        serve_metrics(settings.rasa_metrics_port, settings.metrics_host, "rasa")


def main() -> None:
    install_json_logs()
    serve_rasa_metrics()
    apply_server()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
