"""Issue 12 in the form: the read-back before an early exit, corrections, "not told", the patient's own questions.

Full event lists and messages, on rasa-sdk trackers (conventions in tests/actions/conftest.py).
"""

from __future__ import annotations

import pytest
from rasa_sdk.events import FollowupAction, SlotSet

from actions.dialogue import reopen_after_correction
from actions.prescreen_form import ActionAskConfirmExclusion, ValidatePrescreenForm
from actions.screening import ActionDefaultFallback, ActionStartPrescreen
from actions.side_questions import ActionAnswerSideQuestion
from bot.dialogue import notes
from bot.reading.text import clean_text
from bot.trial.criteria import load_criteria
from tests.actions.conftest import run, sent
from tests.actions.test_prescreen_form import answered_up_to

CRITERIA = load_criteria()
NOW = "2026-12-02T11:00:00+00:00"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """History entries carry the time of the change: fixed here so that event lists compare exactly."""
    monkeypatch.setattr(notes, "now_iso", lambda: NOW)


def ruled_out_by_car_t(**extra) -> dict:
    """A patient who answered yes to CAR-T (and everything before as needed)."""
    log = {"prior_car_t": {"text": "yes", "value": "yes", "how": "'yes'"}}
    return dict(answered_up_to("prior_car_t"), prior_car_t="yes", answer_log=log, **extra)


# ------------------------------------------------------------------------------ the read-back

