"""The coordinator app's /notifications page: sign-in, the "off" notice, status, attempts and errors."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from bot.leads.store import LeadStore
from bot.notify.config import OFF_NOTICE, notify_config
from bot.notify.worker import Notifier
from bot.settings import Settings
from tests.conftest import TEST_KEY
from tests.notify.conftest import Clock, MailServer, WebhookReceiver, free_port, notify_settings, seed_contact_lead
from tests.notify.test_notifier import assert_no_personal_data
from tests.web.coordinator.conftest import SECRET, alice, anonymous, app, client  # noqa: F401 - fixtures


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The coordinator app's settings, with notifications off whatever the developer's .env says."""
    return notify_settings(database_url, None, smtp_url="", notify_email_to=(), notify_webhook_url="",
                           data_key=TEST_KEY, old_data_keys=(), coordinator_secret_key=SECRET)


def test_page_needs_sign_in(anonymous: FlaskClient) -> None:  # noqa: F811
    response = anonymous.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_off_notice_when_not_configured(client: FlaskClient) -> None:  # noqa: F811
    page = client.get("/notifications").get_data(as_text=True)
    assert OFF_NOTICE in page
    assert "No notifications yet." in page


def test_lists_sent_and_retrying_notifications_without_personal_data(
    client: FlaskClient, store: LeadStore, database_url: str,  # noqa: F811
    mail_server: MailServer, webhook: WebhookReceiver, clock: Clock,
) -> None:
    # E-mail to a server that is down (retrying), webhook to a live receiver (sent).
    config = notify_config(notify_settings(database_url, free_port(), webhook.url))
    lead_id = seed_contact_lead(store, completed_at=clock.now - timedelta(minutes=5))
    Notifier(store.database, config, "NCT05240950", clock).run_once()
    page = client.get("/notifications").get_data(as_text=True)
    code = store.get_lead(lead_id).reference_code
    assert f'href="/leads/{lead_id}">{code}</a>' in page
    assert "Sent" in page and "Waiting to send" in page and "next try" in page
    assert "ConnectionRefusedError" in page  # the e-mail's last error
    assert_no_personal_data(page)


def test_page_says_what_is_on(app, client: FlaskClient, mail_server: MailServer) -> None:  # noqa: F811
    services = app.extensions["coordinator"]
    on = dataclasses.replace(services.settings, smtp_url=f"smtp://user:smtp-password-never-shown@127.0.0.1:{mail_server.port}",
                             notify_email_to=("a@x.example", "b@x.example"), notify_webhook_url="https://h/?key=webhook-key-never-shown",
                             notify_digest_time="08:30")
    app.extensions["coordinator"] = dataclasses.replace(services, settings=on)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Notifications are on" in page and "e-mail to 2 recipients" in page and "daily digest at 08:30" in page
    # No password, no webhook key (distinctive values: a random CSRF token may hold any short string).
    assert OFF_NOTICE not in page and "smtp-password-never-shown" not in page and "webhook-key-never-shown" not in page
