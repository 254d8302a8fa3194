"""The offer to hear about other studies after the questions ruled the patient out: the form's answers,
the read-back, storing with the consent version, a kind no, and withdrawal with the reference code."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ActiveLoop, AllSlotsReset, FollowupAction, SlotSet

from actions.other_studies import (
    ActionAskOtherStudiesConfirmed,
    ActionAskOtherStudiesOk,
    ActionSubmitOtherStudies,
    ValidateOtherStudiesForm,
)
from actions.screening import ActionFinishScreening
from actions.withdrawal import ActionFinishWithdrawal, ActionWithdraw
from bot.leads.store import LeadStore
from bot.settings import get_settings
from bot.texts import other_studies_consent_version
from bot.trial.criteria import load_criteria
from tests.actions.conftest import run, sent, slot_events

CRITERIA = load_criteria()
FORM = "other_studies_form"
RULED_OUT = {c.id: c.meets for c in CRITERIA.checks if c.answer == "yes_no"} | {"age": 90, "consent": True}
CONFIRMED = {"other_studies_ok": True, "other_studies_name": "Li Wei", "other_studies_contact": "+8613812345678",
             "other_studies_confirmed": True, "screening_outcome": "screened_out"}


def screened_out(make_tracker, dispatcher, domain, store: LeadStore, sender: str = "test-conversation") -> str:
    """A conversation whose answers ruled the patient out, stored; returns the reference code."""
    store.start_screening(sender, "consent-test", CRITERIA.version)
    tracker = make_tracker(slots=RULED_OUT, active_loop=None, sender_id=sender)
    events = run(ActionFinishScreening(), dispatcher, tracker, domain)
    assert events == [SlotSet("reference_code", events[0]["value"]), SlotSet("screening_outcome", "screened_out")]
    dispatcher.messages.clear()
    return str(slot_events(events)["reference_code"])


def offer(make_tracker, text: str, intent: str | None = "inform", **slots):
    return make_tracker(text, intent, slots={"screening_outcome": "screened_out", **slots}, active_loop=FORM,
                        requested_slot="other_studies_ok")


@pytest.mark.parametrize(("text", "intent", "agreed"), [
    ("/affirm", "affirm", True), ("yes please", "affirm", True), ("好的，可以", "affirm", True),
    ("愿意", "nlu_fallback", True), ("yes, thank you", "thank", True), ("可以，谢谢", "thank", True),
    ("/deny", "deny", False), ("no thanks", "deny", False), ("不用了", "deny", False), ("算了", "inform", False),
    ("不愿意", "deny", False), ("不感兴趣", "inform", False),
])
def test_yes_or_no_to_the_offer(make_tracker, dispatcher, domain, lead_store, text, intent, agreed) -> None:
    events = run(ValidateOtherStudiesForm(), dispatcher, offer(make_tracker, text, intent), domain)
    # A no ends the form at once.
    assert events == [SlotSet("other_studies_ok", agreed)] + ([] if agreed else [SlotSet("requested_slot", None)])
    assert sent(dispatcher) == []


@pytest.mark.parametrize(("text", "intent"), [("not sure", "dont_know"), ("考虑一下", "inform")])
def test_not_sure_is_explained_and_asked_once_more_then_counts_as_no(make_tracker, dispatcher, domain, lead_store,
                                                                     text, intent) -> None:
    events = run(ValidateOtherStudiesForm(), dispatcher, offer(make_tracker, text, intent), domain)
    assert events == [SlotSet("other_studies_ok", None), SlotSet("other_studies_asked_again", True),
                      SlotSet("requested_slot", "other_studies_ok")]
    assert sent(dispatcher) == [{"response": "utter_other_studies_unsure"}]
    dispatcher.messages.clear()
    again = offer(make_tracker, "maybe", "dont_know", other_studies_asked_again=True)
    assert run(ActionAskOtherStudiesOk(), dispatcher, again, domain) == []
    assert sent(dispatcher) == [{"response": "utter_ask_other_studies_ok_again"}]  # the short question
    events = run(ValidateOtherStudiesForm(), dispatcher, again, domain)
    assert events == [SlotSet("other_studies_ok", False), SlotSet("requested_slot", None)]


def test_the_offer_names_the_retention_period(make_tracker, dispatcher, domain, lead_store) -> None:
    assert run(ActionAskOtherStudiesOk(), dispatcher, offer(make_tracker, ""), domain) == []
    assert sent(dispatcher) == [{"response": "utter_ask_other_studies_ok",
                                 "retention_days": get_settings().retention_days}]


@pytest.mark.parametrize(("text", "intent"), [("bye", "goodbye"), ("ok thank you", "thank"), ("好的，谢谢你", "thank")])
def test_thanks_or_goodbye_at_the_offer_is_a_kind_no(make_tracker, dispatcher, domain, lead_store, text,
                                                     intent) -> None:
    """A consent needs a yes: "ok thank you" after hearing the study does not suit closes the conversation."""
    events = run(ValidateOtherStudiesForm(), dispatcher, offer(make_tracker, text, intent), domain)
    assert events == [SlotSet("other_studies_ok", False), SlotSet("requested_slot", None)]
    assert sent(dispatcher) == []  # the goodbye is action_submit_other_studies' own


def test_a_question_about_the_offer_is_answered_and_the_offer_made_again(make_tracker, dispatcher, domain,
                                                                         lead_store) -> None:
    tracker = offer(make_tracker, "what would you keep?", "nlu_fallback")
    events = run(ValidateOtherStudiesForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("other_studies_ok", None), SlotSet("other_studies_asked_again", True),
                      SlotSet("requested_slot", "other_studies_ok")]
    assert sent(dispatcher) == [{"response": "utter_other_studies_unsure"}]


def test_something_unreadable_at_the_offer_is_asked_again_once(make_tracker, dispatcher, domain, lead_store) -> None:
    events = run(ValidateOtherStudiesForm(), dispatcher, offer(make_tracker, "purple", "nlu_fallback"), domain)
    assert events == [SlotSet("other_studies_ok", None), SlotSet("other_studies_asked_again", True),
                      SlotSet("requested_slot", "other_studies_ok")]
    assert sent(dispatcher) == [{"response": "utter_invalid_contact_ok"}]


def test_why_at_the_offer_says_why_the_patient_was_ruled_out(make_tracker, dispatcher, domain, lead_store) -> None:
    tracker = offer(make_tracker, "why not me", "nlu_fallback", **RULED_OUT)
    events = run(ValidateOtherStudiesForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("other_studies_ok", None), SlotSet("requested_slot", "other_studies_ok")]  # not "again"
    assert sent(dispatcher) == [{"response": "utter_explain_rule_out", "reasons": CRITERIA.check("age").why}]


def test_a_correction_of_the_ruling_answer_leaves_the_offer_for_the_questions(make_tracker, dispatcher, domain,
                                                                               lead_store) -> None:
    screened_out(make_tracker, dispatcher, domain, lead_store)
    tracker = offer(make_tracker, "sorry, I meant 60", "inform", **RULED_OUT)
    events = run(ValidateOtherStudiesForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("confirm_exclusion", None), SlotSet("screening_outcome", None), SlotSet("age", 60),
        SlotSet("answer_log", {"age": {"text": "sorry, I meant 60", "value": "60",
                                       "how": "corrected ('i meant'): read age 60"}}),
        FollowupAction("prescreen_form"), SlotSet("requested_slot", None), ActiveLoop(None)]
    assert sent(dispatcher) == [{"response": "utter_correction_applied"}]


@pytest.mark.parametrize(("slot", "text", "expected"), [
    ("other_studies_name", "my name is Li Wei", "Li Wei"),
    ("other_studies_name", "我叫王建国", "王建国"),
    ("other_studies_contact", "138 1234 5678", "+8613812345678"),
    ("other_studies_contact", "my email is Li.Wei@Example.com", "Li.Wei@example.com"),
])
def test_name_and_phone_or_email_are_read(make_tracker, dispatcher, domain, lead_store, slot, text, expected) -> None:
    language = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) or slot == "other_studies_contact" else "en"
    tracker = make_tracker(text, "inform", slots={"other_studies_ok": True, "language": language},
                           active_loop=FORM, requested_slot=slot)
    events = run(ValidateOtherStudiesForm(), dispatcher, tracker, domain)
    assert events == [SlotSet(slot, expected)]
    assert sent(dispatcher) == []


def test_something_unreadable_is_asked_again(make_tracker, dispatcher, domain, lead_store) -> None:
    tracker = make_tracker("tomorrow", "inform", slots={"other_studies_ok": True, "other_studies_name": "Li Wei"},
                           active_loop=FORM, requested_slot="other_studies_contact")
    events = run(ValidateOtherStudiesForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("other_studies_contact", None)]
    assert sent(dispatcher) == [{"response": "utter_invalid_other_studies_contact"}]


@pytest.mark.parametrize("text", ["no thanks", "skip", "不用了"])
def test_changing_ones_mind_at_the_phone_keeps_nothing(make_tracker, dispatcher, domain, lead_store, text) -> None:
    tracker = make_tracker(text, "deny", slots={"other_studies_ok": True, "other_studies_name": "Li Wei"},
                           active_loop=FORM, requested_slot="other_studies_contact")
    events = run(ValidateOtherStudiesForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("other_studies_contact", None), SlotSet("other_studies_ok", False),
                      SlotSet("other_studies_name", None), SlotSet("other_studies_confirmed", None),
                      SlotSet("requested_slot", None)]
    assert sent(dispatcher) == []  # the goodbye is action_submit_other_studies' own


def test_the_details_are_read_back_and_a_no_asks_them_again(make_tracker, dispatcher, domain, lead_store) -> None:
    slots = {**CONFIRMED, "other_studies_confirmed": None}
    assert run(ActionAskOtherStudiesConfirmed(), dispatcher, make_tracker(slots=slots, active_loop=FORM), domain) == []
    assert sent(dispatcher) == [{"response": "utter_other_studies_summary", "name": "Li Wei",
                                 "contact": "+8613812345678"}]
    dispatcher.messages.clear()
    tracker = make_tracker("no, the phone is wrong", "deny", slots=slots, active_loop=FORM,
                           requested_slot="other_studies_confirmed")
    events = run(ValidateOtherStudiesForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("other_studies_confirmed", None), SlotSet("other_studies_name", None),
                      SlotSet("other_studies_contact", None)]  # Rasa's form asks the name again
    assert sent(dispatcher) == [{"response": "utter_contact_again"}]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_confirmed_details_are_stored_with_the_consent_version(make_tracker, dispatcher, domain, lead_store,
                                                               language) -> None:
    code = screened_out(make_tracker, dispatcher, domain, lead_store)
    tracker = make_tracker(slots={**CONFIRMED, "reference_code": code, "language": language}, active_loop=None)
    assert run(ActionSubmitOtherStudies(), dispatcher, tracker, domain) == []
    assert sent(dispatcher) == [{"response": "utter_other_studies_saved", "reference_code": code,
                                 "retention_days": get_settings().retention_days}]
    [entry] = lead_store.other_studies_contacts()
    assert (entry.reference_code, entry.name, entry.phone, entry.email) == (code, "Li Wei", "+8613812345678", None)
    assert entry.language == language and entry.consent_version == other_studies_consent_version(language)
    assert lead_store.get_lead(code).contact is None  # not a lead's contact: a list of its own


def test_an_email_is_stored_as_an_email(make_tracker, dispatcher, domain, lead_store) -> None:
    code = screened_out(make_tracker, dispatcher, domain, lead_store)
    slots = {**CONFIRMED, "other_studies_contact": "li@example.com", "reference_code": code}
    assert run(ActionSubmitOtherStudies(), dispatcher, make_tracker(slots=slots, active_loop=None), domain) == []
    [entry] = lead_store.other_studies_contacts()
    assert (entry.phone, entry.email) == (None, "li@example.com")


def test_a_no_stores_nothing_and_says_goodbye(make_tracker, dispatcher, domain, lead_store) -> None:
    screened_out(make_tracker, dispatcher, domain, lead_store)
    tracker = make_tracker(slots={"other_studies_ok": False, "screening_outcome": "screened_out"}, active_loop=None)
    assert run(ActionSubmitOtherStudies(), dispatcher, tracker, domain) == []
    assert sent(dispatcher) == [{"response": "utter_other_studies_declined"}]
    assert lead_store.other_studies_contacts() == []


def test_not_offered_when_switched_off(make_tracker, dispatcher, domain, lead_store, monkeypatch) -> None:
    import asyncio

    monkeypatch.setenv("OFFER_OTHER_STUDIES", "0")
    get_settings.cache_clear()
    required = asyncio.run(ValidateOtherStudiesForm().required_slots([], dispatcher, offer(make_tracker, ""), domain))
    get_settings.cache_clear()
    assert required == []


@pytest.mark.parametrize("with_code", [False, True])
def test_withdrawal_erases_the_entry_and_says_so(make_tracker, dispatcher, domain, lead_store, with_code) -> None:
    """ "delete my data" in the same conversation, or with the reference code from another one."""
    code = screened_out(make_tracker, dispatcher, domain, lead_store, sender="first")
    tracker = make_tracker(slots={**CONFIRMED, "reference_code": code}, active_loop=None, sender_id="first")
    assert run(ActionSubmitOtherStudies(), dispatcher, tracker, domain) == []
    dispatcher.messages.clear()
    text, sender = (f"please delete my data {code}", "later") if with_code else ("delete my data", "first")
    asked = run(ActionWithdraw(), dispatcher, make_tracker(text, "withdraw", active_loop=None, sender_id=sender),
                domain)
    request = {"during": "", "asked": "", "reference_code": code if with_code else ""}
    assert asked == [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("withdrawal_request", request)]
    assert sent(dispatcher) == []
    confirmed = make_tracker("是", "affirm", active_loop=None, sender_id=sender,
                             slots={"confirm_withdrawal": True, "withdrawal_request": request})
    events = run(ActionFinishWithdrawal(), dispatcher, confirmed, domain)
    assert events == [ActiveLoop(None), AllSlotsReset(), SlotSet("erase_conversation", True)]
    assert sent(dispatcher) == [{"response": "utter_withdrawn"}, {"response": "utter_other_studies_withdrawn"}]
    assert lead_store.other_studies_contacts() == [] and lead_store.list_leads() == []


def test_withdrawal_without_an_entry_says_nothing_of_other_studies(make_tracker, dispatcher, domain,
                                                                   lead_store) -> None:
    screened_out(make_tracker, dispatcher, domain, lead_store)
    confirmed = make_tracker("yes", "affirm", active_loop=None,
                             slots={"confirm_withdrawal": True, "withdrawal_request": {"during": ""}})
    assert run(ActionFinishWithdrawal(), dispatcher, confirmed, domain) == [
        ActiveLoop(None), AllSlotsReset(), SlotSet("erase_conversation", True)]
    assert sent(dispatcher) == [{"response": "utter_withdrawn"}]


@pytest.mark.parametrize(("text", "language", "contact"), [
    ("li.wei@example.com", "en", "li.wei@example.com"),
    ("you can email me at li.wei@example.com", "en", "li.wei@example.com"),
    ("13812345678", "zh", "+8613812345678"),
    ("可以，电话 138 1234 5678", "zh", "+8613812345678"),
])
def test_a_contact_typed_at_the_offer_is_a_yes_read_back_before_it_is_kept(make_tracker, dispatcher, domain,
                                                                            lead_store, text, language,
                                                                            contact) -> None:
    """Typed in answer to "may we keep your name and a phone number or e-mail?": yes, and here it is. The
    name is asked next, then the details are read back; nothing is stored before the patient confirms."""
    events = run(ValidateOtherStudiesForm(), dispatcher, offer(make_tracker, text, "inform", language=language),
                 domain)
    assert events == [SlotSet("other_studies_ok", True), SlotSet("other_studies_contact", contact)]
    assert sent(dispatcher) == [{"response": "utter_contact_typed_read_back_later"}]
    assert lead_store.other_studies_contacts() == []


@pytest.mark.parametrize(("text", "language", "name", "contact"), [
    ("Margaret Hill, mhill@outlook.com", "en", "Margaret Hill", "mhill@outlook.com"),  # v_offer_name_and_email
    ("张美华 13812345678", "zh", "张美华", "+8613812345678"),
])
def test_a_name_and_a_contact_typed_at_the_offer_go_to_the_read_back(make_tracker, dispatcher, domain, lead_store,
                                                                     text, language, name, contact) -> None:
    events = run(ValidateOtherStudiesForm(), dispatcher, offer(make_tracker, text, "inform", language=language),
                 domain)
    assert events == [SlotSet("other_studies_ok", True), SlotSet("other_studies_name", name),
                      SlotSet("other_studies_contact", contact)]
    assert sent(dispatcher) == [{"response": "utter_contact_typed_read_back_later"}]
    assert lead_store.other_studies_contacts() == []


@pytest.mark.parametrize("text", ["no actually don't keep it", "算了，不要保存了"])
def test_taking_the_permission_back_at_the_read_back_keeps_nothing(make_tracker, dispatcher, domain, lead_store,
                                                                   text) -> None:
    """v_offer_email_then_no: not "let's go through your details again", but nothing kept."""
    slots = {**CONFIRMED, "other_studies_confirmed": None}
    tracker = make_tracker(text, "deny", slots=slots, active_loop=FORM, requested_slot="other_studies_confirmed")
    events = run(ValidateOtherStudiesForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("other_studies_confirmed", None), SlotSet("other_studies_ok", False),
                      SlotSet("other_studies_name", None), SlotSet("other_studies_contact", None),
                      SlotSet("requested_slot", None)]
    assert sent(dispatcher) == []  # the goodbye is action_submit_other_studies' own
