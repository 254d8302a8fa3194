"""ValidatePrescreenForm and the ask actions, on rasa-sdk trackers and a real lead store.

Each test asserts the full list of events returned and the messages sent, as Rasa's reference
assistants do.
"""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from actions.prescreen_form import ASK_ACTIONS, ValidatePrescreenForm
from actions.side_questions import ActionExplainQuestion
from bot.trial.criteria import load_criteria
from tests.actions.conftest import run, sent

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


def logged(check_id: str, text: str, value: str, how: str) -> dict:
    """The answer log after one answer (the form starts each test with an empty log)."""
    return {check_id: {"text": text, "value": value, "how": how}}


def test_consent_yes_records_consent_and_asks_age(make_tracker, dispatcher, domain, lead_store) -> None:
    tracker = make_tracker("yes I agree", "affirm", requested_slot="consent")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("consent", True), SlotSet("answer_log", {}), SlotSet("requested_slot", "age")]
    assert sent(dispatcher) == []
    assert lead_store.funnel()["consented"] == 1


def test_consent_no_ends_the_form_and_stores_nothing(make_tracker, dispatcher, domain, lead_store) -> None:
    tracker = make_tracker("no thank you", "deny", requested_slot="consent")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("consent", False)]  # the domain form then has nothing left to ask
    assert sent(dispatcher) == []
    assert lead_store.funnel()["consented"] == 0


def test_unclear_consent_is_asked_again(make_tracker, dispatcher, domain, lead_store) -> None:
    tracker = make_tracker("hmm what", "nlu_fallback", 0.4, requested_slot="consent")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("consent", None)]  # still the only required slot: the form asks it again
    assert sent(dispatcher) == [{"response": "utter_invalid_consent"}]


def test_age_in_words_is_read_and_logged(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("sixty eight", slots=CONSENTED, requested_slot="age")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("age", 68),
        SlotSet("answer_log", logged("age", "sixty eight", "68", "read age 68")),
        SlotSet("requested_slot", "crc_liver_mets"),
    ]
    assert sent(dispatcher) == []


def test_vague_age_is_asked_again_with_a_reason(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("mid-sixties", slots=CONSENTED, requested_slot="age")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("age", None), SlotSet("requested_slot", "age")]
    assert sent(dispatcher) == [{"response": "utter_invalid_age_vague", "low": 18, "high": 75}]


def test_age_over_75_ends_the_questions(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("I'm 80", slots=CONSENTED, requested_slot="age")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("age", 80),
        SlotSet("answer_log", logged("age", "I'm 80", "80", "read age 80")),
        SlotSet("requested_slot", "confirm_exclusion"),  # read back before the questions end
    ]
    assert sent(dispatcher) == []


def test_prior_car_t_is_a_hard_exclusion(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("yes", "affirm", slots=answered_up_to("prior_car_t"), requested_slot="prior_car_t")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("prior_car_t", "yes"),
        SlotSet("answer_log", logged("prior_car_t", "yes", "yes", "'yes'")),
        SlotSet("requested_slot", "confirm_exclusion"),
    ]
    assert sent(dispatcher) == []


def test_a_statement_about_car_t_answers_the_question(make_tracker, dispatcher, domain) -> None:
    entity = {"entity": "THERAPY", "value": "CAR-T cells", "start": 6, "end": 17}
    tracker = make_tracker("I had CAR-T cells in 2023", "ask_car_t", 0.8, slots=answered_up_to("prior_car_t"),
                           requested_slot="prior_car_t", entities=[entity])
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("prior_car_t", "yes"),
        SlotSet("answer_log", logged("prior_car_t", "I had CAR-T cells in 2023", "yes", "mentions the topic")),
        SlotSet("requested_slot", "confirm_exclusion"),
    ]


def test_a_side_question_leaves_the_answer_open(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("what is car-t?", "ask_car_t", 0.97, slots=answered_up_to("prior_car_t"),
                           requested_slot="prior_car_t")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("requested_slot", "prior_car_t")]  # nothing read: a rule answers, then asks again
    assert sent(dispatcher) == []


def test_not_sure_on_cea_continues_the_questions(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("no idea", "dont_know", slots=answered_up_to("cea_expression"),
                           requested_slot="cea_expression")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("cea_expression", "unsure"),
        SlotSet("answer_log", logged("cea_expression", "no idea", "unsure", "does not know: 'no idea'")),
        SlotSet("requested_slot", "self_care"),
    ]


