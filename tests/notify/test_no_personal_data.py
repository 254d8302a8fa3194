"""No message to the study team carries personal data: leads seeded with distinctive names, phone
numbers, e-mail addresses, WeChat IDs, typed answers, questions and coordinators' notes, at every
place the digest looks (new, overdue, call-back due); the digest on all three channels and each
lead's message must name them by reference code only, in each language (NOTIFY_LANGUAGE)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.leads.models import ContactAttempt, ReviewStatus
from bot.leads.store import ContactDetails, LeadStore
from bot.notify import outbox
from bot.notify.config import notify_config
from bot.notify.messages import Message, digest_message, lead_message
from bot.notify.worker import Notifier
from bot.trial.eligibility import evaluate
from tests.notify.conftest import Clock, free_port, log_attempt, notify_settings, set_lead
from tests.notify.test_notifier import rows
from tests.web.coordinator.seed import CRITERIA, ELIGIBLE

NOW = datetime(2026, 12, 3, 0, 31, tzinfo=timezone.utc)  # 08:31 in Shanghai, just after the digest time


@dataclass(frozen=True)
class Patient:
    """Everything personal one seeded lead holds."""

    conversation_id: str
    contact: ContactDetails
    answer_words: str  # a prefix of what the patient typed for every question
    side_question: str
    attempt_note: str
    status_note: str

    def secrets(self) -> list[str]:
        contact = self.contact
        digits = "".join(ch for ch in contact.phone or "" if ch.isdigit())
        return [contact.name, contact.phone or "", digits, digits[-11:], contact.email or "", contact.wechat or "",
                contact.preferred_time or "", self.answer_words, self.side_question, self.attempt_note,
                self.status_note]


PATIENTS = {
    "new": Patient(
        "pd-new", ContactDetails(name="Zhuge Liangming", phone="+86 139 0170 4417", email="zhuge.lm@wolong.example",
                                 preferred_time="after seven Qx-pt1", wechat="wolong_qx_4417"),
        "Qx-typed-new", "Qx-asked-new: will it hurt", "", "",
    ),
    "overdue": Patient(
        "pd-overdue", ContactDetails(name="欧阳青禾", phone="13761230987", email="oyqh@qinghe-mail.example",
                                     preferred_time="周末上午 Qx-pt2", wechat="qinghe_oy_0987"),
        "Qx-typed-overdue", "Qx-asked-overdue: can my son come", "", "",
    ),
    "callback": Patient(
        "pd-callback", ContactDetails(name="Sima Yanzhao", phone="+86 186 2200 5531", email="sima.yz@luoyang.example",
                                      preferred_time="lunchtime Qx-pt3", wechat="sima_yz_5531"),
        "Qx-typed-callback", "Qx-asked-callback: parking",
        "Daughter answered, Qx-note: patient in hospital for chemo until Friday",
        "Qx-status: says her oncologist at Ruijin suggested the study",
    ),
}


def seed(store: LeadStore, patient: Patient, completed_at: datetime) -> int:
    """A completed screening with the patient's words, question and contact details."""
    store.start_screening(patient.conversation_id, "consent-test", CRITERIA.version)
    words = {check: {"text": f"{patient.answer_words} {check}", "value": str(value), "how": "typed"}
             for check, value in ELIGIBLE.items()}
    store.complete_screening(patient.conversation_id, evaluate(CRITERIA, ELIGIBLE), words,
                             side_questions=[{"topic": "other", "text": patient.side_question}])
    store.save_contact(patient.conversation_id, patient.contact)
    lead_id = store.get_lead(patient.conversation_id).id
    set_lead(store, lead_id, completed_at=completed_at)
    return lead_id


def assert_clean(text: str, codes: list[str]) -> None:
    for patient in PATIENTS.values():
        for secret in patient.secrets():
            if secret:
                assert secret.lower() not in text.lower(), f"{secret!r} leaked into a notification"
    for code in codes:
        assert code in text


@pytest.mark.parametrize("language", ["en", "zh"])
def test_digest_and_lead_messages_hold_reference_codes_and_no_personal_data(
    store: LeadStore, database_url: str, language: str
) -> None:
    ids = {
        "new": seed(store, PATIENTS["new"], NOW - timedelta(minutes=20)),
        "overdue": seed(store, PATIENTS["overdue"], NOW - timedelta(hours=40)),
        "callback": seed(store, PATIENTS["callback"], NOW - timedelta(days=3)),
    }
    callback = PATIENTS["callback"]
    log_attempt(store, ids["callback"], NOW - timedelta(days=2), "reached", note=callback.attempt_note)
    store.set_review_status(ids["callback"], ReviewStatus.CONTACTED, callback.status_note, "alice")
    set_lead(store, ids["callback"], callback_at=NOW + timedelta(hours=6))
    codes = {kind: store.get_lead(lead_id).reference_code or "" for kind, lead_id in ids.items()}

    # Guard: the seeded personal data really is in the database, where only sign-in shows it.
    for kind, lead_id in ids.items():
        lead = store.get_lead(lead_id)
        assert lead.contact == PATIENTS[kind].contact
        assert {a["patient_text"].split(" ")[0] for a in lead.answers} == {PATIENTS[kind].answer_words}
    with store.database.session() as session:
        assert session.execute(select(ContactAttempt.note)).scalars().all() == [callback.attempt_note]

    # Through the notifier: the e-mail and JSON bodies as queued (the new lead's message, and the digest).
    config = notify_config(notify_settings(database_url, free_port(), "http://127.0.0.1:9/hook",
                                           notify_digest_time="08:30", notify_language=language))
    notifier = Notifier(store.database, config, "NCT05240950", Clock(NOW))
    # The new lead on its own; the two older ones (never announced) in one summary per channel.
    assert notifier.queue_leads(NOW) == 4 and notifier.queue_digest(NOW) == 2
    queued = rows(store)
    summaries = [row.subject + "\n" + row.body for row in queued if row.kind == "summary"]
    assert len(summaries) == 2
    for body in summaries:
        assert_clean(body, [codes["overdue"], codes["callback"]])
    digest_bodies = [row.subject + "\n" + row.body for row in queued if row.kind == "digest"]
    assert len(digest_bodies) == 2
    for body in digest_bodies:
        assert_clean(body, list(codes.values()))
    [lead_email, lead_json] = [row.subject + "\n" + row.body for row in queued
                               if row.kind == "lead" and row.status == outbox.PENDING]
    assert_clean(lead_email, [codes["new"]])
    assert_clean(lead_json, [codes["new"]])

    # Every channel's body of the digest and of each lead's message, WeCom markdown included.
    leads = outbox.digest_leads(store.database, config, NOW - timedelta(days=1), NOW)
    assert [[lead.reference_code for lead in section] for section in (leads.new, leads.overdue, leads.callbacks)] == [
        [codes["new"]], [codes["overdue"]], [codes["callback"]],
    ]
    digest = digest_message(config, "NCT05240950", NOW, NOW - timedelta(days=1), leads)
    for body in bodies(digest):
        assert_clean(body, list(codes.values()))
    for lead in (*leads.new, *leads.overdue, *leads.callbacks):
        for body in bodies(lead_message(config, "NCT05240950", lead)):
            assert_clean(body, [lead.reference_code])


def bodies(message: Message) -> list[str]:
    """Subject and body for e-mail, the JSON webhook and the WeCom robot (its markdown as sent)."""
    wecom = json.loads(message.body_for("webhook", "wecom"))["markdown"]["content"]
    return [message.subject + "\n" + message.body_for("email", "json"), message.body_for("webhook", "json"),
            wecom, message.body_for("webhook", "wecom")]
