"""Start over: asked in one message, confirmed in one tap or word, cleared only then; anything else keeps
everything and carries on with the open question, in every form and outside them, in both languages.

Each test asserts the full list of events returned and the messages sent.
"""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, FollowupAction, SlotSet

from actions.prescreen_form import ValidatePrescreenForm
from actions.start_over import ActionFinishStartOver, ActionRestartPrescreen, ValidateStartOverForm
from bot.trial.criteria import load_criteria
from tests.actions.conftest import run, sent

CRITERIA = load_criteria()
FOUR_ANSWERS = {"consent": True, "age": 60, "crc_liver_mets": "yes", "primary_resected": "yes",
                "liver_mets_resected": "yes"}
DURING_FORM = {"during": "prescreen_form"}


def started(store, sender: str = "test-conversation") -> None:
    store.start_screening(sender, "consent-test", CRITERIA.version)


@pytest.mark.parametrize(("text", "form"), [
    ("can we start again, I made a mistake", "prescreen_form"),
    ("前面好几个都填错了，能从头来吗", "prescreen_form"),
    ("start over", "contact_form"),
    ("重新开始", "other_studies_form"),
    ("let me start from the beginning", None),
])
def test_asking_to_start_over_asks_first_and_clears_nothing(make_tracker, dispatcher, domain, lead_store, text,
                                                            form) -> None:
    started(lead_store)
    tracker = make_tracker(text, "start_over", slots=FOUR_ANSWERS, requested_slot="residual_disease",
                           active_loop=form)
    events = run(ActionRestartPrescreen(), dispatcher, tracker, domain)
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None),
                      SlotSet("start_over_request", {"during": form or ""})]
    assert sent(dispatcher) == []  # start_over_form asks: utter_ask_confirm_start_over
    assert lead_store.funnel()["consented"] == 1


def test_a_misread_start_over_clears_nothing(make_tracker, dispatcher, domain, lead_store) -> None:
    started(lead_store)
    misread = make_tracker("I forgot", "start_over", 0.6, slots=FOUR_ANSWERS, requested_slot="residual_disease")
    assert run(ActionRestartPrescreen(), dispatcher, misread, domain) == [FollowupAction("prescreen_form")]
    assert sent(dispatcher) == [{"response": "utter_default"}]
    assert lead_store.funnel()["consented"] == 1


def test_a_tapped_start_over_was_confirmed_already(make_tracker, dispatcher, domain, lead_store) -> None:
    """[Yes, start over], or the chat page's own "Start over" (which asks in the page): cleared at once."""
    started(lead_store)
    tracker = make_tracker("/start_over", "start_over", slots=FOUR_ANSWERS, requested_slot="residual_disease")
    events = run(ActionRestartPrescreen(), dispatcher, tracker, domain)
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("start_over_request", DURING_FORM),
                      SlotSet("confirm_start_over", True), FollowupAction("action_finish_start_over")]
    assert sent(dispatcher) == []
    assert lead_store.funnel()["consented"] == 1  # cleared by action_finish_start_over


def test_the_confirmation_has_two_buttons_in_both_languages(domain) -> None:
    variations = domain["responses"]["utter_ask_confirm_start_over"]
    assert [v.get("condition") for v in variations] == [[{"type": "slot", "name": "language", "value": "zh"}], None]
    for variation in variations:
        assert [b["payload"] for b in variation["buttons"]] == ["/start_over", "/deny"]


@pytest.mark.parametrize(("text", "intent", "confirmed"), [
    ("/start_over", "start_over", True),  # [Yes, start over]
    ("是", "affirm", True),
    ("是的", "affirm", True),
    ("好的", "affirm", True),
    ("确定", "affirm", True),
    ("重来吧", "start_over", True),
    ("清空吧", "inform", True),
    ("yes", "affirm", True),
    ("yes, start again", "affirm", True),
    ("ok", "affirm", True),
    ("/deny", "deny", False),  # [No, carry on]
    ("no", "deny", False),
    ("不用了", "deny", False),
    ("不要重新开始", "start_over", False),
    ("继续吧", "inform", False),
    ("carry on", "inform", False),
    ("don't start over", "start_over", False),
    ("no just ask me that question again", "deny", False),
    ("start over?", "start_over", False),
    ("will I lose my answers?", "ask_privacy", False),
    ("60", "inform", False),
    ("asdf", "out_of_scope", False),
])
def test_the_confirmation_reads_yes_or_keeps_everything(make_tracker, dispatcher, domain, text, intent,
                                                        confirmed) -> None:
    tracker = make_tracker(text, intent, slots={"start_over_request": DURING_FORM},
                           requested_slot="confirm_start_over", active_loop="start_over_form")
    events = run(ValidateStartOverForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("confirm_start_over", confirmed)]  # filled: the form ends, never asks twice
    assert sent(dispatcher) == []


