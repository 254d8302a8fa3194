"""The patches the entry points apply besides the server's and the speed patches (bot/rasa_ext/patches/:
colored_logging for Rasa, action_server_logging and action_server_app for rasa-sdk), each through Rasa's
or rasa-sdk's own entry point, and their version fences."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.rasa_ext import patches
from bot.rasa_ext.patches import action_server_app, action_server_logging, colored_logging, fence

ROOT = Path(__file__).resolve().parents[2]

# Rasa's own `rasa` command (rasa.__main__.main), which sets up its coloured logs after parsing its
# arguments; a Rasa logger writes one line afterwards.
RASAS_MAIN = """
import logging, sys
if sys.argv[1] == "patched":
    from bot.rasa_ext.patches import colored_logging
    assert colored_logging.apply("rasa")
from rasa.__main__ import main
sys.argv = ["rasa", "telemetry"]
main()
logging.getLogger("rasa.probe").warning("after Rasa set up its logs")
"""


def _run_rasas_main(mode: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LOG_FORMAT="json", RASA_TELEMETRY_ENABLED="false")
    return subprocess.run([sys.executable, "-c", RASAS_MAIN, mode], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_rasas_own_main_logs_json_lines_once_patched_and_coloured_text_without() -> None:
    stock = _run_rasas_main("stock")
    assert stock.returncode == 0, stock.stderr[-2000:]
    assert "after Rasa set up its logs" in stock.stderr and "after Rasa set up its logs" not in stock.stdout

    patched = _run_rasas_main("patched")
    assert patched.returncode == 0, patched.stderr[-2000:]
    assert "after Rasa set up its logs" not in patched.stderr
    probe = [json.loads(line) for line in patched.stdout.splitlines() if "after Rasa set up its logs" in line]
    assert [(entry["process"], entry["logger"], entry["level"]) for entry in probe] == [("rasa", "rasa.probe",
                                                                                         "WARNING")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_rasa_sdks_own_server_logs_json_lines_and_counts_a_failed_call(tmp_path: Path) -> None:
    """`python -m bot.rasa_ext.action_server` runs rasa-sdk's own entry point (main_from_args, create_app):
    with both patches its log lines are JSON and an unknown action's 404 is counted under its name."""
    port, metrics_port = _free_port(), _free_port()
    env = dict(os.environ, LOG_FORMAT="json", ACTIONS_METRICS_PORT=str(metrics_port), METRICS_HOST="127.0.0.1")
    log = tmp_path / "actions.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "bot.rasa_ext.action_server", "--actions", "actions",
                                   "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.5)
        reply = requests.post(f"http://127.0.0.1:{port}/webhook", timeout=10,
                              json={"next_action": "action_that_does_not_exist", "sender_id": "x",
                                    "tracker": {"sender_id": "x", "slots": {}, "events": []}, "domain": {}})
        assert reply.status_code == 404
        metrics = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
        assert 'prescreen_action_errors_total{action="action_that_does_not_exist"} 1.0' in metrics
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line JSON: a coloured one would not parse
    assert any("action_that_does_not_exist" in entry["message"] and entry["process"] == "actions"
               for entry in entries)


@pytest.fixture
def as_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every attribute these patches replace, put back as installed after the test."""
    for patch in (*patches.JSON_LOG_PATCHES, *patches.ACTION_SERVER_PATCHES):
        for target in patch.REPLACES:
            owner, name = fence.resolve(target)
            assert fence.patched_by(owner, name) is None, f"{target} is patched before the test"
            monkeypatch.setattr(owner, name, fence.raw(owner, name))


def test_each_is_fenced_to_the_version_it_was_read_against(
    as_installed: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import rasa
    import rasa.utils.io
    import rasa_sdk
    import rasa_sdk.endpoint
    import rasa_sdk.utils

    before = (rasa.utils.io.configure_colored_logging, rasa_sdk.utils.configure_colored_logging,
              rasa_sdk.endpoint.create_app)
    monkeypatch.setattr(rasa, "__version__", "3.6.22")
    monkeypatch.setattr(rasa_sdk, "__version__", "3.6.3")
    with caplog.at_level(logging.INFO):
        assert colored_logging.apply() is False
        assert action_server_logging.apply() is False
        assert action_server_app.apply() is False
    assert (rasa.utils.io.configure_colored_logging, rasa_sdk.utils.configure_colored_logging,
            rasa_sdk.endpoint.create_app) == before
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert messages[0] == ("Rasa 3.6.22 is not the version bot.rasa_ext.patches.colored_logging was written for "
                           "(3.6.21): running stock Rasa")
    assert messages[2] == ("rasa-sdk 3.6.3 is not the version bot.rasa_ext.patches.action_server_app was written "
                           "for (3.6.2): running stock rasa-sdk")


def test_the_app_factory_is_wrapped_once_however_often_it_is_asked(as_installed: None) -> None:
    import rasa_sdk.endpoint

    assert action_server_app.apply() and action_server_app.apply()
    assert fence.patched_by(rasa_sdk.endpoint, "create_app") == action_server_app.__name__
    app = rasa_sdk.endpoint.create_app(None)
    assert len([m for m in app.response_middleware if m.__name__ == "count_failed_calls"]) == 1
