"""Finishing, storing, contact details, withdrawal: actions against a real lead store."""

from __future__ import annotations

from actions.contact_form import ActionAskContactConfirmed, ValidateContactForm
from actions.screening import ActionFinishScreening, ActionSubmitLead, ActionWithdraw
from bot.leads.store import LeadStore
from bot.trial.criteria import load_criteria
from tests.actions.conftest import responses, run, slot_events

CRITERIA = load_criteria()
ELIGIBLE = {c.id: c.meets for c in CRITERIA.checks if c.answer == "yes_no"} | {"age": 40, "consent": True}
LOG = {"age": {"text": "forty", "value": "40", "how": "read age 40"}}


def consent(store: LeadStore, sender: str = "test-conversation") -> None:
    store.start_screening(sender, "consent-test", CRITERIA.version)


def test_eligible_patient_is_stored_and_asked_for_contact(make_tracker, dispatcher, domain, lead_store) -> None:
    consent(lead_store)
    tracker = make_tracker(slots=ELIGIBLE | {"answer_log": LOG}, active_loop=None)
    events = slot_events(run(ActionFinishScreening(), dispatcher, tracker, domain))
    assert events["screening_outcome"] == "continue" and events["reference_code"].startswith("PS-")
    assert responses(dispatcher) == ["utter_may_be_eligible"]
    [lead] = lead_store.list_leads()
    assert lead.provisional_status == "likely_eligible" and lead.answers[0]["patient_text"] == "forty"


