"""A stand-in for Rasa's REST channel on a real socket, to unit-test the chat page's relay."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.settings import Settings, get_settings

SENDER = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_settings(rasa_port: int, **overrides: Any) -> Settings:
    return dataclasses.replace(get_settings(), rasa_host="127.0.0.1", rasa_port=rasa_port, **overrides)


class CannedRasa:
    """Answers POST /webhooks/rest/webhook with whatever `respond(body)` returns."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.respond: Callable[[dict[str, Any]], tuple[int, bytes]] = lambda body: (200, b"[]")
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._send(200, b"Hello from Rasa: 3.6.21")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                canned.received.append({"path": self.path, "body": body})
                status, data = canned.respond(body)
                self._send(status, data)

            def _send(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def reply_with(self, messages: Any, status: int = 200) -> None:
        data = json.dumps(messages).encode()
        self.respond = lambda body: (status, data)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
