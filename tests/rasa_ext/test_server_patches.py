"""The guarded server's patches (bot/rasa_ext/patches/: action_timeouts, request_limits, action_server_guard),
each against Rasa's own code path, and their version fence. The whole guarded server against real
servers: tests/rasa_ext/test_rest_limits.py and tests/e2e/test_reliability.py."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_ext import patches
from bot.rasa_ext.apology import unavailable_text
from bot.rasa_ext.patches import action_server_guard, action_timeouts, fence, request_limits
from bot.settings import MAX_MESSAGE_CHARS, MAX_REQUEST_BYTES, PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def rasa_as_installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every attribute the server patches replace, put back as Rasa had it after the test."""
    for patch in patches.SERVER_PATCHES:
        for target in patch.REPLACES:
            owner, name = fence.resolve(target)
            assert fence.patched_by(owner, name) is None, f"{target} is patched before the test"
            monkeypatch.setattr(owner, name, fence.raw(owner, name))
    yield


def test_on_another_rasa_version_the_server_runs_stock_rasa_and_one_line_says_so(
    rasa_as_installed: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import rasa
    import rasa.core.actions.action as action_module
    import rasa.core.run as run_module

    before = (MessageProcessor.handle_message, run_module.configure_app, action_module.DEFAULT_REQUEST_TIMEOUT)
    monkeypatch.setattr(rasa, "__version__", "3.6.22")
    with caplog.at_level(logging.INFO):
        assert patches.apply_server() == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == [
        "Rasa 3.6.22 is not the version the server's timeouts, request limits and guard were written for "
        "(3.6.21): running stock Rasa"]
    assert action_timeouts.apply() is False and request_limits.apply() is False  # each fenced on its own too
    assert action_server_guard.apply() is False
    assert (MessageProcessor.handle_message, run_module.configure_app, action_module.DEFAULT_REQUEST_TIMEOUT) == before


def test_applied_once_however_often_it_is_asked(rasa_as_installed: None) -> None:
    assert patches.apply_server() == ["action_timeouts", "request_limits", "action_server_guard"]
    import rasa.core.run as run_module

    guarded, configure = MessageProcessor.handle_message, run_module.configure_app
    assert patches.apply_server() == ["action_timeouts", "request_limits", "action_server_guard"]
    assert (MessageProcessor.handle_message, run_module.configure_app) == (guarded, configure)
    assert fence.patched_by(MessageProcessor, "handle_message") == action_server_guard.__name__


class _SlowActionServer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(4)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"events": [], "responses": []}')

    def log_message(self, *args: Any) -> None:
        pass


def test_rasas_own_remote_action_gives_up_after_the_patched_timeout(rasa_as_installed: None) -> None:
    """Rasa's RemoteAction.run against an action server that answers after 4 s: with the patch set to
    1 s it fails in about a second (stock Rasa would wait up to 300 s and get the answer)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator

    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowActionServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert action_timeouts.apply(seconds=1)
        domain = Domain.load(str(ROOT / "domain.yml"))
        action = RemoteAction("action_probe", EndpointConfig(f"http://127.0.0.1:{server.server_port}/webhook"))
        tracker = DialogueStateTracker("timeout-probe", domain.slots)
        started = time.monotonic()
        with pytest.raises(Exception):  # noqa: B017 (Rasa raises a timeout, not one class of its own)
            asyncio.run(action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(domain.responses),
                                   tracker, domain))
        assert time.monotonic() - started < 3
    finally:
        server.shutdown()
        server.server_close()


SERVE_RASAS_APP = """
import sys
from bot.rasa_ext.patches import request_limits
assert request_limits.apply()
import rasa.core.run as run
from rasa.core.channels.rest import RestInput
port = int(sys.argv[1])
app = run.configure_app([RestInput()], enable_api=False, port=port, use_uvloop=False)
app.run(host="127.0.0.1", port=port, access_log=False, workers=1)
"""


def test_rasas_own_app_refuses_what_the_chat_page_refuses() -> None:
    """The app rasa.core.run.configure_app builds, served by Sanic: an over-long message and an oversized
    body get 413 with the limits of bot/settings.py, the chat page's."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVE_RASAS_APP, str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/webhooks/rest/", timeout=2)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()[-2000:]
                time.sleep(0.5)
        long = requests.post(url, json={"sender": "s", "message": "a" * (MAX_MESSAGE_CHARS + 1)}, timeout=30)
        assert (long.status_code, long.json()) == (413, {"error": "message_too_long", "max_chars": MAX_MESSAGE_CHARS})
        big = requests.post(url, data=b"x" * (MAX_REQUEST_BYTES + 1), timeout=30,
                            headers={"Content-Type": "application/json"})
        assert (big.status_code, big.json()) == (413, {"error": "request_too_large", "max_bytes": MAX_REQUEST_BYTES})
    finally:
        server.terminate()
        server.wait(timeout=30)


def _processor(action_server_url: str | None) -> MessageProcessor:
    """A MessageProcessor as far as the guard reads it (its action endpoint); nothing else is set, so Rasa's
    own handle_message, reached through the guard, stops at its first use of the tracker store."""
    from rasa.core.tracker_store import InMemoryTrackerStore

    processor = object.__new__(MessageProcessor)
    processor.action_endpoint = EndpointConfig(action_server_url) if action_server_url else None
    processor.domain = DOMAIN  # the apology's text and language come from the domain and the tracker
    processor.tracker_store = InMemoryTrackerStore(DOMAIN)
    return processor


def _handle(processor: MessageProcessor, text: str) -> tuple[Any, list[dict[str, Any]]]:
    channel = CollectingOutputChannel()
    result = asyncio.run(MessageProcessor.handle_message(processor, UserMessage(text, channel, "guard-probe")))
    return result, channel.messages


def test_the_guard_keeps_a_message_out_while_the_action_server_is_down(rasa_as_installed: None) -> None:
    rasas_own = MessageProcessor.handle_message
    assert action_server_guard.apply()
    down = f"http://127.0.0.1:{_free_port()}/webhook"  # nothing listens there
    result, sent = _handle(_processor(down), "I am 59")
    assert result is None and [m["text"] for m in sent] == [unavailable_text(DOMAIN.responses, "en")]
    result, sent = _handle(_processor(None), "a" * (MAX_MESSAGE_CHARS + 1))  # too long: dropped, on any channel
    assert result is None and sent == []

    with socket.socket() as listening:  # an action server that accepts connections: Rasa's own code runs
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        up = f"http://127.0.0.1:{listening.getsockname()[1]}/webhook"
        with pytest.raises(AttributeError) as through_guard:
            _handle(_processor(up), "I am 59")
        with pytest.raises(AttributeError) as rasa_alone:
            asyncio.run(rasas_own(_processor(up), UserMessage("I am 59", CollectingOutputChannel(), "guard-probe")))
    assert str(through_guard.value) == str(rasa_alone.value)