def test_unsure_ctdna_needs_review(make_tracker, dispatcher, domain, lead_store) -> None:
    consent(lead_store)
    tracker = make_tracker(slots=ELIGIBLE | {"ctdna_positive": "unsure"}, active_loop=None)
    run(ActionFinishScreening(), dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_needs_review"]
    assert lead_store.list_leads()[0].provisional_status == "needs_review"


def test_excluded_patient_is_counted_without_contact(make_tracker, dispatcher, domain, lead_store) -> None:
    consent(lead_store)
    tracker = make_tracker(slots={"consent": True, "age": 60, "crc_liver_mets": "yes", "prior_car_t": "yes"},
                           active_loop=None)
    events = slot_events(run(ActionFinishScreening(), dispatcher, tracker, domain))
    assert events["screening_outcome"] == "screened_out"
    assert responses(dispatcher) == ["utter_screened_out"]
    [lead] = lead_store.list_leads()
    assert lead.provisional_status == "likely_ineligible" and lead.contact is None


def test_no_consent_stores_nothing(make_tracker, dispatcher, domain, lead_store) -> None:
    events = slot_events(run(ActionFinishScreening(), dispatcher, make_tracker(slots={"consent": False}), domain))
    assert events == {"screening_outcome": "declined", "erase_conversation": True}
    assert responses(dispatcher) == ["utter_no_consent"]
    assert lead_store.funnel()["consented"] == 0


def test_database_down_keeps_the_lead_and_writes_it_later(make_tracker, dispatcher, domain, lead_store,
                                                         monkeypatch) -> None:
    from actions import services
    from bot.leads.database import Database

    consent(lead_store)
    working = lead_store.database
    monkeypatch.setattr(lead_store, "database", Database("postgresql+psycopg2://x@127.0.0.1:9/none"))
    tracker = make_tracker(slots=ELIGIBLE | {"answer_log": LOG}, active_loop=None)
    events = slot_events(run(ActionFinishScreening(), dispatcher, tracker, domain))
    assert events["screening_outcome"] == "continue"
    assert responses(dispatcher) == ["utter_saved_later", "utter_may_be_eligible"]
    contact = {"contact_ok": True, "contact_name": "Li Wei", "contact_phone": "+8613812345678",
               "contact_email": False, "contact_time": "mornings", "contact_confirmed": True,
               "reference_code": events["reference_code"]}
    run(ActionSubmitLead(), dispatcher, make_tracker(slots=contact, active_loop=None), domain)
    assert responses(dispatcher)[-1] == "utter_lead_saved"
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
    code = slot_events(run(ActionFinishScreening(), dispatcher, finish, domain))["reference_code"]
    contact = {"contact_ok": True, "contact_name": "Li Wei", "contact_phone": "+8613812345678",
               "contact_email": False, "contact_time": "mornings"}
    run(ActionAskContactConfirmed(), dispatcher, make_tracker(slots=contact), domain)
    assert "Name: Li Wei" in dispatcher.messages[-1]["text"] and "Email: (none)" in dispatcher.messages[-1]["text"]
    tracker = make_tracker(slots=contact | {"contact_confirmed": True, "reference_code": code}, active_loop=None)
    run(ActionSubmitLead(), dispatcher, tracker, domain)
    assert dispatcher.messages[-1]["response"] == "utter_lead_saved"
    assert dispatcher.messages[-1]["reference_code"] == code
    lead = lead_store.get_lead(code)
    assert lead.contact.name == "Li Wei" and lead.contact.phone == "+8613812345678" and lead.contact.email is None


def test_contact_form_reads_and_refuses(make_tracker, dispatcher, domain) -> None:
    form = ValidateContactForm()
    events = slot_events(run(form, dispatcher, make_tracker("<img src=x onerror=alert(1)>", active_loop="contact_form",
                                                            slots={"contact_ok": True}, requested_slot="contact_name"),
                             domain))
    assert events["contact_name"] is None and responses(dispatcher) == ["utter_invalid_contact_name"]
    events = slot_events(run(form, dispatcher, make_tracker("skip", slots={"contact_ok": True, "contact_name": "Li"},
                                                            active_loop="contact_form", requested_slot="contact_phone"),
                             domain))
    assert events["contact_phone"] is False
    events = slot_events(run(form, dispatcher, make_tracker("skip", active_loop="contact_form",
                                                            slots={"contact_ok": True, "contact_name": "Li",
                                                                   "contact_phone": False},
                                                            requested_slot="contact_email"), domain))
    assert events["contact_email"] is None and events["contact_phone"] is None  # so the phone is asked again
    assert responses(dispatcher)[-1] == "utter_need_phone_or_email"


def test_contact_declined_ends_the_form(make_tracker, dispatcher, domain) -> None:
    events = slot_events(run(ValidateContactForm(), dispatcher,
                             make_tracker("no thanks", "deny", active_loop="contact_form", requested_slot="contact_ok"),
                             domain))
    assert events["contact_ok"] is False


def test_withdrawal_deletes_everything(make_tracker, dispatcher, domain, lead_store) -> None:
    consent(lead_store)
    run(ActionFinishScreening(), dispatcher, make_tracker(slots=ELIGIBLE, active_loop=None), domain)
    misread = make_tracker("<script>alert(1)</script>", "withdraw", 0.5)
    assert run(ActionWithdraw(), dispatcher, misread, domain) == [
        {"event": "followup", "timestamp": None, "name": "prescreen_form"}]
    assert len(lead_store.list_leads()) == 1  # a misread message deletes nothing
    events = run(ActionWithdraw(), dispatcher, make_tracker("stop and delete my answers", "withdraw"), domain)
    assert [e["event"] for e in events] == ["active_loop", "reset_slots", "slot"]
    assert slot_events(events) == {"erase_conversation": True}
    assert responses(dispatcher)[-1] == "utter_withdrawn"
    assert lead_store.list_leads() == [] and lead_store.funnel()["consented"] == 0


def test_a_finished_patient_is_welcomed_back_not_asked_again(make_tracker, dispatcher, domain, lead_store) -> None:
    from actions.screening import ActionStartPrescreen

    tracker = make_tracker("hi", "greet", slots={"screening_outcome": "continue", "reference_code": "PS-ABCDEF"},
                           active_loop=None)
    events = run(ActionStartPrescreen(), dispatcher, tracker, domain)
    assert events == [{"event": "followup", "timestamp": None, "name": "action_listen"}]
    assert dispatcher.messages[0]["response"] == "utter_welcome_back"
    assert lead_store.funnel()["started"] == 0
    fresh = make_tracker("hi", "greet", active_loop=None)
    assert run(ActionStartPrescreen(), dispatcher, fresh, domain) == []
    assert lead_store.funnel()["started"] == 1
