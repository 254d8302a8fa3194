"""A real SMTP server (aiosmtpd, plain or TLS) and a real HTTP receiver on free loopback ports, a clock,
and leads at each step of the pipeline."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import update

from bot.leads import lead_facts
from bot.leads.models import ContactAttempt, Screening
from bot.leads.store import ContactDetails, LeadStore
from bot.notify.config import NotifyConfig, notify_config
from bot.notify.worker import Notifier
from bot.settings import Settings, get_settings
from tests.notify.certificates import Certificates, make_certificates
from tests.web.coordinator.seed import ELIGIBLE, seed_lead, words_for

# A seeded lead's personal data: none of it may appear in any message.
CONTACT = ContactDetails(name="Wang Xiaoming", phone="+8613812345678", email="wang.xm@example.cn",
                         preferred_time="weekday evenings")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SMTP_USER, SMTP_PASSWORD = "prescreen", "smtp-password-7f3a"


@dataclass(frozen=True)
class Login:
    """An AUTH the server received: who, with which password, and whether the connection was encrypted."""

    username: str
    password: str
    encrypted: bool


class MailServer:
    """aiosmtpd on a fixed port, started and stopped at will; keeps every message and login it receives.

    `options` go to aiosmtpd's Controller: `tls_context` + `require_starttls` for STARTTLS, `ssl_context`
    for TLS from the first byte, `auth_require_tls=False` to offer AUTH on a plain connection.
    """

    def __init__(self, port: int, **options: Any) -> None:
        self.port = port
        self.options = options
        self.messages: list[Message] = []
        self.raw: list[bytes] = []
        self.recipients: list[list[str]] = []
        self.logins: list[Login] = []
        self._controller: Controller | None = None

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        username, password = auth_data.login.decode(), auth_data.password.decode()
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.logins.append(Login(username, password, encrypted))
        # handled=False: aiosmtpd answers the refusal itself (535).
        return AuthResult(success=(username, password) == (SMTP_USER, SMTP_PASSWORD), handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.raw.append(envelope.content)
        self.messages.append(message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, authenticator=self.authenticate,
                                      **self.options)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class WebhookReceiver:
    """A `http.server` in a thread that keeps every JSON body posted to it."""

    def __init__(self, reply: bytes = b'{"errcode":0,"errmsg":"ok"}') -> None:
        self.bodies: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                receiver.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key=test"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def json(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body in self.bodies]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(timezone.utc))


def notify_settings(database_url: str, mail_port: int | None, webhook_url: str = "", **changes: Any) -> Settings:
    """Notifications to the test servers, in English; no digest unless a test sets NOTIFY_DIGEST_TIME."""
    changes.setdefault("notify_digest_time", "off")
    changes.setdefault("notify_language", "en")  # the tests of what messages say read English
    values: dict[str, Any] = {
        "database_url": database_url, "smtp_url": f"smtp://127.0.0.1:{mail_port}" if mail_port else "",
        "notify_email_from": "prescreen@changhai.example", "notify_email_to": ("team@changhai.example",),
        "notify_webhook_url": webhook_url, "coordinator_public_url": "https://prescreen.changhai.example/",
    }
    return dataclasses.replace(get_settings(), **(values | changes))


@pytest.fixture
def config(database_url: str, mail_server: MailServer, webhook: WebhookReceiver) -> NotifyConfig:
    return notify_config(notify_settings(database_url, mail_server.port, webhook.url))


@pytest.fixture
def notifier(store: LeadStore, config: NotifyConfig, clock: Clock) -> Notifier:
    return Notifier(store.database, config, "NCT05240950", clock)


def seed_contact_lead(store: LeadStore, conversation_id: str = "conv-notify-1", **kwargs: Any) -> int:
    """A completed screening with the personal data above (name, phone, e-mail and typed answers)."""
    return seed_lead(store, conversation_id, CONTACT, **kwargs)


def personal_data() -> list[str]:
    """Everything personal a seeded lead holds: contact details and what the patient typed."""
    said = {entry["text"] for entry in words_for(ELIGIBLE).values()}
    return [CONTACT.name, CONTACT.phone, "13812345678", "138 1234 5678", CONTACT.email, CONTACT.preferred_time,
            *sorted(said)]


def log_attempt(store: LeadStore, lead_id: int, at: datetime, outcome: str = "no_answer", note: str = "",
                channel: str = "phone") -> None:
    """A contact attempt row, with the lead's stored facts kept current as the store's log_contact_attempt does."""
    with store.database.transaction() as session:
        session.add(ContactAttempt(screening_id=lead_id, at=at, channel=channel, outcome=outcome, note=note,
                                   actor="alice", recorded_at=at))
        session.flush()
        lead_facts.refresh(session, [lead_id])


def set_lead(store: LeadStore, lead_id: int, **values: Any) -> None:
    """Set screening columns directly: callback_at, review_status, visit_at."""
    with store.database.transaction() as session:
        session.execute(update(Screening).where(Screening.id == lead_id).values(**values))


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))