def test_the_read_back_says_the_ruling_answer_in_plain_words(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("yes", "affirm", slots=ruled_out_by_car_t(), requested_slot="confirm_exclusion")
    assert run(ActionAskConfirmExclusion(), dispatcher, tracker, domain) == []
    read_back = "you have had CAR-T cell therapy, or another treatment with genetically modified T cells, before"
    assert sent(dispatcher) == [{"response": "utter_confirm_exclusion", "read_back": read_back}]


def test_the_age_read_back_names_the_age(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("80", slots={"consent": True, "age": 80}, requested_slot="confirm_exclusion")
    run(ActionAskConfirmExclusion(), dispatcher, tracker, domain)
    assert sent(dispatcher) == [{"response": "utter_confirm_exclusion", "read_back": "you are 80 years old"}]


def test_a_patient_not_ruled_out_gets_no_read_back(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("no", "deny", slots=answered_up_to("prior_car_t"), requested_slot="prior_car_t")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("prior_car_t", "no"),
        SlotSet("answer_log", {"prior_car_t": {"text": "no", "value": "no", "how": "'no'"}}),
        SlotSet("requested_slot", "recent_trial"),
    ]
    assert sent(dispatcher) == []


@pytest.mark.parametrize("text, intent", [("/affirm", "affirm"), ("yes that's right", "affirm"), ("yes", "affirm")])
def test_a_confirmed_ruling_ends_the_questions(make_tracker, dispatcher, domain, text, intent) -> None:
    tracker = make_tracker(text, intent, slots=ruled_out_by_car_t(), requested_slot="confirm_exclusion")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    confirmed = {"prior_car_t": {"text": "yes", "value": "yes", "how": "'yes'", "confirmed_at": NOW}}
    assert events == [
        SlotSet("confirm_exclusion", "prior_car_t"),
        SlotSet("answer_log", confirmed),
        SlotSet("requested_slot", None),
    ]
    assert sent(dispatcher) == []


@pytest.mark.parametrize("text, intent, words", [
    ("/deny", "deny", "[tapped] No / I'm not sure"),
    ("no", "deny", "no"),
])
def test_a_denied_read_back_asks_the_question_again(make_tracker, dispatcher, domain, text, intent, words) -> None:
    tracker = make_tracker(text, intent, slots=ruled_out_by_car_t(), requested_slot="confirm_exclusion")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    denied = {"prior_car_t": {"text": "yes", "value": "yes", "how": "'yes'", "denied_text": words}}
    assert events == [
        SlotSet("confirm_exclusion", None),
        SlotSet("prior_car_t", None),
        SlotSet("answer_log", denied),
        SlotSet("requested_slot", "prior_car_t"),
    ]
    assert sent(dispatcher) == []


def test_the_answer_after_a_denied_read_back_keeps_both_in_the_history(make_tracker, dispatcher, domain) -> None:
    denied = {"prior_car_t": {"text": "yes", "value": "yes", "how": "'yes'", "denied_text": "no"}}
    slots = dict(answered_up_to("prior_car_t"), answer_log=denied)
    tracker = make_tracker("no never", "deny", slots=slots, requested_slot="prior_car_t")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    history = [{"text": "yes", "value": "yes", "how": "'yes'", "denied_text": "no", "event": "answered again",
                "at": NOW}]
    assert events == [
        SlotSet("prior_car_t", "no"),
        SlotSet("answer_log", {"prior_car_t": {"text": "no never", "value": "no", "how": "'no never'",
                                               "history": history}}),
        SlotSet("requested_slot", "recent_trial"),
    ]


def test_not_sure_at_the_read_back_scores_unknown(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("hmm I'm not sure actually", "dont_know", slots=ruled_out_by_car_t(),
                           requested_slot="confirm_exclusion")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    history = [{"text": "yes", "value": "yes", "how": "'yes'", "event": "not confirmed", "at": NOW}]
    how = "not sure at the read-back: 'not sure'"
    assert events == [
        SlotSet("confirm_exclusion", None),
        SlotSet("prior_car_t", "unsure"),
        SlotSet("answer_log", {"prior_car_t": {"text": "hmm I'm not sure actually", "value": "unsure", "how": how,
                                               "history": history}}),
        SlotSet("requested_slot", "recent_trial"),
    ]
    assert sent(dispatcher) == []


def test_an_unreadable_reply_to_the_read_back_asks_it_again(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("banana", "nlu_fallback", 0.3, slots=ruled_out_by_car_t(),
                           requested_slot="confirm_exclusion")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("confirm_exclusion", None), SlotSet("requested_slot", "confirm_exclusion")]
    assert sent(dispatcher) == [{"response": "utter_invalid_confirm_exclusion"}]


def test_no_thats_not_right_to_a_negative_result_asks_the_question_again(make_tracker, dispatcher, domain) -> None:
    log = {"ctdna_positive": {"text": "negative", "value": "no", "how": "result: 'negative'"}}
    slots = dict(answered_up_to("ctdna_positive"), ctdna_positive="no", answer_log=log)
    tracker = make_tracker("no that's not right", "deny", slots=slots, requested_slot="confirm_exclusion")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("ctdna_positive", None),
        SlotSet("confirm_exclusion", None),
        SlotSet("requested_slot", "ctdna_positive"),
    ]
    assert sent(dispatcher) == [{"response": "utter_correction_go_back"}]


# ------------------------------------------------------------------------------ corrections

@pytest.mark.parametrize(("text", "how"), [
    ("sorry, I meant no", "corrected ('i meant'): 'no'"),
    ("sorry i meant no. I have never had CAR-T", "corrected ('i meant'): 'no'"),
    ("不好意思我说错了，没有", "corrected ('说错了'): '没有'"),
])
def test_a_correction_at_the_read_back_applies_the_new_answer(make_tracker, dispatcher, domain, text, how) -> None:
    tracker = make_tracker(text, "deny", slots=ruled_out_by_car_t(), requested_slot="confirm_exclusion")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    entry = {"text": clean_text(text), "value": "no", "how": how,
             "history": [{"text": "yes", "value": "yes", "how": "'yes'", "event": "corrected", "at": NOW}]}
    assert events == [
        SlotSet("prior_car_t", "no"),
        SlotSet("confirm_exclusion", None),
        SlotSet("answer_log", {"prior_car_t": entry}),
        SlotSet("requested_slot", "recent_trial"),
    ]
    assert sent(dispatcher) == [{"response": "utter_correction_applied"}]


def test_a_correction_with_an_answer_changes_the_previous_question(make_tracker, dispatcher, domain) -> None:
    log = {"primary_resected": {"text": "no", "value": "no", "how": "'no'"}}
    slots = dict(answered_up_to("primary_resected"), primary_resected="yes", answer_log=log)
    slots["primary_resected"] = "yes"
    # the slip was a "yes" stored for surgery; the patient is now asked about the liver
    tracker = make_tracker("wait, that's wrong - no I haven't had the surgery", "deny",
                           slots=slots, requested_slot="liver_mets_resected")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    entry = {"text": "wait, that's wrong - no I haven't had the surgery", "value": "no",
             "how": "corrected ('that's wrong'): 'i haven't'",
             "history": [{"text": "no", "value": "no", "how": "'no'", "event": "corrected", "at": NOW}]}
    assert events == [
        SlotSet("primary_resected", "no"),
        SlotSet("confirm_exclusion", None),
        SlotSet("answer_log", {"primary_resected": entry}),
        SlotSet("requested_slot", "confirm_exclusion"),  # the new answer rules out: read back
    ]
    assert sent(dispatcher) == [{"response": "utter_correction_applied"}]


@pytest.mark.parametrize("text", [
    "go back", "can we go back to the previous question", "返回上一题", "I made a mistake",
])
def test_go_back_asks_the_previous_question_again(make_tracker, dispatcher, domain, text) -> None:
    slots = answered_up_to("viral_infection")
    tracker = make_tracker(text, "inform", 0.5, slots=slots, requested_slot="viral_infection")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("recent_trial", None),
        SlotSet("confirm_exclusion", None),
        SlotSet("requested_slot", "recent_trial"),
    ]
    assert sent(dispatcher) == [{"response": "utter_correction_go_back"}]


def test_a_correction_at_the_first_question_is_read_as_its_answer(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("sorry I meant 64", slots={"consent": True, "answer_log": {}}, requested_slot="age")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("age", 64),
        SlotSet("answer_log", {"age": {"text": "sorry I meant 64", "value": "64", "how": "read age 64"}}),
        SlotSet("requested_slot", "crc_liver_mets"),
    ]
    assert sent(dispatcher) == []


def test_a_correction_straight_after_the_exit_reopens_the_questions(make_tracker, dispatcher, domain,
                                                                    lead_store) -> None:
    lead_store.start_screening("test-conversation", "consent-test", CRITERIA.version)
    slots = ruled_out_by_car_t(confirm_exclusion="prior_car_t", screening_outcome="screened_out")
    tracker = make_tracker("sorry, I meant no", "deny", slots=slots, active_loop=None)
    events = run(ActionStartPrescreen(), dispatcher, tracker, domain)
    log = {"prior_car_t": {"text": "sorry, I meant no", "value": "no", "how": "corrected ('i meant'): 'no'",
                           "history": [{"text": "yes", "value": "yes", "how": "'yes'", "event": "corrected",
                                        "at": NOW}]}}
    assert events == [
        SlotSet("confirm_exclusion", None),
        SlotSet("screening_outcome", None),
        SlotSet("prior_car_t", "no"),
        SlotSet("answer_log", log),
        FollowupAction("prescreen_form"),
    ]
    assert sent(dispatcher) == [{"response": "utter_correction_applied"}]
    lead = lead_store.get_lead("test-conversation")  # no longer stored as ruled out
    assert lead.provisional_status == "needs_review"
    assert [(e["event"], e["value"]) for e in lead.answer_events] == [("corrected", "yes")]


def test_i_said_it_wrong_after_the_exit_asks_the_ruling_question_again(make_tracker, dispatcher, domain,
                                                                       lead_store) -> None:
    lead_store.start_screening("test-conversation", "consent-test", CRITERIA.version)
    slots = ruled_out_by_car_t(confirm_exclusion="prior_car_t", screening_outcome="screened_out")
    tracker = make_tracker("我说错了", "nlu_fallback", 0.3, slots=slots, active_loop=None)
    events = run(ActionDefaultFallback(), dispatcher, tracker, domain)
    history = [{"text": "yes", "value": "yes", "how": "'yes'", "event": "corrected", "at": NOW}]
    assert events == [
        SlotSet("confirm_exclusion", None),
        SlotSet("screening_outcome", None),
        SlotSet("prior_car_t", None),
        SlotSet("answer_log", {"prior_car_t": {"text": "", "value": "", "how": "asked again", "history": history}}),
        FollowupAction("prescreen_form"),
    ]
    assert sent(dispatcher) == [{"response": "utter_correction_go_back"}]
    assert lead_store.get_lead("test-conversation").provisional_status == "needs_review"


def test_start_over_after_the_exit_is_not_a_correction(make_tracker, dispatcher, domain) -> None:
    slots = ruled_out_by_car_t(confirm_exclusion="prior_car_t", screening_outcome="screened_out")
    tracker = make_tracker("can we start again, I made a mistake", "nlu_fallback", 0.3, slots=slots, active_loop=None)
    assert reopen_after_correction(dispatcher, tracker) is None


def test_after_the_exit_anything_else_is_still_welcome_back(make_tracker, dispatcher, domain) -> None:
    slots = ruled_out_by_car_t(confirm_exclusion="prior_car_t", screening_outcome="screened_out", reference_code="PS-1")
    tracker = make_tracker("hello", "greet", slots=slots, active_loop=None)
    assert run(ActionStartPrescreen(), dispatcher, tracker, domain) == [FollowupAction("action_listen")]
    assert sent(dispatcher) == [{"response": "utter_welcome_back", "reference_code": "PS-1"}]


# ------------------------------------------------------------------------------ record-based questions

@pytest.mark.parametrize("check_id, text, how, next_question", [
    ("cea_expression", "not that I was told", "not told: 'not that i was told'", "self_care"),
    ("cea_expression", "医生没跟我说过", "not told: '没跟我说'", "self_care"),
    ("cea_expression", "没人告诉过我", "not told: '没人告诉'", "self_care"),
    ("ctdna_positive", "我没看过报告", "no report: '没看过报告'", "cea_expression"),
    ("ctdna_positive", "still waiting for the results", "waiting: 'waiting for the results'", "cea_expression"),
    ("liver_mets_resected", "the doctor never said", "not told: 'never said'", "residual_disease"),
])
def test_not_told_is_not_sure_on_a_record_question(make_tracker, dispatcher, domain, check_id, text, how,
                                                   next_question) -> None:
    """Not sure, and the next question (no read-back: not sure does not rule out)."""
    tracker = make_tracker(text, "deny", 0.9, slots=answered_up_to(check_id), requested_slot=check_id)
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet(check_id, "unsure"),
        SlotSet("answer_log", {check_id: {"text": text, "value": "unsure", "how": how}}),
        SlotSet("requested_slot", next_question),
    ]
    assert sent(dispatcher) == []


