"""ValidatePrescreenForm and the ask actions, on rasa-sdk trackers and a real lead store."""

from __future__ import annotations

from actions.prescreen_form import ASK_ACTIONS, ActionExplainQuestion, ValidatePrescreenForm
from bot.trial.criteria import load_criteria
from tests.actions.conftest import responses, run, slot_events

CRITERIA = load_criteria()
CONSENTED = {"consent": True, "answer_log": {}}


def answered_up_to(check_id: str, age: int = 60) -> dict:
    """Slots of a patient who met every criterion before `check_id`."""
    slots = dict(CONSENTED, age=age)
    for check in CRITERIA.checks:
        if check.id == check_id:
            break
        if check.answer == "yes_no":
            slots[check.id] = check.meets
    return slots


def test_consent_yes_records_consent_and_asks_age(make_tracker, dispatcher, domain, lead_store) -> None:
    tracker = make_tracker("yes I agree", "affirm", requested_slot="consent")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events) == {"consent": True, "answer_log": {}, "requested_slot": "age"}
    assert dispatcher.messages == []
    assert lead_store.funnel()["consented"] == 1


def test_consent_no_ends_the_form_and_stores_nothing(make_tracker, dispatcher, domain, lead_store) -> None:
    tracker = make_tracker("no thank you", "deny", requested_slot="consent")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events) == {"consent": False}  # the domain form then has nothing left to ask
    assert lead_store.funnel()["consented"] == 0


def test_unclear_consent_is_asked_again(make_tracker, dispatcher, domain, lead_store) -> None:
    tracker = make_tracker("hmm what", "nlu_fallback", 0.4, requested_slot="consent")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events) == {"consent": None}
    assert responses(dispatcher) == ["utter_invalid_consent"]


def test_age_in_words_is_read_and_logged(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("sixty eight", slots=CONSENTED, requested_slot="age")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events) == {
        "age": 68,
        "answer_log": {"age": {"text": "sixty eight", "value": "68", "how": "read age 68"}},
        "requested_slot": "crc_liver_mets",
    }


def test_vague_age_is_asked_again_with_a_reason(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("mid-sixties", slots=CONSENTED, requested_slot="age")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events) == {"age": None, "requested_slot": "age"}
    assert responses(dispatcher) == ["utter_invalid_age_vague"]


def test_age_over_75_ends_the_questions(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("I'm 80", slots=CONSENTED, requested_slot="age")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events)["age"] == 80
    assert slot_events(events)["requested_slot"] is None


def test_prior_car_t_is_a_hard_exclusion(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("yes", "affirm", slots=answered_up_to("prior_car_t"), requested_slot="prior_car_t")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events)["prior_car_t"] == "yes"
    assert slot_events(events)["requested_slot"] is None


def test_a_statement_about_car_t_answers_the_question(make_tracker, dispatcher, domain) -> None:
    entity = {"entity": "THERAPY", "value": "CAR-T cells", "start": 6, "end": 17}
    tracker = make_tracker("I had CAR-T cells in 2023", "ask_car_t", 0.8, slots=answered_up_to("prior_car_t"),
                           requested_slot="prior_car_t", entities=[entity])
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events)["prior_car_t"] == "yes"


def test_a_side_question_leaves_the_answer_open(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("what is car-t?", "ask_car_t", 0.97, slots=answered_up_to("prior_car_t"),
                           requested_slot="prior_car_t")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert "prior_car_t" not in slot_events(events)  # the form is rejected; a rule answers


def test_not_sure_on_cea_continues_the_questions(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("no idea", "dont_know", slots=answered_up_to("cea_expression"),
                           requested_slot="cea_expression")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events)["cea_expression"] == "unsure"
    assert slot_events(events)["requested_slot"] == "self_care"


def test_scan_was_clear_means_no_residual_disease(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("my scan was clear", "affirm", 0.6, slots=answered_up_to("residual_disease"),
                           requested_slot="residual_disease")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events)["residual_disease"] == "no"


def test_another_language_gets_a_polite_english_reply(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("我想问一下这个研究在哪里做", "nlu_fallback", 0.3, slots=answered_up_to("prior_car_t"),
                           requested_slot="prior_car_t")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events)["prior_car_t"] is None
    assert responses(dispatcher) == ["utter_language_not_supported"]


def test_a_short_answer_in_chinese_is_read(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("我没有做过", "nlu_fallback", 0.3, slots=answered_up_to("prior_car_t"),
                           requested_slot="prior_car_t")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events)["prior_car_t"] == "no"
    assert dispatcher.messages == []


def test_huge_message_is_refused_kindly(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("blah " * 2000, "out_of_scope", 0.3, slots=answered_up_to("prior_car_t"),
                           requested_slot="prior_car_t")
    run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_answer_too_long"]


def test_pregnancy_questions_are_skipped_over_55(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("no", "deny", slots=answered_up_to("lung_disease", age=60), requested_slot="lung_disease")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events)["requested_slot"] is None
    tracker = make_tracker("no", "deny", slots=answered_up_to("lung_disease", age=40), requested_slot="lung_disease")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert slot_events(events)["requested_slot"] == "pregnant_or_breastfeeding"


def test_each_question_is_asked_from_the_criteria_file(make_tracker, dispatcher, domain) -> None:
    assert set(ASK_ACTIONS) == {c.id for c in CRITERIA.checks}
    run(ASK_ACTIONS["ctdna_positive"](), dispatcher, make_tracker(), domain)
    [message] = dispatcher.messages
    assert message["text"] == CRITERIA.check("ctdna_positive").question
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny", "/dont_know"]


def test_why_explains_the_current_question(make_tracker, dispatcher, domain) -> None:
    run(ActionExplainQuestion(), dispatcher, make_tracker("why?", "ask_why", requested_slot="ctdna_positive"), domain)
    assert responses(dispatcher) == [CRITERIA.check("ctdna_positive").why]
