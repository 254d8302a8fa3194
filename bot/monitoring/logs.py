"""Logs: text for a terminal (the default), or one JSON object per line on standard output
(`LOG_FORMAT=json`, what container platforms collect), for every process: the web apps, the
notifier, the CLI, Rasa and the action server (bot/rasa_ext installs it in place of Rasa's coloured
logs).

The rule is the same in both formats: log lines carry ids, counts, names of intents, actions and
error types, never a patient's words or contact details. The JSON formatter adds no field from a
record's arguments or extras, only the formatted message, so it cannot add personal data the text
format would not have shown.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime, timezone

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, process, message[, exception]."""

    def __init__(self, process: str = "") -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": self.process,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def log_format() -> str:
    """LOG_FORMAT from the environment (read here, not through bot.settings: Rasa's processes log before
    the settings are loaded): text (default) or json."""
    chosen = os.environ.get("LOG_FORMAT", "").strip().lower() or "text"
    if chosen not in FORMATS:
        raise SystemExit(f"LOG_FORMAT must be text or json, got {chosen!r}")
    return chosen


def configure_logging(process: str, level: int | str = logging.INFO) -> None:
    """The root logger's one handler, in LOG_FORMAT; replaces any handler already there."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    if log_format() == "json":
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter(process))
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # Python's warnings (deprecations in Rasa's libraries) as log records too


def announce(message: str) -> None:
    """A start-up line for the operator ("serving on …"): printed as today in text, a JSON log line in json."""
    if log_format() == "json":
        logging.getLogger("prescreen").info("%s", message)
    else:
        print(message, flush=True)
