"""LOG_FORMAT=json: every process writes one JSON object per line on standard output.

The real processes as `make run` starts them (Rasa, the action server, the chat page, the coordinator
app, the notifier), their standard output read line by line.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.leads.migrate import upgrade
from bot.monitoring.logs import JsonFormatter
from bot.nlu.training import rasa_env
from bot.ops.run import Stack
from tests.conftest import TEST_KEY
from tools.stack import throwaway_settings

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"time", "level", "logger", "process", "message"}


def json_lines(path: Path) -> list[dict]:
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    assert lines, f"{path.name} is empty"
    parsed = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            pytest.fail(f"{path.name}: not a JSON line: {line[:200]!r}")
        assert isinstance(entry, dict) and KEYS <= set(entry), line
        parsed.append(entry)
    return parsed


def test_the_formatter_writes_one_object_with_the_message_and_nothing_else() -> None:
    record = logging.LogRecord("bot.notify.worker", logging.ERROR, __file__, 1, "notification %s failed: %s",
                               (12, "SMTP refused"), None)
    record.phone = "+8613812345678"  # an extra: never copied into the line
    entry = json.loads(JsonFormatter("notify").format(record))
    assert entry["message"] == "notification 12 failed: SMTP refused" and entry["level"] == "ERROR"
    assert entry["process"] == "notify" and entry["logger"] == "bot.notify.worker" and entry["time"].endswith("+00:00")
    assert "8613812345678" not in json.dumps(entry)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert "RuntimeError: boom" in json.loads(JsonFormatter("x").format(record))["exception"]


@pytest.mark.slow
def test_rasa_logs_json_lines_through_the_projects_entry_point(tmp_path: Path) -> None:
    """Rasa itself (its own loggers and its libraries' warnings), started as `make run` starts it; a
    model is not needed to see its log format: `data validate` logs through the same set-up as `run`."""
    env = dict(rasa_env(), LOG_FORMAT="json")
    result = subprocess.run([sys.executable, "-m", "bot.rasa_ext.fast", "data", "validate", "--domain", "domain.yml",
                             "--data", "data/rules"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = tmp_path / "rasa.log"
    out.write_text(result.stdout)
    entries = json_lines(out)
    assert {entry["process"] for entry in entries} == {"rasa"}
    assert any(entry["logger"].startswith("rasa.") for entry in entries)


@pytest.mark.slow
def test_every_other_process_logs_json_lines(tmp_path: Path) -> None:
    settings = throwaway_settings(tmp_path, data_key=TEST_KEY, log_format="json", smtp_url="smtp://127.0.0.1:9",
                                  notify_email_to=("team@changhai.example",), notify_poll_s=1)
    upgrade(settings.database_url)
    stack = Stack(settings)
    stack.start(["actions", "chat", "coordinator", "notify"])
    try:
        assert requests.get(f"http://127.0.0.1:{settings.chat_port}/healthz", timeout=10).status_code == 200
        reply = requests.post(f"http://127.0.0.1:{settings.actions_port}/webhook", timeout=10,
                              json={"next_action": "action_that_does_not_exist", "sender_id": "x",
                                    "tracker": {"sender_id": "x", "slots": {}, "events": []}, "domain": {}})
        assert reply.status_code == 404
        time.sleep(2)  # the notifier's first passes (its mail server is down: a warning, as JSON)
    finally:
        stack.stop()
    logs = tmp_path / "log"
    found = {name: json_lines(logs / f"{name}.log") for name in ("actions", "chat_page", "coordinator", "notify")}
    assert any("action_that_does_not_exist" in entry["message"] for entry in found["actions"])
    assert any("chat page" in entry["message"] for entry in found["chat_page"])
    assert any(entry["logger"] == "waitress" for entry in found["coordinator"])
    assert any(entry["message"].startswith("notifier: sending on email") for entry in found["notify"])
