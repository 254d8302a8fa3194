"""Switching notifications on later, or coming back after an outage: old leads go into one summary.

A site that collected 130 leads with notifications off, then set SMTP_URL, used to get one e-mail per
lead at once. Now a lead older than NOTIFY_BACKLOG_MINUTES when the notifier first sees it, and a lead
message that waited longer than that for the mail server, go out in one summary per channel. Against the
real aiosmtpd server and HTTP receiver, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.leads.store import LeadStore
from bot.notify import outbox
from bot.notify.config import NotifyConfigError, notify_config
from bot.notify.worker import Notifier
from tests.notify.conftest import Clock, MailServer, WebhookReceiver, free_port, notify_settings, seed_contact_lead
from tests.notify.test_notifier import LINK, assert_no_personal_data, rows


def test_switching_on_after_130_leads_sends_one_summary_not_130_messages(
    store: LeadStore, database_url: str, mail_server: MailServer, webhook: WebhookReceiver, clock: Clock
) -> None:
    # Collected with notifications off over the last five days.
    old = [seed_contact_lead(store, f"conv-old-{n}", completed_at=clock.now - timedelta(hours=2 + n, minutes=n))
           for n in range(130)]
    config = notify_config(notify_settings(database_url, mail_server.port, webhook.url))
    notifier = Notifier(store.database, config, "NCT05240950", clock)

    assert notifier.run_once() == {"queued": 2, "sent": 2}  # one summary per channel
    assert len(mail_server.messages) == 1 and len(webhook.bodies) == 1
    message = mail_server.messages[0]
    assert message["Subject"] == "Prescreen: 130 earlier leads in one message"
    text = message.get_payload(decode=True).decode("utf-8")
    assert "130 leads completed while notifications were off" in text
    oldest = store.get_lead(old[-1]).reference_code
    assert f"  {oldest}  completed " in text and LINK.format(old[-1]) in text  # oldest first
    assert "… and 100 more (see the lead list)" in text
    body = json.loads(webhook.bodies[0])
    assert body["event"] == "lead_summary" and body["count"] == 130 and len(body["leads"]) == 30
    assert_no_personal_data(text, webhook.bodies[0].decode())

    # Each old lead is recorded as summarised, so it is never sent on its own later.
    own = [row for row in rows(store) if row.kind == "lead"]
    assert len(own) == 260 and {row.status for row in own} == {outbox.SUMMARISED}
    clock.advance(minutes=5)
    assert notifier.run_once() == {"queued": 0}
    # A lead that arrives now is announced on its own, as before.
    seed_contact_lead(store, "conv-new", completed_at=clock.now)
    assert notifier.run_once() == {"queued": 2, "sent": 2}
    assert len(mail_server.messages) == 2 and mail_server.messages[1]["Subject"].startswith("New prescreen lead")


def test_a_lead_within_the_backlog_window_still_gets_its_own_message(
    store: LeadStore, database_url: str, mail_server: MailServer, clock: Clock
) -> None:
    seed_contact_lead(store, "conv-recent", completed_at=clock.now - timedelta(minutes=50))
    seed_contact_lead(store, "conv-older", completed_at=clock.now - timedelta(minutes=70))
    config = notify_config(notify_settings(database_url, mail_server.port))
    assert Notifier(store.database, config, "NCT05240950", clock).run_once() == {"queued": 2, "sent": 2}
    subjects = sorted(message["Subject"] for message in mail_server.messages)
    assert subjects[0].startswith("New prescreen lead") and subjects[1] == "Prescreen: 1 earlier lead in one message"


def test_after_a_long_mail_outage_the_waiting_messages_go_out_as_one_summary(
    store: LeadStore, database_url: str, clock: Clock
) -> None:
    server = MailServer(free_port())  # down: nothing listens yet
    config = notify_config(notify_settings(database_url, server.port, notify_backlog_minutes=30))
    notifier = Notifier(store.database, config, "NCT05240950", clock)
    for n in range(4):  # leads keep coming during the outage, each queued on time
        seed_contact_lead(store, f"conv-outage-{n}", completed_at=clock.now)
        notifier.run_once()
        clock.advance(minutes=10)
    assert {row.status for row in rows(store)} == {outbox.PENDING}
    server.start()
    try:
        clock.advance(minutes=25)
        outcome = notifier.run_once()
        subjects = [message["Subject"] for message in server.messages]
    finally:
        server.stop()
    by_status = {}
    for row in rows(store):
        by_status.setdefault((row.kind, row.status), []).append(row)
    # Queued 65, 55, 45 and 35 minutes ago: all four older than 30 minutes -> one summary, nothing one by one.
    assert outcome["summarised"] == 1 and subjects == ["Prescreen: 4 earlier leads in one message"]
    assert len(by_status[("lead", outbox.SUMMARISED)]) == 4 and ("lead", outbox.SENT) not in by_status
    assert len(by_status[("summary", outbox.SENT)]) == 1


def test_a_short_outage_still_sends_each_message(store: LeadStore, database_url: str, clock: Clock) -> None:
    server = MailServer(free_port())
    config = notify_config(notify_settings(database_url, server.port))
    notifier = Notifier(store.database, config, "NCT05240950", clock)
    seed_contact_lead(store, "conv-short", completed_at=clock.now)
    notifier.run_once()
    server.start()
    try:
        clock.advance(minutes=2)
        assert notifier.run_once() == {"queued": 0, "sent": 1}
        assert server.messages[0]["Subject"].startswith("New prescreen lead")
    finally:
        server.stop()


def test_the_backlog_setting_is_checked(database_url: str) -> None:
    with pytest.raises(NotifyConfigError, match="NOTIFY_BACKLOG_MINUTES"):
        notify_config(notify_settings(database_url, 25, notify_backlog_minutes=0))
    assert notify_config(notify_settings(database_url, 25, notify_backlog_minutes=90)).backlog == timedelta(minutes=90)