def test_scan_was_clear_means_no_residual_disease(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("my scan was clear", "affirm", 0.6, slots=answered_up_to("residual_disease"),
                           requested_slot="residual_disease")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("residual_disease", "no"),
        SlotSet("answer_log", logged("residual_disease", "my scan was clear", "no", "result: 'was clear'")),
        SlotSet("requested_slot", "ctdna_positive"),
    ]


def test_a_language_not_spoken_gets_a_polite_reply(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("この研究はどこで行われますか", "nlu_fallback", 0.3, slots=answered_up_to("prior_car_t"),
                           requested_slot="prior_car_t")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("prior_car_t", None), SlotSet("requested_slot", "prior_car_t")]
    assert sent(dispatcher) == [{"response": "utter_language_not_supported"}]


def test_a_short_answer_in_chinese_is_read(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("我没有做过", "nlu_fallback", 0.3, slots=answered_up_to("prior_car_t"),
                           requested_slot="prior_car_t")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("prior_car_t", "no"),
        SlotSet("answer_log", logged("prior_car_t", "我没有做过", "no", "'没有'")),
        SlotSet("requested_slot", "recent_trial"),
    ]
    assert sent(dispatcher) == []


def test_huge_message_is_refused_kindly(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("blah " * 2000, "out_of_scope", 0.3, slots=answered_up_to("prior_car_t"),
                           requested_slot="prior_car_t")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("prior_car_t", None), SlotSet("requested_slot", "prior_car_t")]
    assert sent(dispatcher) == [{"response": "utter_answer_too_long"}]


def test_pregnancy_questions_are_skipped_over_55(make_tracker, dispatcher, domain) -> None:
    answer_log = SlotSet("answer_log", logged("lung_disease", "no", "no", "'no'"))
    tracker = make_tracker("no", "deny", slots=answered_up_to("lung_disease", age=60), requested_slot="lung_disease")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("lung_disease", "no"), answer_log, SlotSet("requested_slot", None)]
    tracker = make_tracker("no", "deny", slots=answered_up_to("lung_disease", age=40), requested_slot="lung_disease")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("lung_disease", "no"), answer_log, SlotSet("requested_slot", "pregnant_or_breastfeeding")]


def test_each_question_is_asked_from_the_criteria_file(make_tracker, dispatcher, domain) -> None:
    assert set(ASK_ACTIONS) == {c.id for c in CRITERIA.checks}
    assert run(ASK_ACTIONS["ctdna_positive"](), dispatcher, make_tracker(), domain) == []
    buttons = [  # the question's own, from the criteria file
        {"title": "Yes, it was positive", "payload": "/affirm"},
        {"title": "No, it was negative", "payload": "/deny"},
        {"title": "Not tested / not sure", "payload": "/dont_know"},
    ]
    assert sent(dispatcher) == [{"text": CRITERIA.check("ctdna_positive").question, "buttons": buttons}]


def test_the_age_question_has_no_buttons(make_tracker, dispatcher, domain) -> None:
    assert run(ASK_ACTIONS["age"](), dispatcher, make_tracker(), domain) == []
    assert sent(dispatcher) == [{"text": CRITERIA.check("age").question}]


def test_why_explains_the_current_question(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("why?", "ask_why", requested_slot="ctdna_positive")
    assert run(ActionExplainQuestion(), dispatcher, tracker, domain) == []
    assert sent(dispatcher) == [{"text": CRITERIA.check("ctdna_positive").why}]


def test_why_explains_consent_and_contact_details(make_tracker, dispatcher, domain) -> None:
    assert run(ActionExplainQuestion(), dispatcher, make_tracker("why?", "ask_why", requested_slot="consent"),
               domain) == []
    tracker = make_tracker("why do you need that?", "ask_why", requested_slot="contact_phone",
                           active_loop="contact_form")
    assert run(ActionExplainQuestion(), dispatcher, tracker, domain) == []
    assert sent(dispatcher) == [{"response": "utter_privacy"}, {"response": "utter_explain_contact"}]


def test_why_outside_the_questions_tells_about_the_study(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("why?", "ask_why", slots={"screening_outcome": "continue"}, active_loop=None)
    assert run(ActionExplainQuestion(), dispatcher, tracker, domain) == []
    assert sent(dispatcher) == [{"response": "utter_study"}]
