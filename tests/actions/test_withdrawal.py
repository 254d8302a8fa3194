"""Stop and delete: asked in one message, confirmed in one tap or word, erased only then; anything else keeps
everything and carries on with the open question. A question about stopping chemotherapy is not a withdrawal.

Each test asserts the full list of events returned and the messages sent.
"""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import ActiveLoop, AllSlotsReset, FollowupAction, SlotSet

from actions.prescreen_form import ValidatePrescreenForm
from actions.withdrawal import ActionFinishWithdrawal, ActionWithdraw, ValidateWithdrawalForm
from bot.reading.text import clean_text
from bot.trial.criteria import load_criteria
from tests.actions.conftest import NOW, run, sent

CRITERIA = load_criteria()
FOUR_ANSWERS = {"consent": True, "age": 60, "crc_liver_mets": "yes", "primary_resected": "yes",
                "liver_mets_resected": "yes"}
DURING_FORM = {"during": "prescreen_form", "reference_code": ""}


def started(store, sender: str = "test-conversation") -> None:
    store.start_screening(sender, "consent-test", CRITERIA.version)


def test_asking_to_stop_asks_first_and_erases_nothing(make_tracker, dispatcher, domain, lead_store) -> None:
    started(lead_store)
    tracker = make_tracker("I want to stop", "withdraw", slots=FOUR_ANSWERS, requested_slot="residual_disease")
    events = run(ActionWithdraw(), dispatcher, tracker, domain)
    request = {**DURING_FORM, "asked": "residual_disease"}  # the open question, to read an answer typed instead
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("withdrawal_request", request)]
    assert sent(dispatcher) == []  # withdrawal_form asks: utter_ask_confirm_withdrawal
    assert lead_store.funnel()["consented"] == 1


def test_the_confirmation_has_two_buttons_in_both_languages(domain) -> None:
    for variation in domain["responses"]["utter_ask_confirm_withdrawal"]:
        assert [b["payload"] for b in variation["buttons"]] == ["/withdraw", "/deny"]


@pytest.mark.parametrize(("text", "intent", "confirmed"), [
    ("/withdraw", "withdraw", True),  # [Yes, delete it]
    ("是", "affirm", True),
    ("确定", "affirm", True),
    ("删吧", "withdraw", True),
    ("yes delete", "affirm", True),
    ("yes", "affirm", True),
    ("/deny", "deny", False),  # [No, carry on]
    ("no", "deny", False),
    ("不要删", "deny", False),
    ("don't delete anything", "withdraw", False),
    ("carry on", "inform", False),
    ("继续", "inform", False),
    ("yes?", "affirm", False),
    ("how long does the study last?", "ask_study", False),
    ("asdf", "out_of_scope", False),
])
def test_the_confirmation_reads_yes_or_keeps_everything(make_tracker, dispatcher, domain, text, intent,
                                                        confirmed) -> None:
    tracker = make_tracker(text, intent, slots={"withdrawal_request": DURING_FORM},
                           requested_slot="confirm_withdrawal", active_loop="withdrawal_form")
    events = run(ValidateWithdrawalForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("confirm_withdrawal", confirmed)]  # filled: the form ends, never asks twice
    assert sent(dispatcher) == []


def test_the_form_asks_when_it_opens_whatever_the_request_said(make_tracker, dispatcher, domain) -> None:
    """On activation, in the turn of "I want to stop", a slot emptied in that turn is validated by rasa-sdk: it
    must stay empty, so that the confirmation is asked, not answered by the request itself."""
    from rasa_sdk import Tracker

    events = [{"event": "user", "text": "I want to stop"},
              {"event": "slot", "name": "confirm_withdrawal", "value": None}]
    tracker = make_tracker("I want to stop", "withdraw", slots={"withdrawal_request": DURING_FORM},
                           requested_slot=None, active_loop="withdrawal_form")
    tracker = Tracker(tracker.sender_id, tracker.slots, tracker.latest_message, events, False, None,
                      tracker.active_loop, "action_listen")
    assert run(ValidateWithdrawalForm(), dispatcher, tracker, domain) == [SlotSet("confirm_withdrawal", None)]
    assert sent(dispatcher) == []


def test_yes_erases_everything(make_tracker, dispatcher, domain, lead_store) -> None:
    started(lead_store)
    tracker = make_tracker("是", "affirm", active_loop=None, slots={
        **FOUR_ANSWERS, "confirm_withdrawal": True, "withdrawal_request": DURING_FORM, "language": "zh"})
    events = run(ActionFinishWithdrawal(), dispatcher, tracker, domain)
    assert events == [ActiveLoop(None), AllSlotsReset(), SlotSet("erase_conversation", True),
                      SlotSet("language", "zh")]
    assert sent(dispatcher) == [{"response": "utter_withdrawn"}]
    assert lead_store.funnel()["consented"] == 0


