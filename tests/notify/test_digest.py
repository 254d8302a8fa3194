"""The daily digest's three lists, with a fixed clock: new leads since the last digest, leads past the
contact deadline with no attempt logged, and call-backs due today (in the coordinators' time zone)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.leads.models import ReviewStatus
from bot.leads.store import LeadStore
from bot.notify import outbox
from bot.notify.config import NotifyConfig, notify_config
from bot.notify.messages import DIGEST_LIST_LIMIT, WECOM_MAX_BYTES, DigestLeads, LeadRef, digest_message
from bot.notify.worker import Notifier
from tests.notify.conftest import Clock, free_port, log_attempt, notify_settings, seed_contact_lead, set_lead
from tests.notify.test_notifier import rows
from tests.web.coordinator.seed import seed_lead

# 08:31 in Shanghai on 3 December is 00:31 UTC: the UTC date is still the 2nd for part of the local day.
NOW = datetime(2026, 12, 3, 0, 31, tzinfo=timezone.utc)
SHANGHAI = timedelta(hours=8)
LINK = "https://prescreen.changhai.example/leads/{}"


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in December 2026, as the UTC moment stored."""
    return datetime(2026, 12, day, hour, minute, tzinfo=timezone.utc) - SHANGHAI


@pytest.fixture
def config(database_url: str) -> NotifyConfig:
    """E-mail and a JSON webhook, digest at 08:30; nothing is sent in these tests, only queued."""
    settings = notify_settings(database_url, free_port(), "http://127.0.0.1:9/hook", notify_digest_time="08:30")
    return notify_config(settings)


def codes(leads: list[LeadRef]) -> list[str]:
    return [lead.reference_code for lead in leads]


def code_of(store: LeadStore, lead_id: int) -> str:
    return store.get_lead(lead_id).reference_code or ""


def test_overdue_means_no_contact_attempt_within_the_deadline(store: LeadStore, config: NotifyConfig) -> None:
    old = NOW - timedelta(hours=30)
    overdue = seed_contact_lead(store, "never-tried", completed_at=old)
    tried = seed_contact_lead(store, "tried-no-answer", completed_at=old)
    log_attempt(store, tried, NOW - timedelta(hours=20), "no_answer")  # still "new", but someone tried
    seed_contact_lead(store, "within-deadline", completed_at=NOW - timedelta(hours=23))
    contacted = seed_contact_lead(store, "contacted", completed_at=old)
    store.set_review_status(contacted, ReviewStatus.CONTACTED, "", "alice")
    closed = seed_contact_lead(store, "withdrawn", completed_at=old)
    store.set_review_status(closed, ReviewStatus.WITHDRAWN, "", "alice")
    seed_lead(store, "no-contact-details", None, completed_at=old)  # nobody to call

    leads = outbox.digest_leads(store.database, config, NOW - timedelta(days=1), NOW)
    assert codes(leads.overdue) == [code_of(store, overdue)]
    assert codes(leads.new) == [store.get_lead("within-deadline").reference_code]
    assert leads.callbacks == []


def test_call_backs_due_today_in_the_local_time_zone(store: LeadStore, config: NotifyConfig) -> None:
    completed = NOW - timedelta(days=3)
    leads: dict[str, int] = {}
    for name, callback_at, status in [
        ("this-afternoon", shanghai(3, 14), ReviewStatus.CONTACTED),
        ("early-today", shanghai(3, 7), ReviewStatus.CONTACTED),  # 2 Dec 23:00 UTC: today in Shanghai
        ("missed-yesterday", shanghai(2, 18), ReviewStatus.VISIT_BOOKED),
        ("late-tonight", shanghai(3, 23, 59), ReviewStatus.CONFIRMED),
        ("tried-since", shanghai(2, 10), ReviewStatus.CONTACTED),
        ("tomorrow", shanghai(4, 0), ReviewStatus.CONTACTED),
        ("closed", shanghai(3, 14), ReviewStatus.NOT_INTERESTED),
    ]:
        leads[name] = seed_contact_lead(store, name, completed_at=completed)
        log_attempt(store, leads[name], completed + timedelta(hours=1), "reached")
        visit = completed + timedelta(days=7) if status is ReviewStatus.VISIT_BOOKED else None
        store.set_review_status(leads[name], status, "", "alice", visit_at=visit)
        set_lead(store, leads[name], callback_at=callback_at)
    log_attempt(store, leads["tried-since"], shanghai(2, 10, 5), "no_answer")

    found = outbox.digest_leads(store.database, config, NOW - timedelta(days=1), NOW)
    expected = ["missed-yesterday", "early-today", "this-afternoon", "late-tonight"]
    assert codes(found.callbacks) == [code_of(store, leads[name]) for name in expected]
    assert found.new == [] and found.overdue == []  # all contacted, none completed since the last digest

    text = digest_message(config, "NCT05240950", NOW, NOW - timedelta(days=1), found).text
    assert f"{code_of(store, leads['missed-yesterday'])}  call back 02 Dec 2026, 18:00 (missed)  " in text
    early = leads["early-today"]
    assert f"{code_of(store, early)}  call back 03 Dec 2026, 07:00  {LINK.format(early)}" in text


