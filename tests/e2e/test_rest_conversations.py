"""Whole conversations through the real servers (REST channel), checked against what was stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from bot.leads.store import LeadNotFound
from tests.conftest import LiveStack

pytestmark = pytest.mark.e2e

CONSENT = "yes I agree"
# Answers of a patient who meets every criterion (age 40, so the pregnancy questions are asked).
ELIGIBLE = ["40", "yes", "yes I have", "yes", "no, my scans were clear", "yes it was positive", "yes", "yes",
            "no never", "no", "no", "no", "no", "no", "no", "no", "no", "no", "not pregnant", "no"]


def tracker_events(stack: LiveStack, sender: str) -> int:
    import sqlalchemy

    engine = sqlalchemy.create_engine(stack.settings.tracker_store_url)
    with engine.connect() as connection:
        count = connection.execute(sqlalchemy.text("select count(*) from events where sender_id = :s"), {"s": sender})
        return int(count.scalar_one())


def converse(stack: LiveStack, sender: str, messages: list[str]) -> list[str]:
    """Send messages in turn; return every bot text. Each message must get an answer."""
    texts: list[str] = []
    for message in messages:
        replies = stack.say(sender, message)
        assert replies, f"no reply to {message!r}"
        texts += [r.get("text", "") for r in replies]
    return texts


def new_sender() -> str:
    return uuid.uuid4().hex


def test_eligible_patient_leaves_contact_details(live_stack: LiveStack) -> None:
    sender = new_sender()
    texts = converse(live_stack, sender, ["hi", CONSENT, *ELIGIBLE])
    assert any("you may be able to take part" in t for t in texts)
    texts = converse(live_stack, sender, ["yes please", "Mary <b>Smith</b>", "Mary Smith", "+86 138 1234 5678",
                                          "skip", "mary@example.com", "weekday mornings", "yes"])
    assert any("doesn't look like a name" in t for t in texts)
    assert any("Name: Mary Smith" in t and "+8613812345678" in t for t in texts)
    saved = [t for t in texts if "reference code is" in t]
    assert saved
    lead = live_stack.store().get_lead(sender)
    assert lead.provisional_status == "likely_eligible"
    assert lead.contact.name == "Mary Smith" and lead.contact.email == "mary@example.com"
    assert lead.reference_code in saved[0]
    answers = {a["check_id"]: a for a in lead.answers}
    assert answers["residual_disease"]["patient_text"] == "no, my scans were clear"
    assert answers["residual_disease"]["value"] == "no"


def test_patient_who_does_not_know_cea_needs_review(live_stack: LiveStack) -> None:
    sender = new_sender()
    answers = list(ELIGIBLE)
    answers[6] = "I don't know, nobody told me"
    texts = converse(live_stack, sender, ["hello", CONSENT, *answers, "no thanks"])
    assert any("need to be checked in your medical records" in t for t in texts)
    lead = live_stack.store().get_lead(sender)
    assert lead.provisional_status == "needs_review" and lead.contact is None
    [cea] = [c for c in lead.criteria if c["check_id"] == "cea_expression"]
    assert cea["verdict"] == "unknown" and "records" in cea["reason"]


def test_prior_car_t_ends_the_questions_kindly(live_stack: LiveStack) -> None:
    sender = new_sender()
    texts = converse(live_stack, sender, ["hi", CONSENT, *ELIGIBLE[:8], "yes, I had CAR-T in 2023"])
    assert "Just to check" in texts[-1] and "CAR-T" in texts[-1]  # read back before the questions end
    texts = converse(live_stack, sender, ["/affirm"])
    assert "not a match" in texts[-2] and "other studies" in texts[-1]  # then the separate, optional offer
    texts = converse(live_stack, sender, ["ok thanks"])  # a goodbye, not a yes: nothing kept
    assert "no name or contact details are kept" in texts[-1]
    assert not live_stack.store().has_other_studies_contact(sender)
    texts = converse(live_stack, sender, ["hi"])
    assert "already answered" in texts[0] and len(texts) == 1  # welcomed back, not asked again
    lead = live_stack.store().get_lead(sender)
    assert lead.provisional_status == "likely_ineligible" and lead.contact is None
    [car_t] = [c for c in lead.criteria if c["check_id"] == "prior_car_t"]
    assert car_t["verdict"] == "does_not_meet"


def test_no_consent_stores_nothing(live_stack: LiveStack) -> None:
    sender = new_sender()
    texts = converse(live_stack, sender, ["hi", "no thank you"])
    assert any("I haven't stored anything" in t for t in texts)
    assert all(lead.conversation_id != sender for lead in live_stack.store().list_leads())
    with pytest.raises(LeadNotFound):
        live_stack.store().get_lead(sender)
    assert tracker_events(live_stack, sender) == 0
    assert "study" in converse(live_stack, sender, ["hi"])[0]  # a fresh start afterwards


def test_withdrawal_deletes_the_screening(live_stack: LiveStack) -> None:
    sender = new_sender()
    converse(live_stack, sender, ["hi", CONSENT, "55", "yes"])
    texts = converse(live_stack, sender, ["stop and delete my answers"])
    assert not any("deleted everything" in t for t in texts)  # asked first: nothing erased on one message
    assert live_stack.store().get_lead(sender)
    texts = converse(live_stack, sender, ["/withdraw"])  # the [Yes, delete it] button
    assert any("deleted everything" in t for t in texts)
    with pytest.raises(LeadNotFound):
        live_stack.store().get_lead(sender)
    assert tracker_events(live_stack, sender) == 0


def test_side_questions_then_back_to_the_question(live_stack: LiveStack) -> None:
    sender = new_sender()
    converse(live_stack, sender, ["hi", CONSENT, "62"])
    texts = converse(live_stack, sender, ["what is ctDNA?"])
    assert "tumour DNA" in texts[0] and "spread to the liver" in texts[-1]
    texts = converse(live_stack, sender, ["why are you asking this?"])
    assert "liver metastases" in texts[0] and "spread to the liver" in texts[-1]
    texts = converse(live_stack, sender, ["asdkjh qwe"])
    assert "yes, no, or not sure" in texts[0]


def test_conversation_survives_a_rasa_restart(live_stack: LiveStack) -> None:
    sender = new_sender()
    converse(live_stack, sender, ["hi", CONSENT, "64"])
    assert tracker_events(live_stack, sender) > 0
    live_stack.stop_rasa()
    live_stack.start_rasa()
    texts = converse(live_stack, sender, ["yes"])
    assert "surgery to remove the original tumour" in texts[-1]


def test_cli_export_lists_the_screenings(live_stack: LiveStack) -> None:
    sender = new_sender()
    converse(live_stack, sender, ["hi", CONSENT, "80", "yes"])  # the age read back, then confirmed
    env = dict(os.environ, DATABASE_URL=live_stack.settings.database_url,
               PRESCREEN_DATA_KEY=live_stack.settings.data_key)
    out = subprocess.run([sys.executable, "-m", "bot.cli", "leads", "export", "--format", "json"], env=env,
                         capture_output=True, text=True, check=True)
    exported = {row["conversation_id"]: row for row in json.loads(out.stdout)}
    row = exported[sender]
    assert row["provisional_status"] == "likely_ineligible" and row["name"] is None
    assert {c["check_id"]: c["verdict"] for c in row["criteria"]}["age"] == "does_not_meet"
    assert row["created_at"] and row["reference_code"].startswith("PS-")


def test_logs_hold_no_personal_data(live_stack: LiveStack) -> None:
    """Runs after the conversations above: no name, phone, email or answer text in any log."""
    sender = new_sender()
    converse(live_stack, sender, ["hi", CONSENT, *ELIGIBLE, "yes", "Zhang Xiuying", "139 8765 4321",
                                  "zhang_xiuying", "zhang.xiuying@example.com", "after lunch", "yes"])
    logs = "".join(p.read_text(errors="replace") for p in (live_stack.settings.var_dir / "log").glob("*.log"))
    assert logs, "no logs were written"
    for secret in ("Zhang Xiuying", "13987654321", "139 8765 4321", "zhang_xiuying", "zhang.xiuying@example.com",
                   "after lunch", "my scans were clear"):
        assert secret not in logs, f"{secret!r} found in the logs"
    assert sender in logs or "conversation" in logs  # logs name conversations, not people


def test_a_first_message_that_is_not_hello_still_starts(live_stack: LiveStack) -> None:
    texts = converse(live_stack, new_sender(), ["I'm 65 and I had bowel cancer, can I join?"])
    assert any("Do you agree?" in t for t in texts)
    texts = converse(live_stack, new_sender(), ["what is CEA?"])
    assert "protein" in texts[0] and "suit you" in texts[-1]