def test_anything_else_carries_on_with_the_open_question(make_tracker, dispatcher, domain, lead_store) -> None:
    started(lead_store)
    tracker = make_tracker("No, carry on", "deny", active_loop=None, slots={
        **FOUR_ANSWERS, "confirm_withdrawal": False, "withdrawal_request": DURING_FORM})
    events = run(ActionFinishWithdrawal(), dispatcher, tracker, domain)
    assert events == [SlotSet("confirm_withdrawal", None), SlotSet("withdrawal_request", None),
                      FollowupAction("prescreen_form")]
    assert sent(dispatcher) == [{"response": "utter_withdrawal_cancelled"}]
    assert lead_store.funnel()["consented"] == 1


def test_the_form_comes_back_to_the_open_question_with_nothing_lost(make_tracker, dispatcher, domain) -> None:
    """After "no, carry on" the form reopens with no requested slot: the message is not taken as an answer."""
    tracker = make_tracker("no", "deny", slots=FOUR_ANSWERS, requested_slot=None)
    events = asyncio.run(ValidatePrescreenForm().run(dispatcher, tracker, domain))
    assert events == [SlotSet("requested_slot", "residual_disease")]
    assert sent(dispatcher) == []


def test_a_side_question_at_the_confirmation_is_answered_then_back(make_tracker, dispatcher, domain,
                                                                  fixed_clock) -> None:
    tracker = make_tracker("how long does the study last?", "ask_study", active_loop=None, slots={
        **FOUR_ANSWERS, "confirm_withdrawal": False, "withdrawal_request": DURING_FORM})
    events = run(ActionFinishWithdrawal(), dispatcher, tracker, domain)
    note = {"topic": "duration", "text": "how long does the study last?", "at": NOW, "during": ""}
    assert events == [SlotSet("confirm_withdrawal", None), SlotSet("withdrawal_request", None),
                      SlotSet("side_questions", [note]), FollowupAction("prescreen_form")]
    assert sent(dispatcher) == [{"response": "utter_withdrawal_cancelled"},
                                {"response": "utter_study_team_will_tell_duration"}]


def test_an_intent_side_question_at_the_confirmation_reopens_the_form_after_its_answer(
    make_tracker, dispatcher, domain
) -> None:
    tracker = make_tracker("what is CAR-T?", "ask_car_t", active_loop=None, slots={
        **FOUR_ANSWERS, "confirm_withdrawal": False, "withdrawal_request": DURING_FORM})
    events = run(ActionFinishWithdrawal(), dispatcher, tracker, domain)
    assert events == [SlotSet("confirm_withdrawal", None), SlotSet("withdrawal_request", None),
                      ActiveLoop("prescreen_form"), FollowupAction("utter_car_t")]
    assert sent(dispatcher) == [{"response": "utter_withdrawal_cancelled"}]


