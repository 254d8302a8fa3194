"""The form on phrasings found by playing whole conversations: not knowing a record-based result never
rules anyone out, declining is not a "no", a request must say so in words, "why?" after a rule-out."""

from __future__ import annotations

import pytest
from rasa_sdk.events import FollowupAction, SlotSet

from actions.answers import is_side_request
from actions.prescreen_form import ValidatePrescreenForm
from actions.screening import ActionDefaultFallback, ActionStartPrescreen
from actions.side_questions import ActionExplainQuestion
from bot.trial.criteria import load_criteria
from bot.trial.eligibility import Verdict, score_check
from tests.actions.conftest import run, sent, slot_events
from tests.actions.test_prescreen_form import answered_up_to

CRITERIA = load_criteria()
RECORD_CHECKS = [c.id for c in CRITERIA.checks if c.source == "record"]
# Ways of not knowing (or only believing) a result that is in the hospital's records.
NOT_KNOWING = [
    "I don't know", "not sure", "no idea", "idk", "IDK", "dunno", "dont no", "not that I know of", "I don't think so",
    "probably not", "I doubt it", "not to my knowledge", "never heard of it", "never heard of that",
    "no one ever told me anything about that", "they never said", "I'm not sure, would have to ask my doctor",
    "I'd need to look at my papers", "have to ask my wife", "I forgot", "can't remember", "🤷", "不知道", "不清楚",
    "I'd rather not say", "skip", "haven't had that test", "no, I don't think I ever had that test",
    "I think it was negative", "I don't think they got all of it", "not as far as I know", "no clue what that is",
    "hmm", "still waiting on the results", "I have no idea what that test is", "yes and no",
]


@pytest.mark.parametrize("check_id", RECORD_CHECKS)
@pytest.mark.parametrize("text", NOT_KNOWING)
def test_not_knowing_a_record_based_result_never_rules_out(make_tracker, dispatcher, domain, check_id: str,
                                                            text: str) -> None:
    # the NLU may well read these as a confident "no" (or "yes"): the words must still win
    meets = CRITERIA.check(check_id).meets
    for intent in ("deny", "affirm"):
        tracker = make_tracker(text, intent, 0.95, slots=answered_up_to(check_id), requested_slot=check_id)
        events = slot_events(run(ValidatePrescreenForm(), dispatcher, tracker, domain))
        value = events.get(check_id)
        assert value is not None, f"{text!r} was not read ({intent})"
        verdict = score_check(CRITERIA.check(check_id), value, CRITERIA).verdict
        assert verdict is not Verdict.DOES_NOT_MEET, f"{text!r} ({intent}) read as {value!r} (meets: {meets})"