def test_a_reported_negative_result_is_read_back_before_the_exit(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("the ctDNA test came back negative", "deny", 0.9, slots=answered_up_to("ctdna_positive"),
                           requested_slot="ctdna_positive")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("ctdna_positive", "no"),
        SlotSet("answer_log", {"ctdna_positive": {"text": "the ctDNA test came back negative", "value": "no",
                                                  "how": "result: 'negative'"}}),
        SlotSet("requested_slot", "confirm_exclusion"),
    ]
    assert sent(dispatcher) == []


# ------------------------------------------------------------------------------ the patient's own questions

@pytest.mark.parametrize("check", CRITERIA.checks, ids=lambda c: c.id)
@pytest.mark.parametrize("text, topic", [
    ("do I have to live in Shanghai?", "residence"),
    ("how much does it cost?", "cost"),
    ("要钱吗？", "cost"),
    ("can I stop the treatment later?", "withdrawal"),
])
def test_a_side_question_is_never_an_answer(make_tracker, dispatcher, domain, check, text, topic) -> None:
    slots = dict(answered_up_to(check.id, age=30), **{check.slot: None})
    tracker = make_tracker(text, "inform", 0.6, slots=slots, requested_slot=check.slot)
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    notes = [{"topic": topic, "text": clean_text(text), "at": NOW, "during": check.slot}]
    assert events == [SlotSet("side_questions", notes), SlotSet("requested_slot", check.slot)]
    assert sent(dispatcher) == [{"response": f"utter_study_team_will_tell_{topic}"}]