def test_the_form_asks_when_it_opens_whatever_the_request_said(make_tracker, dispatcher, domain) -> None:
    """On activation, in the turn of "start over", a slot emptied in that turn stays empty: the confirmation is
    asked, not answered by the request itself."""
    events = [{"event": "user", "text": "start over"},
              {"event": "slot", "name": "confirm_start_over", "value": None}]
    tracker = make_tracker("start over", "start_over", slots={"start_over_request": DURING_FORM},
                           requested_slot=None, active_loop="start_over_form")
    tracker = Tracker(tracker.sender_id, tracker.slots, tracker.latest_message, events, False, None,
                      tracker.active_loop, "action_listen")
    assert run(ValidateStartOverForm(), dispatcher, tracker, domain) == [SlotSet("confirm_start_over", None)]
    assert sent(dispatcher) == []


@pytest.mark.parametrize("language", ["en", "zh"])
def test_yes_clears_the_answers_and_keeps_the_language(make_tracker, dispatcher, domain, lead_store,
                                                       language) -> None:
    started(lead_store)
    tracker = make_tracker("yes", "affirm", active_loop=None, slots={
        **FOUR_ANSWERS, "confirm_start_over": True, "start_over_request": DURING_FORM, "language": language})
    events = run(ActionFinishStartOver(), dispatcher, tracker, domain)
    assert events == [ActiveLoop(None), AllSlotsReset(), SlotSet("language", language)]
    assert sent(dispatcher) == [{"response": "utter_restarted"}]  # then the rules: the introduction again
    assert lead_store.funnel()["consented"] == 0


@pytest.mark.parametrize("form", ["prescreen_form", "contact_form", "other_studies_form"])
def test_anything_else_carries_on_with_the_open_question(make_tracker, dispatcher, domain, lead_store,
                                                         form) -> None:
    started(lead_store)
    tracker = make_tracker("No, carry on", "deny", active_loop=None, slots={
        **FOUR_ANSWERS, "confirm_start_over": False, "start_over_request": {"during": form}})
    events = run(ActionFinishStartOver(), dispatcher, tracker, domain)
    assert events == [SlotSet("confirm_start_over", None), SlotSet("start_over_request", None),
                      FollowupAction(form)]
    assert sent(dispatcher) == [{"response": "utter_start_over_cancelled"}]
    assert lead_store.funnel()["consented"] == 1


def test_the_form_comes_back_to_the_open_question_with_nothing_lost(make_tracker, dispatcher, domain) -> None:
    """After "no, carry on" the form reopens with no requested slot: the message is not taken as an answer."""
    tracker = make_tracker("no", "deny", slots=FOUR_ANSWERS, requested_slot=None)
    events = asyncio.run(ValidatePrescreenForm().run(dispatcher, tracker, domain))
    assert events == [SlotSet("requested_slot", "residual_disease")]
    assert sent(dispatcher) == []


def test_a_side_question_at_the_confirmation_is_answered_then_back(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("how long does the study last?", "ask_study", active_loop=None, slots={
        **FOUR_ANSWERS, "confirm_start_over": False, "start_over_request": DURING_FORM})
    events = run(ActionFinishStartOver(), dispatcher, tracker, domain)
    note = events[2]
    assert note["name"] == "side_questions" and note["value"][0]["topic"] == "duration"
    assert events == [SlotSet("confirm_start_over", None), SlotSet("start_over_request", None), note,
                      FollowupAction("prescreen_form")]
    assert sent(dispatcher) == [{"response": "utter_start_over_cancelled"},
                                {"response": "utter_study_team_will_tell_duration"}]


def test_an_intent_side_question_at_the_confirmation_reopens_the_form_after_its_answer(
    make_tracker, dispatcher, domain
) -> None:
    tracker = make_tracker("what is CAR-T?", "ask_car_t", active_loop=None, slots={
        **FOUR_ANSWERS, "confirm_start_over": False, "start_over_request": DURING_FORM})
    events = run(ActionFinishStartOver(), dispatcher, tracker, domain)
    assert events == [SlotSet("confirm_start_over", None), SlotSet("start_over_request", None),
                      ActiveLoop("prescreen_form"), FollowupAction("utter_car_t")]
    assert sent(dispatcher) == [{"response": "utter_start_over_cancelled"}]


@pytest.mark.parametrize("text", ["/deny", "how long does the study last?"])
def test_outside_the_forms_no_means_listen_not_a_new_start(make_tracker, dispatcher, domain, text) -> None:
    """Nothing open: the conversation waits (the rule after a confirmed start over must not introduce the study)."""
    tracker = make_tracker(text, "deny", active_loop=None,
                           slots={"confirm_start_over": False, "start_over_request": {"during": ""}})
    events = run(ActionFinishStartOver(), dispatcher, tracker, domain)
    noted = events[2:-1]
    assert events == [SlotSet("confirm_start_over", None), SlotSet("start_over_request", None), *noted,
                      FollowupAction("action_listen")]
    assert sent(dispatcher)[0] == {"response": "utter_start_over_cancelled"}
    assert len(noted) == (1 if "?" in text else 0)