def test_a_clear_answer_on_a_record_based_check_still_counts(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("no it was negative", "deny", 0.95, slots=answered_up_to("ctdna_positive"),
                           requested_slot="ctdna_positive")
    assert run(ValidatePrescreenForm(), dispatcher, tracker, domain) == [
        SlotSet("ctdna_positive", "no"),
        SlotSet("answer_log", {"ctdna_positive": {"text": "no it was negative", "value": "no",
                                                  "how": "result: 'negative'"}}),
        SlotSet("requested_slot", "confirm_exclusion"),  # a clear "no" to an inclusion is read back, then ends
    ]
    assert sent(dispatcher) == []


def test_declining_a_patient_question_is_left_for_review(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("I'd rather not say", "deny", 0.9, slots=answered_up_to("crc_liver_mets"),
                           requested_slot="crc_liver_mets")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    how = "declined to answer: 'i'd rather not'"
    assert events == [
        SlotSet("crc_liver_mets", "unsure"),
        SlotSet("answer_log", {"crc_liver_mets": {"text": "I'd rather not say", "value": "unsure", "how": how}}),
        SlotSet("requested_slot", "primary_resected"),
    ]
    assert sent(dispatcher) == []


def test_declining_the_age_says_why_it_is_needed(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("I'd rather not say", "deny", 0.9, slots={"consent": True}, requested_slot="age")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("age", None), SlotSet("requested_slot", "age")]
    age = CRITERIA.check("age")
    assert sent(dispatcher) == [{"text": f"{age.why} {age.example}"}]
    assert "18 to 75" in age.why


def test_a_question_about_the_question_is_not_an_answer(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("what do you mean by up and about?", "affirm", 0.7, slots=answered_up_to("self_care"),
                           requested_slot="self_care")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("self_care", None), SlotSet("requested_slot", "self_care")]
    check = CRITERIA.check("self_care")
    assert sent(dispatcher) == [{"text": f"{check.why} {check.example}"}]
    assert "not sure" in check.example


@pytest.mark.parametrize(
    ("text", "intent", "side"),
    [
        ("I'm not sure, would have to ask my doctor", "human_handoff", False),
        ("can I talk to a person", "human_handoff", True),
        ("I'd like to speak to someone", "human_handoff", True),
        ("I forgot", "withdraw", False),
        ("I don't want to answer that", "withdraw", False),
        ("I don't want to answer any more questions", "withdraw", True),
        ("stop and delete my answers", "withdraw", True),
        ("no, not any more", "withdraw", False),
        ("can we start again", "start_over", True),
        ("what does ctDNA mean?", "ask_ctdna", True),
        ("I had CAR-T in 2023", "ask_car_t", False),
    ],
)
def test_a_request_must_say_so_in_words(make_tracker, text: str, intent: str, side: bool) -> None:
    assert is_side_request(make_tracker(text, intent, 0.9, requested_slot="self_care")) is side


@pytest.mark.parametrize(
    ("action", "text", "intent", "events"),
    [
        (ActionExplainQuestion, "why?", "ask_why", []),
        # the NLU reads "why am I not eligible?" like "am I eligible?", and "how come" not at all
        (ActionStartPrescreen, "why am I not eligible?", "start_prescreen", [FollowupAction("action_listen")]),
        (ActionStartPrescreen, "why not me", "deny", [FollowupAction("action_listen")]),
        (ActionDefaultFallback, "how come", "nlu_fallback", []),
    ],
)
def test_why_after_being_ruled_out_gives_the_reason(make_tracker, dispatcher, domain, action, text: str,
                                                     intent: str, events: list) -> None:
    slots = answered_up_to("prior_car_t") | {"prior_car_t": "yes", "screening_outcome": "screened_out"}
    assert run(action(), dispatcher, make_tracker(text, intent, slots=slots, active_loop=None), domain) == events
    assert sent(dispatcher) == [{"response": "utter_explain_rule_out", "reasons": CRITERIA.check("prior_car_t").why}]


def test_coming_back_after_being_ruled_out_is_still_welcomed_back(make_tracker, dispatcher, domain) -> None:
    slots = answered_up_to("prior_car_t") | {"prior_car_t": "yes", "screening_outcome": "screened_out",
                                             "reference_code": "PS-TEST01"}
    events = run(ActionStartPrescreen(), dispatcher, make_tracker("hi", "greet", slots=slots, active_loop=None), domain)
    assert events == [FollowupAction("action_listen")]
    assert sent(dispatcher) == [{"response": "utter_welcome_back", "reference_code": "PS-TEST01"}]


@pytest.mark.parametrize("text", ["fine by me", "ok sure go ahead", "👍", "同意", "no problem", "will do",
                                  "ok, I'm doing this for my mother"])
def test_consent_in_everyday_words(make_tracker, dispatcher, domain, lead_store, text: str) -> None:
    tracker = make_tracker(text, "nlu_fallback", 0.4, requested_slot="consent")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("consent", True), SlotSet("answer_log", {}), SlotSet("requested_slot", "age")]
    assert sent(dispatcher) == []


@pytest.mark.parametrize(("text", "consent", "response"), [
    ("what is the consent for", None, "utter_privacy"), ("who sees my answers?", None, "utter_privacy"),
    ("I don't agree", False, None), ("not sure", None, "utter_invalid_consent"),
])
def test_a_question_or_a_doubt_is_not_consent(make_tracker, dispatcher, domain, lead_store, text: str,
                                              consent: bool | None, response: str | None) -> None:
    """A question is answered with what is stored, a doubt asks again, a no is a no: never a yes."""
    tracker = make_tracker(text, "affirm", 0.9, requested_slot="consent")
    assert run(ValidatePrescreenForm(), dispatcher, tracker, domain) == [SlotSet("consent", consent)]
    assert sent(dispatcher) == ([{"response": response}] if response else [])
    assert lead_store.list_leads() == []
    assert lead_store.funnel()["consented"] == 0
