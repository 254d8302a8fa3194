"""E-mail over TLS against a real aiosmtpd server with a certificate from a private authority:
STARTTLS and TLS from the start with a login, the password never sent in the clear, and a
certificate that is not trusted failing plainly while the message waits."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from bot.leads.models import Notification, NotificationAttempt
from bot.leads.store import LeadStore
from bot.notify.config import NotifyConfig, notify_config
from bot.notify.worker import Notifier
from tests.notify.certificates import Certificates
from tests.notify.conftest import (
    SMTP_PASSWORD,
    SMTP_USER,
    Clock,
    Login,
    MailServer,
    free_port,
    notify_settings,
    seed_contact_lead,
)

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai


def tls_server(certificates: Certificates, security: str, **options: Any) -> MailServer:
    """STARTTLS required before any mail (587), or TLS from the first byte (465)."""
    if security == "starttls":
        return MailServer(free_port(), tls_context=certificates.server_context(), require_starttls=True, **options)
    # aiosmtpd counts only STARTTLS as encryption for AUTH; here the whole connection is TLS.
    return MailServer(free_port(), ssl_context=certificates.server_context(), auth_require_tls=False, **options)


def mail_config(database_url: str, server: MailServer, security: str, ca_file: str = "",
                **changes: Any) -> NotifyConfig:
    scheme = "smtps" if security == "tls" else "smtp"
    url = f"{scheme}://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{server.port}"
    return notify_config(notify_settings(database_url, None, smtp_url=url, smtp_ca_file=ca_file, **changes))


def outbox_rows(store: LeadStore) -> list[tuple[str, int, str | None, list[tuple[bool, str | None]]]]:
    """Each notification's status, attempts, last error, and its attempts as the page lists them."""
    with store.database.session() as session:
        return [
            (row.status, row.attempts, row.last_error, [
                (attempt.succeeded, attempt.error) for attempt in session.execute(
                    select(NotificationAttempt).where(NotificationAttempt.notification_id == row.id)
                    .order_by(NotificationAttempt.id)
                ).scalars()
            ])
            for row in session.execute(select(Notification).order_by(Notification.id)).scalars()
        ]


@pytest.fixture
def fixed_clock() -> Clock:
    return Clock(NOW)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_login_and_send_over_tls_trusting_the_hospital_authority(
    store: LeadStore, database_url: str, certificates: Certificates, fixed_clock: Clock, security: str
) -> None:
    server = tls_server(certificates, security)
    server.start()
    try:
        config = mail_config(database_url, server, security, str(certificates.ca_file))
        code = store.get_lead(seed_contact_lead(store, completed_at=NOW - timedelta(minutes=5))).reference_code
        assert Notifier(store.database, config, "NCT05240950", fixed_clock).run_once() == {"queued": 1, "sent": 1}
    finally:
        server.stop()
    assert server.logins == [Login(SMTP_USER, SMTP_PASSWORD, encrypted=True)]
    assert [message["Subject"] for message in server.messages] == [f"New prescreen lead {code}: Likely eligible"]
    assert outbox_rows(store) == [("sent", 1, None, [(True, None)])]


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_fails_plainly_and_the_message_waits_until_it_is_trusted(
    store: LeadStore, database_url: str, certificates: Certificates, fixed_clock: Clock, security: str
) -> None:
    server = tls_server(certificates, security)
    server.start()
    try:
        untrusting = mail_config(database_url, server, security, notify_max_attempts=5)  # the system's list only
        seed_contact_lead(store, completed_at=NOW - timedelta(minutes=5))
        assert Notifier(store.database, untrusting, "NCT05240950", fixed_clock).run_once() == {
            "queued": 1, "pending": 1,
        }
        [(status, attempts, error, tries)] = outbox_rows(store)
        assert (status, attempts) == ("pending", 1) and tries == [(False, error)]
        assert error is not None
        assert f"SMTP 127.0.0.1:{server.port}: the server's certificate is not trusted" in error
        assert "set SMTP_CA_FILE" in error
        assert server.logins == [] and server.messages == []  # nothing, password included, went over it

        fixed_clock.advance(minutes=1)  # the next try, once the authority is configured
        trusting = mail_config(database_url, server, security, str(certificates.ca_file), notify_max_attempts=5)
        assert Notifier(store.database, trusting, "NCT05240950", fixed_clock).run_once() == {"queued": 0, "sent": 1}
    finally:
        server.stop()
    assert len(server.messages) == 1
    [(status, attempts, error, tries)] = outbox_rows(store)
    assert (status, attempts, error) == ("sent", 2, None) and [ok for ok, _ in tries] == [False, True]


def test_the_password_is_never_sent_to_a_server_without_starttls(
    store: LeadStore, database_url: str, fixed_clock: Clock
) -> None:
    # A plain server that offers AUTH in the clear and would accept the password.
    server = MailServer(free_port(), auth_require_tls=False)
    server.start()
    try:
        config = mail_config(database_url, server, "starttls")
        seed_contact_lead(store, completed_at=NOW - timedelta(minutes=5))
        assert Notifier(store.database, config, "NCT05240950", fixed_clock).run_once() == {"queued": 1, "pending": 1}
    finally:
        server.stop()
    assert server.logins == [] and server.messages == []
    [(status, _, error, _)] = outbox_rows(store)
    assert status == "pending" and error is not None
    assert "does not offer STARTTLS: the password is not sent unencrypted" in error


def test_a_wrong_password_is_named_as_such(
    store: LeadStore, database_url: str, certificates: Certificates, fixed_clock: Clock
) -> None:
    server = tls_server(certificates, "starttls")
    server.start()
    try:
        url = f"smtp://{SMTP_USER}:not-the-password@127.0.0.1:{server.port}"
        settings = notify_settings(database_url, None, smtp_url=url, smtp_ca_file=str(certificates.ca_file))
        config = notify_config(settings)
        seed_contact_lead(store, completed_at=NOW - timedelta(minutes=5))
        assert Notifier(store.database, config, "NCT05240950", fixed_clock).run_once() == {"queued": 1, "pending": 1}
    finally:
        server.stop()
    assert server.messages == [] and {login.encrypted for login in server.logins} == {True}
    [(status, _, error, _)] = outbox_rows(store)
    assert status == "pending" and error is not None
    assert "refused the login (535" in error and "check the user name and password in SMTP_URL" in error
    assert "not-the-password" not in error
