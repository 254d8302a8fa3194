"""The form in Chinese: every criteria text it sends (question, buttons, why, example, read-back, the reasons
after an early exit) comes from the Chinese criteria file when the conversation's language is zh."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.dialogue import explain_rule_out
from actions.prescreen_form import ASK_ACTIONS, ActionAskConfirmExclusion, ValidatePrescreenForm
from actions.services import consent_version
from actions.side_questions import ActionExplainQuestion
from bot.trial.criteria import load_criteria
from tests.actions.conftest import run, sent
from tests.actions.test_prescreen_form import answered_up_to

CRITERIA = load_criteria()
ZH = {"language": "zh"}


@pytest.mark.parametrize("check_id", [check.id for check in CRITERIA.checks])
def test_each_question_is_asked_in_the_conversations_language(make_tracker, dispatcher, domain, check_id) -> None:
    check = CRITERIA.check(check_id)
    run(ASK_ACTIONS[check_id](), dispatcher, make_tracker(slots=ZH), domain)
    zh = check.texts("zh")
    expected = {"text": zh.question}
    if check.answer == "yes_no":
        expected["buttons"] = [{"title": b.title, "payload": b.payload} for b in zh.buttons]
    assert sent(dispatcher) == [expected]
    assert zh.question != check.question


def test_ctdna_buttons_are_its_own_in_chinese(make_tracker, dispatcher, domain) -> None:
    assert run(ASK_ACTIONS["ctdna_positive"](), dispatcher, make_tracker(slots=ZH), domain) == []
    buttons = [{"title": "是，结果阳性", "payload": "/affirm"}, {"title": "不是，结果阴性", "payload": "/deny"},
               {"title": "没查过 / 不确定", "payload": "/dont_know"}]
    assert sent(dispatcher) == [{"text": CRITERIA.check("ctdna_positive").texts("zh").question, "buttons": buttons}]


def test_why_is_said_in_chinese(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("为什么问这个？", "ask_why", slots=ZH, requested_slot="ctdna_positive")
    assert run(ActionExplainQuestion(), dispatcher, tracker, domain) == []
    assert sent(dispatcher) == [{"text": CRITERIA.check("ctdna_positive").texts("zh").why}]


def test_what_do_you_mean_gives_the_chinese_reason_and_example(make_tracker, dispatcher, domain) -> None:
    check = CRITERIA.check("self_care")
    tracker = make_tracker("what do you mean by up and about?", "affirm", 0.7,
                           slots={**answered_up_to("self_care"), **ZH}, requested_slot="self_care")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [SlotSet("self_care", None), SlotSet("requested_slot", "self_care")]
    zh = check.texts("zh")
    assert sent(dispatcher) == [{"text": zh.why + zh.example}]  # no space between Chinese sentences


def test_the_read_back_is_in_chinese(make_tracker, dispatcher, domain) -> None:
    slots = {**answered_up_to("prior_car_t"), "prior_car_t": "yes", **ZH}
    tracker = make_tracker("是", "affirm", slots=slots, requested_slot="confirm_exclusion")
    assert run(ActionAskConfirmExclusion(), dispatcher, tracker, domain) == []
    assert sent(dispatcher) == [{"response": "utter_confirm_exclusion",
                                 "read_back": "您以前接受过 CAR-T 细胞治疗，或者其他用基因改造过的 T 细胞做的治疗"}]


def test_the_age_read_back_names_the_age_in_chinese(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("80", slots={"consent": True, "age": 80, **ZH}, requested_slot="confirm_exclusion")
    assert run(ActionAskConfirmExclusion(), dispatcher, tracker, domain) == []
    assert sent(dispatcher) == [{"response": "utter_confirm_exclusion", "read_back": "您今年 80 岁"}]


def test_the_reasons_after_an_early_exit_are_in_chinese(make_tracker, dispatcher) -> None:
    slots = {**answered_up_to("prior_car_t"), "prior_car_t": "yes", "screening_outcome": "screened_out", **ZH}
    assert explain_rule_out(dispatcher, make_tracker("为什么？", "ask_why", slots=slots, active_loop=None))
    assert sent(dispatcher) == [{"response": "utter_explain_rule_out",
                                 "reasons": CRITERIA.check("prior_car_t").texts("zh").why}]


def test_a_tapped_chinese_button_is_recorded_as_the_patient_saw_it(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker("/deny", "deny", slots={**answered_up_to("prior_car_t"), **ZH},
                           requested_slot="prior_car_t")
    events = run(ValidatePrescreenForm(), dispatcher, tracker, domain)
    assert events == [
        SlotSet("prior_car_t", "no"),
        SlotSet("answer_log", {"prior_car_t": {"text": "[tapped] 不是", "value": "no", "how": "button /deny"}}),
        SlotSet("requested_slot", "recent_trial"),
    ]
    assert sent(dispatcher) == []


@pytest.mark.parametrize("language", ["en", "zh"])
def test_consent_is_stored_with_the_version_of_the_text_shown(make_tracker, dispatcher, domain, lead_store,
                                                              language) -> None:
    tracker = make_tracker("/affirm", "affirm", slots={"language": language}, requested_slot="consent")
    assert run(ValidatePrescreenForm(), dispatcher, tracker, domain) == [
        SlotSet("consent", True), SlotSet("answer_log", {}), SlotSet("requested_slot", "age")]
    with lead_store.database.session() as session:
        from bot.leads.models import Screening

        stored = session.query(Screening.consent_version).one()[0]
    assert stored == consent_version(language)
    assert (stored == "consent-4d4209c4015b") is (language == "en")
