"""The notifier against a real SMTP server and a real HTTP receiver, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.leads.models import Notification, NotificationAttempt
from bot.leads.store import LeadStore
from bot.notify import outbox
from bot.notify.config import notify_config
from bot.notify.worker import Notifier
from tests.notify.conftest import (
    CONTACT,
    Clock,
    MailServer,
    WebhookReceiver,
    free_port,
    notify_settings,
    personal_data,
    seed_contact_lead,
)
from tests.web.coordinator.seed import ELIGIBLE, seed_lead

LINK = "https://prescreen.changhai.example/leads/{}"


def assert_no_personal_data(*texts: str) -> None:
    for text in texts:
        for value in personal_data():
            assert value.lower() not in text.lower(), f"{value!r} leaked into a notification"


def rows(store: LeadStore) -> list[Notification]:
    with store.database.session() as session:
        return list(session.execute(select(Notification).order_by(Notification.id)).scalars())


def attempts(store: LeadStore) -> list[NotificationAttempt]:
    with store.database.session() as session:
        return list(session.execute(select(NotificationAttempt).order_by(NotificationAttempt.id)).scalars())


def test_completed_screening_sends_one_email_and_one_webhook_without_personal_data(
    store: LeadStore, notifier: Notifier, mail_server: MailServer, webhook: WebhookReceiver, clock: Clock
) -> None:
    lead_id = seed_contact_lead(store)
    code = store.get_lead(lead_id).reference_code
    assert notifier.run_once() == {"queued": 2, "sent": 2}
    assert notifier.run_once() == {"queued": 0}  # scanning again queues nothing: one row per screening and channel

    assert len(mail_server.messages) == 1 and mail_server.recipients == [["team@changhai.example"]]
    mail = mail_server.messages[0]
    body = mail.get_payload(decode=True).decode()
    local = clock.now.astimezone(notifier.config.timezone).strftime("%d %b %Y, %H:%M")
    assert code in mail["Subject"] and "Likely eligible" in mail["Subject"]
    for expected in (code, "Likely eligible", f"{local} (Asia/Shanghai)", LINK.format(lead_id)):
        assert expected in body
    [posted] = webhook.json()
    assert posted["event"] == "new_lead" and posted["reference_code"] == code
    assert posted["provisional_status"] == "likely_eligible" and posted["link"] == LINK.format(lead_id)
    assert posted["completed_at"].endswith("+08:00")
    assert_no_personal_data(mail_server.raw[0].decode(), webhook.bodies[0].decode("utf-8"))
    assert [(r.channel, r.status, r.attempts) for r in rows(store)] == [("email", "sent", 1), ("webhook", "sent", 1)]
    assert [a.succeeded for a in attempts(store)] == [True, True]


def test_wecom_format_is_a_markdown_robot_message(
    store: LeadStore, database_url: str, webhook: WebhookReceiver, clock: Clock
) -> None:
    config = notify_config(notify_settings(database_url, None, webhook.url, notify_webhook_format="wecom"))
    lead_id = seed_contact_lead(store)
    assert Notifier(store.database, config, "NCT05240950", clock).run_once() == {"queued": 1, "sent": 1}
    [posted] = webhook.json()
    assert posted["msgtype"] == "markdown" and set(posted) == {"msgtype", "markdown"}
    content = posted["markdown"]["content"]
    assert store.get_lead(lead_id).reference_code in content and LINK.format(lead_id) in content
    assert len(content.encode()) <= 4096
    assert_no_personal_data(content)


def test_only_the_configured_statuses_and_leads_with_contact_details_are_announced(
    store: LeadStore, database_url: str, mail_server: MailServer, clock: Clock
) -> None:
    config = notify_config(notify_settings(database_url, mail_server.port, notify_statuses=("needs_review",)))
    seed_contact_lead(store, "eligible-with-contact")  # likely_eligible: not asked for
    unsure = dict(ELIGIBLE, **{next(k for k in ELIGIBLE if k != "age"): "unsure"})
    seed_lead(store, "unsure-no-contact", None, unsure)  # needs_review but no contact details
    wanted = seed_contact_lead(store, "unsure-with-contact", answers=unsure)
    assert Notifier(store.database, config, "NCT05240950", clock).run_once() == {"queued": 1, "sent": 1}
    assert [r.screening_id for r in rows(store)] == [wanted]


def test_mail_server_down_attempts_are_recorded_then_delivered_once_it_is_up(
    store: LeadStore, database_url: str, clock: Clock
) -> None:
    server = MailServer(free_port())  # not started: nothing listens on the port
    config = notify_config(notify_settings(database_url, server.port, notify_max_attempts=5))
    notifier = Notifier(store.database, config, "NCT05240950", clock)
    seed_contact_lead(store)

    assert notifier.run_once() == {"queued": 1, "pending": 1}
    clock.advance(seconds=30)
    assert notifier.run_once() == {"queued": 0}  # back-off: not due again for a minute
    clock.advance(minutes=1)
    assert notifier.run_once() == {"queued": 0, "pending": 1}
    [row] = rows(store)
    assert row.attempts == 2 and row.status == "pending" and "SMTP 127.0.0.1" in row.last_error
    assert outbox.aware(row.next_attempt_at) == clock.now + timedelta(minutes=2)  # 1, 2, 4 ... minutes
    assert [a.succeeded for a in attempts(store)] == [False, False]

    server.start()
    try:
        clock.advance(minutes=2)
        assert notifier.run_once() == {"queued": 0, "sent": 1}
        assert len(server.messages) == 1
    finally:
        server.stop()
    [row] = rows(store)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert [a.succeeded for a in attempts(store)] == [False, False, True]


def test_gives_up_after_the_configured_attempts_and_says_so(store: LeadStore, database_url: str, clock: Clock) -> None:
    config = notify_config(notify_settings(database_url, free_port(), notify_max_attempts=2))
    notifier = Notifier(store.database, config, "NCT05240950", clock)
    seed_contact_lead(store)
    notifier.run_once()
    clock.advance(minutes=1)
    assert notifier.run_once() == {"queued": 0, "failed": 1}
    clock.advance(hours=2)
    assert notifier.run_once() == {"queued": 0}
    [row] = rows(store)
    assert (row.status, row.attempts) == ("failed", 2) and row.last_error


def test_digest_at_the_local_time_lists_new_and_overdue_leads_without_personal_data(
    store: LeadStore, database_url: str, mail_server: MailServer, webhook: WebhookReceiver
) -> None:
    # 08:29 in Shanghai is 00:29 UTC; the overdue lead completed two days earlier and nobody has tried it.
    clock = Clock(datetime(2026, 12, 3, 0, 29, tzinfo=timezone.utc))
    config = notify_config(notify_settings(database_url, mail_server.port, webhook.url, notify_digest_time="08:30"))
    notifier = Notifier(store.database, config, "NCT05240950", clock)
    overdue = seed_contact_lead(store, "old-lead", completed_at=clock.now - timedelta(days=2))
    fresh = seed_contact_lead(store, "fresh-lead", completed_at=clock.now - timedelta(hours=3))
    notifier.queue_leads(clock.now)
    assert notifier.queue_digest(clock.now) == 0  # not 08:30 yet
    clock.advance(minutes=1)
    assert notifier.queue_digest(clock.now) == 2
    assert notifier.queue_digest(clock.now) == 0  # once a day
    [email_row, webhook_row] = [r for r in rows(store) if r.kind == "digest"]
    assert email_row.dedupe_key == "digest:2026-12-03"
    assert email_row.subject == (
        "Prescreen digest 03 Dec 2026: 1 new, 1 past the contact deadline, 0 call-backs due today"
    )
    codes = {lead: store.get_lead(lead).reference_code for lead in (overdue, fresh)}
    text = email_row.body
    assert "New leads since 02 Dec 2026, 08:30 (Asia/Shanghai): 1" in text
    assert f"{codes[fresh]}  completed 03 Dec 2026, 05:29  {LINK.format(fresh)}" in text
    assert "Past the 24-hour contact deadline, no contact attempt yet: 1" in text
    assert f"{codes[overdue]}  completed 01 Dec 2026, 08:29  {LINK.format(overdue)}" in text
    digest = json.loads(webhook_row.body)
    assert digest["new_leads"]["count"] == 1 and digest["overdue_leads"]["leads"][0]["reference_code"] == codes[overdue]
    assert_no_personal_data(text, webhook_row.body)
    notifier.send_due(clock.now)
    assert_no_personal_data(*(raw.decode() for raw in mail_server.raw), *(b.decode() for b in webhook.bodies))

    clock.advance(days=1)  # the next digest starts where this one ended
    assert notifier.queue_digest(clock.now) == 2
    latest = [r for r in rows(store) if r.dedupe_key == "digest:2026-12-04"][0]
    assert "New leads since 03 Dec 2026, 08:30 (Asia/Shanghai): 0" in latest.body
    assert f"{codes[overdue]}  completed 01 Dec 2026, 08:29" in latest.body  # still nobody has tried


def test_settings_off_nothing_is_queued_or_sent(store: LeadStore, database_url: str) -> None:
    # SMTP_URL without recipients, no webhook, and a digest time long past: still nothing.
    config = notify_config(notify_settings(database_url, free_port(), notify_email_to=(), notify_digest_time="00:01"))
    assert not config.enabled
    clock = Clock(datetime(2026, 12, 3, 15, 0, tzinfo=timezone.utc))
    notifier = Notifier(store.database, config, "NCT05240950", clock)
    seed_contact_lead(store, completed_at=clock.now - timedelta(hours=1))
    assert notifier.run_once() == {"queued": 0}
    assert rows(store) == []


def test_contact_details_used_in_tests_are_the_seeded_ones(store: LeadStore) -> None:
    """Guards the no-personal-data assertions: the seeded lead really holds these values."""
    lead = store.get_lead(seed_contact_lead(store))
    assert lead.contact == CONTACT
    assert {answer["patient_text"] for answer in lead.answers} <= set(personal_data())


def test_a_wecom_refusal_counts_as_a_failed_attempt(store: LeadStore, database_url: str, clock: Clock) -> None:
    receiver = WebhookReceiver(reply=b'{"errcode":93000,"errmsg":"invalid webhook url"}')  # WeCom answers HTTP 200
    try:
        config = notify_config(notify_settings(database_url, None, receiver.url, notify_webhook_format="wecom"))
        seed_contact_lead(store)
        assert Notifier(store.database, config, "NCT05240950", clock).run_once() == {"queued": 1, "pending": 1}
    finally:
        receiver.close()
    [row] = rows(store)
    assert "93000" in row.last_error and len(receiver.bodies) == 1
