"""Finishing, storing, contact details, withdrawal, hand-off: actions against a real lead store.

Each test asserts the full list of events returned and the messages sent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa_sdk.events import ActiveLoop, AllSlotsReset, FollowupAction, SlotSet

from actions.contact_form import ActionAskContactConfirmed, ValidateContactForm
from actions.screening import (
    ActionAnswerLocation,
    ActionFinishScreening,
    ActionHandoff,
    ActionStartPrescreen,
    ActionSubmitLead,
)
from actions.withdrawal import ActionFinishWithdrawal, ActionWithdraw
from bot.leads.store import LeadStore
from bot.reading.text import clean_text
from bot.settings import get_settings
from bot.trial.criteria import load_criteria
from tests.actions.conftest import responses, run, sent, slot_events

CRITERIA = load_criteria()
ELIGIBLE = {c.id: c.meets for c in CRITERIA.checks if c.answer == "yes_no"} | {"age": 40, "consent": True}
LOG = {"age": {"text": "forty", "value": "40", "how": "read age 40"}}


def consent(store: LeadStore, sender: str = "test-conversation") -> None:
    store.start_screening(sender, "consent-test", CRITERIA.version)


def test_eligible_patient_is_stored_and_asked_for_contact(make_tracker, dispatcher, domain, lead_store) -> None:
    consent(lead_store)
    tracker = make_tracker(slots=ELIGIBLE | {"answer_log": LOG}, active_loop=None)
    events = run(ActionFinishScreening(), dispatcher, tracker, domain)
    code = slot_events(events)["reference_code"]
    assert code.startswith("PS-")
    assert events == [SlotSet("reference_code", code), SlotSet("screening_outcome", "continue")]
    assert sent(dispatcher) == [{"response": "utter_may_be_eligible"}]
    [lead] = lead_store.list_leads()
    assert lead.provisional_status == "likely_eligible" and lead.answers[0]["patient_text"] == "forty"


def test_unsure_ctdna_needs_review(make_tracker, dispatcher, domain, lead_store) -> None:
    consent(lead_store)
    tracker = make_tracker(slots=ELIGIBLE | {"ctdna_positive": "unsure"}, active_loop=None)
    events = run(ActionFinishScreening(), dispatcher, tracker, domain)
    assert events == [SlotSet("reference_code", slot_events(events)["reference_code"]),
                      SlotSet("screening_outcome", "continue")]
    assert sent(dispatcher) == [{"response": "utter_needs_review"}]
    assert lead_store.list_leads()[0].provisional_status == "needs_review"


def test_excluded_patient_is_counted_without_contact(make_tracker, dispatcher, domain, lead_store) -> None:
    consent(lead_store)
    tracker = make_tracker(slots={"consent": True, "age": 60, "crc_liver_mets": "yes", "prior_car_t": "yes"},
                           active_loop=None)
    events = run(ActionFinishScreening(), dispatcher, tracker, domain)
    assert events == [SlotSet("reference_code", slot_events(events)["reference_code"]),
                      SlotSet("screening_outcome", "screened_out")]
    assert sent(dispatcher) == [{"response": "utter_screened_out"}]
    [lead] = lead_store.list_leads()
    assert lead.provisional_status == "likely_ineligible" and lead.contact is None


def test_no_consent_stores_nothing(make_tracker, dispatcher, domain, lead_store) -> None:
    events = run(ActionFinishScreening(), dispatcher, make_tracker(slots={"consent": False}), domain)
    assert events == [SlotSet("screening_outcome", "declined"), SlotSet("erase_conversation", True)]
    assert sent(dispatcher) == [{"response": "utter_no_consent"}]
    assert lead_store.funnel()["consented"] == 0


def test_database_down_keeps_the_lead_and_writes_it_later(make_tracker, dispatcher, domain, lead_store,
                                                         monkeypatch) -> None:
    from actions import services
    from bot.leads.database import Database

    consent(lead_store)
    working = lead_store.database
    monkeypatch.setattr(lead_store, "database", Database("postgresql+psycopg2://x@127.0.0.1:9/none"))
    tracker = make_tracker(slots=ELIGIBLE | {"answer_log": LOG}, active_loop=None)
    finished = run(ActionFinishScreening(), dispatcher, tracker, domain)
    events = slot_events(finished)
    assert finished == [SlotSet("reference_code", events["reference_code"]), SlotSet("screening_outcome", "continue")]
    assert responses(dispatcher) == ["utter_saved_later", "utter_may_be_eligible"]
    contact = {"contact_ok": True, "contact_name": "Li Wei", "contact_phone": "+8613812345678",
               "contact_email": False, "contact_time": "mornings", "contact_confirmed": True,
               "reference_code": events["reference_code"]}
    dispatcher.messages.clear()
    assert run(ActionSubmitLead(), dispatcher, make_tracker(slots=contact, active_loop=None), domain) == []
    assert sent(dispatcher) == [{"response": "utter_lead_saved", "reference_code": events["reference_code"]}]
    assert len(services.spool().files()) == 2
    assert b"13812345678" not in b"".join(p.read_bytes() for p in services.spool().files())  # encrypted

    monkeypatch.setattr(lead_store, "database", working)  # the database is back
    assert services.spool().replay(lead_store) == 2 and services.spool().files() == []
    lead = lead_store.get_lead(events["reference_code"])
    assert lead.provisional_status == "likely_eligible" and lead.contact.name == "Li Wei"
    assert lead.answers[0]["patient_text"] == "forty"


def test_contact_details_are_read_back_then_stored(make_tracker, dispatcher, domain, lead_store) -> None:
    consent(lead_store)
    finish = make_tracker(slots=ELIGIBLE, active_loop=None)
    finished = run(ActionFinishScreening(), dispatcher, finish, domain)
    code = slot_events(finished)["reference_code"]
    assert finished == [SlotSet("reference_code", code), SlotSet("screening_outcome", "continue")]
    contact = {"contact_ok": True, "contact_name": "Li Wei", "contact_phone": "+8613812345678",
               "contact_email": False, "contact_time": "mornings"}
    dispatcher.messages.clear()
    assert run(ActionAskContactConfirmed(), dispatcher, make_tracker(slots=contact), domain) == []
    assert sent(dispatcher) == [{"response": "utter_contact_summary", "name": "Li Wei", "phone": "+8613812345678",
                                 "wechat": "(none)", "email": "(none)", "best_time": "mornings"}]
    tracker = make_tracker(slots=contact | {"contact_confirmed": True, "reference_code": code}, active_loop=None)
    dispatcher.messages.clear()
    assert run(ActionSubmitLead(), dispatcher, tracker, domain) == []
    assert sent(dispatcher) == [{"response": "utter_lead_saved", "reference_code": code}]
    lead = lead_store.get_lead(code)
    assert lead.contact.name == "Li Wei" and lead.contact.phone == "+8613812345678" and lead.contact.email is None


def test_contact_form_reads_and_refuses(make_tracker, dispatcher, domain) -> None:
    form = ValidateContactForm()
    tracker = make_tracker("<img src=x onerror=alert(1)>", active_loop="contact_form", slots={"contact_ok": True},
                           requested_slot="contact_name")
    # the contact form's slots are the domain's: Rasa's form, not the validation action, picks the next one
    assert run(form, dispatcher, tracker, domain) == [SlotSet("contact_name", None)]
    assert sent(dispatcher) == [{"response": "utter_invalid_contact_name"}]
    tracker = make_tracker("skip", slots={"contact_ok": True, "contact_name": "Li"}, active_loop="contact_form",
                           requested_slot="contact_phone")
    assert run(form, dispatcher, tracker, domain) == [SlotSet("contact_phone", False)]
    tracker = make_tracker("skip", active_loop="contact_form", requested_slot="contact_email",
                           slots={"contact_ok": True, "contact_name": "Li", "contact_phone": False,
                                  "contact_wechat": False})
    assert run(form, dispatcher, tracker, domain) == [  # no phone, WeChat or email: the phone is asked again
        SlotSet("contact_email", None), SlotSet("contact_wechat", None), SlotSet("contact_phone", None)]
    assert sent(dispatcher) == [{"response": "utter_invalid_contact_name"}, {"response": "utter_need_phone_or_email"}]


CONTACT_READ = {"contact_ok": True, "contact_name": "Li", "contact_phone": "+8613812345678", "contact_email": False,
                "contact_time": "mornings"}


@pytest.mark.parametrize("text", ["yes", "all good", "looks right", "perfect"])
def test_contact_details_confirmed(make_tracker, dispatcher, domain, text: str) -> None:
    tracker = make_tracker(text, "nlu_fallback", 0.3, active_loop="contact_form", slots=CONTACT_READ,
                           requested_slot="contact_confirmed")
    events = run(ValidateContactForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("contact_confirmed", True)]
    assert sent(dispatcher) == []


@pytest.mark.parametrize("text", ["no", "the phone number is wrong", "there's a typo", "not quite"])
def test_contact_details_to_correct_are_asked_again(make_tracker, dispatcher, domain, text: str) -> None:
    tracker = make_tracker(text, "nlu_fallback", 0.3, active_loop="contact_form", slots=CONTACT_READ,
                           requested_slot="contact_confirmed")
    events = run(ValidateContactForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("contact_confirmed", None), SlotSet("contact_name", None), SlotSet("contact_phone", None),
        SlotSet("contact_wechat", None), SlotSet("contact_email", None), SlotSet("contact_time", None),
    ]
    assert sent(dispatcher) == [{"response": "utter_contact_again"}]


def test_contact_declined_ends_the_form(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("no thanks", "deny", active_loop="contact_form", requested_slot="contact_ok")
    events = run(ValidateContactForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("contact_ok", False), SlotSet("requested_slot", None)]
    assert sent(dispatcher) == []


def test_withdrawal_deletes_everything(make_tracker, dispatcher, domain, lead_store) -> None:
    consent(lead_store)
    run(ActionFinishScreening(), dispatcher, make_tracker(slots=ELIGIBLE, active_loop=None), domain)
    misread = make_tracker("<script>alert(1)</script>", "withdraw", 0.5)
    dispatcher.messages.clear()
    assert run(ActionWithdraw(), dispatcher, misread, domain) == [FollowupAction("prescreen_form")]
    assert len(lead_store.list_leads()) == 1  # a misread message deletes nothing
    events = run(ActionWithdraw(), dispatcher, make_tracker("stop and delete my answers", "withdraw"), domain)
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None),
                      SlotSet("withdrawal_request", {"during": "prescreen_form", "asked": "", "reference_code": ""})]
    assert len(lead_store.list_leads()) == 1  # asked first: nothing irreversible on one message
    confirmed = make_tracker("/withdraw", "withdraw", active_loop=None, slots={
        "confirm_withdrawal": True, "withdrawal_request": {"during": "prescreen_form", "reference_code": ""}})
    events = run(ActionFinishWithdrawal(), dispatcher, confirmed, domain)
    assert events == [ActiveLoop(None), AllSlotsReset(), SlotSet("erase_conversation", True)]
    assert sent(dispatcher) == [{"response": "utter_default"}, {"response": "utter_withdrawn"}]
    assert lead_store.list_leads() == [] and lead_store.funnel()["consented"] == 0


def test_a_finished_patient_is_welcomed_back_not_asked_again(make_tracker, dispatcher, domain, lead_store) -> None:
    tracker = make_tracker("hi", "greet", slots={"screening_outcome": "continue", "reference_code": "PS-ABCDEF"},
                           active_loop=None)
    events = run(ActionStartPrescreen(), dispatcher, tracker, domain)
    assert events == [FollowupAction("action_listen")]
    assert lead_store.funnel()["started"] == 0
    fresh = make_tracker("hi", "greet", active_loop=None)
    assert run(ActionStartPrescreen(), dispatcher, fresh, domain) == []
    assert sent(dispatcher) == [{"response": "utter_welcome_back", "reference_code": "PS-ABCDEF"},
                                {"response": "utter_intro"}]
    assert lead_store.funnel()["started"] == 1


@pytest.mark.parametrize("email", ["", "prescreen@example.org"])
@pytest.mark.parametrize("code", [None, "PS-ABCDEF"])
def test_handoff_gives_the_study_team_phone_and_email(make_tracker, dispatcher, domain, monkeypatch, email: str,
                                                      code: str | None) -> None:
    monkeypatch.setenv("STUDY_CONTACT_PHONE", "+86 21 0000 0000")
    monkeypatch.setenv("STUDY_CONTACT_EMAIL", email)
    get_settings.cache_clear()
    tracker = make_tracker("can I talk to a person", "human_handoff", slots={"reference_code": code})
    assert run(ActionHandoff(), dispatcher, tracker, domain) == []
    get_settings.cache_clear()
    # the reference code, when there is one, is quoted: its response fills it from the slot
    quoting = "_quoting_code" if code else ""
    expected = {"response": f"utter_handoff{quoting}", "phone": "+86 21 0000 0000"}
    if email:
        expected = {"response": f"utter_handoff_with_email{quoting}", "phone": "+86 21 0000 0000", "email": email}
    assert sent(dispatcher) == [expected]


def test_location_gives_the_hospital_number(make_tracker, dispatcher, domain, monkeypatch) -> None:
    monkeypatch.setenv("STUDY_CONTACT_PHONE", "+86 21 0000 0000")
    get_settings.cache_clear()
    assert run(ActionAnswerLocation(), dispatcher, make_tracker("where is it?", "ask_location"), domain) == []
    get_settings.cache_clear()
    assert sent(dispatcher) == [{"response": "utter_location", "phone": "+86 21 0000 0000"}]


@pytest.mark.parametrize("text", ["我在江苏，要搬到上海住吗？", "do I have to move to Shanghai?"])
def test_a_question_about_living_in_shanghai_is_noted_not_answered_with_the_address(make_tracker, dispatcher,
                                                                                   domain, fixed_clock,
                                                                                   text: str) -> None:
    events = run(ActionAnswerLocation(), dispatcher, make_tracker(text, "ask_location"), domain)
    assert sent(dispatcher) == [{"response": "utter_study_team_will_tell_residence"}]
    note = {"topic": "residence", "text": clean_text(text), "at": fixed_clock, "during": ""}
    assert events == [SlotSet("side_questions", [note])]


def test_consent_version_hashes_the_wording_patients_read(tmp_path: Path) -> None:
    """The hospital's name moved into a slot: the version follows the words shown, not the template."""
    import yaml

    from actions.services import DOMAIN_FILE, consent_version

    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    assert "{study_site}" in domain["responses"]["utter_ask_consent"][-1]["text"]
    renamed = tmp_path / "domain.yml"
    domain["slots"]["study_site"]["initial_value"] = "Another Hospital"
    renamed.write_text(yaml.safe_dump(domain, allow_unicode=True), encoding="utf-8")
    assert consent_version(domain_file=renamed) != consent_version(domain_file=DOMAIN_FILE)
    assert consent_version("zh", domain_file=renamed) == consent_version("zh")  # the Chinese names its own slot
    # the wording of 2026-11-25: unchanged by moves, and by the Chinese variation added before it
    assert consent_version(domain_file=DOMAIN_FILE) == "consent-4d4209c4015b"
    assert consent_version("en") == "consent-4d4209c4015b"
    assert consent_version("zh").startswith("consent-") and consent_version("zh") != consent_version("en")