def test_an_answer_with_a_question_keeps_the_answer_and_notes_the_question(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("yes, but how much does it cost?", "affirm", slots=answered_up_to("crc_liver_mets"),
                           requested_slot="crc_liver_mets")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("crc_liver_mets", "yes"),
        SlotSet("answer_log", {"crc_liver_mets": {"text": "yes, but how much does it cost?", "value": "yes",
                                                  "how": "'yes'"}}),
        SlotSet("requested_slot", "primary_resected"),
        SlotSet("side_questions", [{"topic": "cost", "text": "yes, but how much does it cost?", "at": NOW,
                                    "during": "crc_liver_mets"}]),
    ]
    assert sent(dispatcher) == [{"response": "utter_study_team_will_tell_cost"}]


def test_a_topic_question_classified_as_a_study_question_gets_the_honest_answer(make_tracker, dispatcher,
                                                                                 domain) -> None:
    tracker = make_tracker("how long does the study last?", "ask_study", slots=answered_up_to("self_care"),
                           requested_slot="self_care")
    events = run(ActionAnswerSideQuestion(), dispatcher, tracker, domain)
    assert events == [SlotSet("side_questions", [{"topic": "duration", "text": "how long does the study last?",
                                                  "at": NOW, "during": "self_care"}])]
    assert sent(dispatcher) == [{"response": "utter_study_team_will_tell_duration"}]


def test_other_study_questions_keep_the_summary_answer(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("what is this study about?", "ask_study", slots={}, active_loop=None)
    assert run(ActionAnswerSideQuestion(), dispatcher, tracker, domain) == []
    assert sent(dispatcher) == [{"response": "utter_study"}]