def test_outside_the_forms_no_means_nothing_more(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("/deny", "deny", active_loop=None,
                           slots={"confirm_withdrawal": False, "withdrawal_request": {"during": ""}})
    events = run(ActionFinishWithdrawal(), dispatcher, tracker, domain)
    assert events == [SlotSet("confirm_withdrawal", None), SlotSet("withdrawal_request", None)]
    assert sent(dispatcher) == [{"response": "utter_withdrawal_cancelled"}]


@pytest.mark.parametrize("text", [
    "would i have to stop my chemo tablets to do this?",
    "参加这个要停掉化疗吗？",
    "要停药吗",
])
def test_stopping_chemotherapy_is_a_question_for_the_study_team(make_tracker, dispatcher, domain, fixed_clock,
                                                               text) -> None:
    """In the form (the NLU may say withdraw): answered as a question, nothing erased, the same question again."""
    tracker = make_tracker(text, "withdraw", slots=FOUR_ANSWERS, requested_slot="residual_disease")
    events = asyncio.run(ValidatePrescreenForm().run(dispatcher, tracker, domain))
    note = {"topic": "treatment", "text": clean_text(text), "at": NOW, "during": "residual_disease"}
    assert events == [SlotSet("side_questions", [note]), SlotSet("requested_slot", "residual_disease")]
    assert sent(dispatcher) == [{"response": "utter_study_team_will_tell_treatment"}]


def test_stopping_chemotherapy_outside_the_forms_is_answered_too(make_tracker, dispatcher, domain,
                                                                fixed_clock) -> None:
    tracker = make_tracker("do I need to stop my chemo to join?", "withdraw", active_loop=None)
    events = run(ActionWithdraw(), dispatcher, tracker, domain)
    note = {"topic": "treatment", "text": "do I need to stop my chemo to join?", "at": NOW, "during": ""}
    assert events == [SlotSet("side_questions", [note]), FollowupAction("action_listen")]
    assert sent(dispatcher) == [{"response": "utter_study_team_will_tell_treatment"}]


@pytest.mark.parametrize("text", ["不想弄了", "不想继续了", "唔想做喇",
                                  "actually I'd rather not go on, please bin what I've told you"])
def test_a_wish_to_stop_the_nlu_took_for_an_answer_asks_the_confirmation(make_tracker, dispatcher, domain,
                                                                        lead_store, text) -> None:
    """vz_withdraw_carry_on, vz_withdraw_then_answer, v_withdraw_british: the form stops, withdrawal_form asks."""
    started(lead_store)
    tracker = make_tracker(text, "deny", slots=FOUR_ANSWERS, requested_slot="residual_disease")
    events = asyncio.run(ValidatePrescreenForm().run(dispatcher, tracker, domain))
    request = {**DURING_FORM, "asked": "residual_disease"}
    assert events == [SlotSet("withdrawal_request", request), SlotSet("requested_slot", None),
                      FollowupAction("withdrawal_form")]
    assert sent(dispatcher) == []
    assert lead_store.funnel()["consented"] == 1  # asked first: nothing erased on one message


@pytest.mark.parametrize("text", ["不想做化疗", "I don't want to go on chemo", "不想再住院"])
def test_not_wanting_a_treatment_is_no_withdrawal(make_tracker, dispatcher, domain, text) -> None:
    tracker = make_tracker(text, "deny", slots=FOUR_ANSWERS, requested_slot="residual_disease")
    events = asyncio.run(ValidatePrescreenForm().run(dispatcher, tracker, domain))
    assert FollowupAction("withdrawal_form") not in events
    assert not any(event.get("name") == "withdrawal_request" for event in events)


@pytest.mark.parametrize(("text", "slot", "value"), [
    ("hmm wait, it was positive", "ctdna_positive", "yes"),  # v_withdraw_then_answer
    ("哦不对 没有别的癌", "other_cancer", "no"),  # vz_withdraw_then_answer
])
def test_an_answer_typed_at_the_confirmation_answers_the_open_question(make_tracker, dispatcher, domain, text,
                                                                       slot, value) -> None:
    request = {**DURING_FORM, "asked": slot}
    tracker = make_tracker(text, "inform", active_loop=None, slots={
        **FOUR_ANSWERS, "confirm_withdrawal": False, "withdrawal_request": request})
    events = run(ActionFinishWithdrawal(), dispatcher, tracker, domain)
    assert events[:3] == [SlotSet("confirm_withdrawal", None), SlotSet("withdrawal_request", None),
                          SlotSet(slot, value)]
    log = events[3]
    assert log.get("name") == "answer_log" and log["value"][slot]["value"] == value
    assert log["value"][slot]["text"] == text
    assert events[4:] == [FollowupAction("prescreen_form")]
    assert sent(dispatcher) == [{"response": "utter_withdrawal_cancelled"}]


@pytest.mark.parametrize("text", ["不是，继续吧", "no, keep them", "no"])
def test_declining_alone_answers_nothing(make_tracker, dispatcher, domain, text) -> None:
    tracker = make_tracker(text, "deny", active_loop=None, slots={
        **FOUR_ANSWERS, "confirm_withdrawal": False,
        "withdrawal_request": {**DURING_FORM, "asked": "residual_disease"}})
    events = run(ActionFinishWithdrawal(), dispatcher, tracker, domain)
    assert events == [SlotSet("confirm_withdrawal", None), SlotSet("withdrawal_request", None),
                      FollowupAction("prescreen_form")]


def test_the_form_reopening_after_carry_on_keeps_the_answer_log(make_tracker, dispatcher, domain) -> None:
    """Rasa validates every earlier answer again when the form reopens after "不是，继续吧": each keeps the words the
    patient answered it with, not the reply to the confirmation."""
    from rasa_sdk import Tracker

    log = {"age": {"text": "60", "value": "60", "how": "read age 60"},
           "crc_liver_mets": {"text": "yes", "value": "yes", "how": "'yes'"}}
    slots = {"consent": True, "age": 60, "crc_liver_mets": "yes", "answer_log": log}
    base = make_tracker("不是，继续吧", "deny", slots=slots, requested_slot=None)
    events = [{"event": "user", "text": "不是，继续吧"}, {"event": "action", "name": "prescreen_form"},
              *({"event": "slot", "name": name, "value": value} for name, value in slots.items()
                if name != "answer_log")]
    tracker = Tracker(base.sender_id, base.slots, base.latest_message, events, False, None, base.active_loop,
                      "prescreen_form")
    events = asyncio.run(ValidatePrescreenForm().run(dispatcher, tracker, domain))
    assert events == [SlotSet("consent", True), SlotSet("age", 60), SlotSet("crc_liver_mets", "yes"),
                      SlotSet("requested_slot", "primary_resected")]
    assert sent(dispatcher) == []