def test_the_digest_lists_each_section_on_every_channel(store: LeadStore, config: NotifyConfig) -> None:
    clock = Clock(NOW)
    notifier = Notifier(store.database, config, "NCT05240950", clock)
    fresh = seed_contact_lead(store, "fresh", completed_at=shanghai(3, 6, 15))
    overdue = seed_contact_lead(store, "overdue", completed_at=shanghai(1, 20, 5))
    callback = seed_contact_lead(store, "callback", completed_at=shanghai(1, 9))
    log_attempt(store, callback, shanghai(1, 10), "left_message")
    set_lead(store, callback, callback_at=shanghai(3, 15, 30))
    code = {lead: code_of(store, lead) for lead in (fresh, overdue, callback)}

    assert notifier.queue_digest(NOW) == 2
    email, webhook = (row for row in rows(store) if row.kind == "digest")
    assert email.subject == "Prescreen digest 03 Dec 2026: 1 new, 1 past the contact deadline, 1 call-back due today"
    assert email.body == "\n".join([
        "NCT05240950 prescreen: daily digest for 03 Dec 2026 (times in Asia/Shanghai)",
        "",
        "New leads since 02 Dec 2026, 08:31 (Asia/Shanghai): 1",
        f"  {code[fresh]}  completed 03 Dec 2026, 06:15  {LINK.format(fresh)}",
        "",
        "Past the 24-hour contact deadline, no contact attempt yet: 1",
        f"  {code[overdue]}  completed 01 Dec 2026, 20:05  {LINK.format(overdue)}",
        "",
        "Call-backs due today: 1",
        f"  {code[callback]}  call back 03 Dec 2026, 15:30  {LINK.format(callback)}",
        "",
        "All leads, those that need action first: https://prescreen.changhai.example/leads (sign-in required). "
        "Contact details, answers and notes are never sent by e-mail or webhook.",
        "",
    ])
    fields = json.loads(webhook.body)
    assert fields["event"] == "daily_digest" and fields["text"] == email.body
    assert fields["new_leads"] == {"count": 1, "leads": [
        {"reference_code": code[fresh], "link": LINK.format(fresh), "completed_at": "2026-12-03T06:15:00+08:00"}
    ]}
    assert fields["overdue_leads"]["leads"][0]["reference_code"] == code[overdue]
    assert fields["callbacks_due"] == {"count": 1, "leads": [
        {"reference_code": code[callback], "link": LINK.format(callback), "callback_at": "2026-12-03T15:30:00+08:00"}
    ]}

    leads = outbox.digest_leads(store.database, config, NOW - timedelta(days=1), NOW)
    markdown = digest_message(config, "NCT05240950", NOW, NOW - timedelta(days=1), leads).markdown
    assert markdown.splitlines()[1:-1] == [
        "> New leads: **1**",
        f"> [{code[fresh]}]({LINK.format(fresh)}) completed 03 Dec 2026, 06:15",
        "> Past the 24-hour contact deadline: **1**",
        f"> [{code[overdue]}]({LINK.format(overdue)}) completed 01 Dec 2026, 20:05",
        "> Call-backs due today: **1**",
        f"> [{code[callback]}]({LINK.format(callback)}) call back 03 Dec 2026, 15:30",
    ]


def test_a_digest_with_nothing_to_do_is_still_sent_and_says_so(store: LeadStore, config: NotifyConfig) -> None:
    """It shows the team the notifier works: silence would look the same as a notifier that stopped."""
    notifier = Notifier(store.database, config, "NCT05240950", Clock(NOW))
    assert notifier.queue_digest(NOW) == 2
    email, webhook = (row for row in rows(store) if row.kind == "digest")
    assert email.subject == "Prescreen digest 03 Dec 2026: nothing needs action"
    assert ("Nothing needs action: no new leads since 02 Dec 2026, 08:31 (Asia/Shanghai), none past the 24-hour "
            "contact deadline, no call-backs due today.") in email.body
    fields = json.loads(webhook.body)
    assert [fields[key]["count"] for key in ("new_leads", "overdue_leads", "callbacks_due")] == [0, 0, 0]


def test_long_lists_are_cut_and_the_wecom_message_fits_its_4096_bytes(database_url: str) -> None:
    config = notify_config(notify_settings(
        database_url, None, "http://127.0.0.1:9/hook", notify_webhook_format="wecom",
        coordinator_public_url="https://prescreen-coordinators.intranet.changhai-hospital.example.org",
    ))
    many = 45

    def refs(first: int, **extra: datetime) -> list[LeadRef]:
        return [LeadRef(first + n, f"PS-{first + n:06d}", "likely_eligible", NOW - timedelta(hours=30), **extra)
                for n in range(many)]

    leads = DigestLeads(refs(1000), refs(2000), refs(3000, callback_at=NOW + timedelta(hours=5)))
    message = digest_message(config, "NCT05240950", NOW, NOW - timedelta(days=1), leads)
    assert message.subject.endswith(f"{many} new, {many} past the contact deadline, {many} call-backs due today")
    assert message.text.count("… and 15 more (see the lead list)") == 3
    assert message.text.count("  PS-") == 3 * DIGEST_LIST_LIMIT
    fields = json.loads(message.body_for("webhook", "json"))
    assert [len(fields[key]["leads"]) for key in ("new_leads", "overdue_leads", "callbacks_due")] == [
        DIGEST_LIST_LIMIT
    ] * 3
    content = json.loads(message.body_for("webhook", "wecom"))["markdown"]["content"]
    assert len(content.encode("utf-8")) <= WECOM_MAX_BYTES
    listed = content.count("> [PS-")
    assert 3 <= listed < 3 * DIGEST_LIST_LIMIT and f"> … and {many - listed // 3} more" in content
    assert f"**{many}**" in content and content.endswith("(sign-in required)")
