"""What every form and action says in the same way, owned by none of them: an answer that cannot be
taken, a language switched, a question for the study team, the reasons of a rule-out, a read-back
answered, a correction (in the questions and straight after they ended early), a misread request.

Each helper reads the tracker, calls the rules in bot.dialogue and sends the reply; the forms and the
actions around them import this module, never one another.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.answers import latest_intent, latest_text, patient_words, yes_no_answer
from actions.language import LANGUAGE_SLOT, language_of
from bot.dialogue.corrections import corrected_answer, corrected_check
from bot.dialogue.notes import answer_entry, logged_answer, noted_question
from bot.dialogue.replies import rule_out_reasons, study_team_reply, study_team_topic, unreadable_reply
from bot.languages import DEFAULT_LANGUAGE
from bot.leads.reference_codes import reference_code_in
from bot.leads.store import StoreError
from bot.reading import asks_to_start_over, asks_to_withdraw, contact_confirmation_words, is_tapped
from bot.reading.check_answer import read_check_answer
from bot.reading.corrections import Correction, read_correction
from bot.reading.language import language_request
from bot.reading.text import clean_text
from bot.trial.criteria import Check
from bot.trial.eligibility import evaluate

log = logging.getLogger(__name__)

CONFIRM_SLOT = "confirm_exclusion"  # holds the id of the check whose ruling answer the patient confirmed
SIDE_QUESTIONS_SLOT = "side_questions"  # the patient's own questions, noted for the coordinator
# {"during": the form that was open, "asked": its open question, "reference_code": one typed with the request}
WITHDRAWAL_REQUEST_SLOT = "withdrawal_request"
QUESTIONS_FORM = "prescreen_form"  # the form that asks the trial's questions


def answers_so_far(tracker: Tracker) -> dict[str, Any]:
    return {check.id: tracker.get_slot(check.slot) for check in services.criteria().checks}


def buttons_of(check: Check, language: str = DEFAULT_LANGUAGE) -> list[dict[str, str]]:
    """The check's buttons as the patient sees them, in the conversation's language."""
    return [{"title": b.title, "payload": b.payload} for b in check.texts(language).buttons]


def read_answer(check: Check, text: str, tracker: Tracker, mentioned: bool = False) -> tuple[Any, str] | None:
    """The value and how it was read, or None, with the NLU's intent as a hint (bot.reading.check_answer)."""
    intent, confidence = latest_intent(tracker)
    return read_check_answer(check, text, intent=intent, confidence=confidence, topic_mentioned=mentioned)


def explain_unreadable(dispatcher: CollectingDispatcher, tracker: Tracker, default_response: str) -> None:
    """Say why the answer was not taken: another language, too long, off-topic, or unclear."""
    intent, _ = latest_intent(tracker)
    dispatcher.utter_message(response=unreadable_reply(latest_text(tracker), intent, default_response))


def language_switched(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any] | None:
    """ "说中文", "English please" in a form: action_set_language has switched; say so, and the form asks again.

    The language is set again so that the form counts the message as handled rather than rejecting it.
    """
    if language_request(latest_text(tracker)) is None:
        return None
    dispatcher.utter_message(response="utter_language_switched")
    return {LANGUAGE_SLOT: language_of(tracker)}


def side_question_note(tracker: Tracker, topic: str) -> list[dict[str, str]]:
    """The patient's questions so far plus this one (its topic and the cleaned text), for the coordinator."""
    return noted_question(list(tracker.get_slot(SIDE_QUESTIONS_SLOT) or []), topic,
                          clean_text(latest_text(tracker)), str(tracker.get_slot("requested_slot") or ""))


def study_team_will_tell(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """Cost, payment, travel, living in Shanghai, duration, stopping, a family member, stopping a treatment:
    "the study team will tell you", with the question noted for the coordinator; None for any other question."""
    topic = study_team_topic(latest_text(tracker))
    if topic is None:
        return None
    dispatcher.utter_message(response=study_team_reply(topic))
    return [SlotSet(SIDE_QUESTIONS_SLOT, side_question_note(tracker, topic))]


def explain_rule_out(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """After the questions ended early: say which rule of the study the answers met. False if not ruled out."""
    if tracker.get_slot("screening_outcome") != "screened_out":
        return False
    reasons = rule_out_reasons(services.criteria(), answers_so_far(tracker), language_of(tracker))
    if reasons is None:
        return False
    dispatcher.utter_message(response="utter_explain_rule_out", reasons=reasons)
    return True


def read_back_answer(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str,
                     details: Sequence[str]) -> dict[str, Any]:
    """The answer to "Is that right?" after details were read back: yes confirms, no asks for them again."""
    answer = yes_no_answer(value, tracker, contact_confirmation_words())
    if answer == "yes":
        return {slot: True}
    if answer == "no":
        dispatcher.utter_message(response="utter_contact_again")
        return {detail: None for detail in details}
    explain_unreadable(dispatcher, tracker, "utter_invalid_yes_no")
    return {slot: None}


def corrected(dispatcher: CollectingDispatcher, tracker: Tracker, check: Check, correction: Correction,
              repeated: Any = None) -> tuple[Any, str] | None:
    """The new answer a correction carries (bot.dialogue.corrections), said back: "changed", or "let's go
    back to that question" when it is asked again (None)."""
    intent, confidence = latest_intent(tracker)
    new = corrected_answer(check, correction, intent, confidence, repeated)
    dispatcher.utter_message(response="utter_correction_go_back" if new is None else "utter_correction_applied")
    return new


def reopen_after_correction(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """ "sorry, I meant no" straight after the questions ended early: undo the ruling and ask again.

    The ruling answer is changed when the message carries a new one, otherwise asked again; the form
    then reopens where it stopped (no "start over"). None when the message is not such a correction.
    """
    text = latest_text(tracker)
    if tracker.get_slot("screening_outcome") != "screened_out" or is_tapped(text):
        return None
    if asks_to_start_over(text) or asks_to_withdraw(text):
        return None  # "start over, I made a mistake": the patient asked for that, not for the last question
    correction = read_correction(text)
    criteria = services.criteria()
    answers = answers_so_far(tracker)
    ruling = corrected_check(criteria, answers, open_check=None)  # the questions ended: the ruling answer
    if correction is None or ruling is None:
        return None
    check = criteria.check(ruling)
    new = corrected(dispatcher, tracker, check, correction)
    events: list[EventType] = [SlotSet(CONFIRM_SLOT, None), SlotSet("screening_outcome", None)]
    answer_log = dict(tracker.get_slot("answer_log") or {})
    if new is None:
        events.append(SlotSet(check.slot, None))
        answers[check.id] = None
        if check.id in answer_log:  # the ruled-out answer is kept in the history, not as the answer
            answer_log = logged_answer(answer_log, check.id, answer_entry("", "", "asked again"), "corrected")
            events.append(SlotSet("answer_log", answer_log))
    else:
        value, how = new
        answer_log = logged_answer(answer_log, check.id, answer_entry(patient_words(tracker), value, how), "corrected")
        answers[check.id] = value
        events += [SlotSet(check.slot, value), SlotSet("answer_log", answer_log)]
    restore_without_ruling(tracker, answers, answer_log)
    return [*events, FollowupAction(QUESTIONS_FORM)]


def restore_without_ruling(tracker: Tracker, answers: dict[str, Any], answer_log: dict[str, Any]) -> None:
    """The stored screening no longer says "ruled out" once the patient corrected the ruling answer.

    Scored again with the questions still to come as unknown (so "needs review" if the patient
    stops here); the end of the questions stores it again. A store that is down is not fatal: the
    end of the questions writes (or spools) it anyway.
    """
    try:
        services.lead_store().complete_screening(
            tracker.sender_id, evaluate(services.criteria(), answers),
            {check_id: entry for check_id, entry in answer_log.items() if entry.get("value")},
            None, tracker.get_slot(SIDE_QUESTIONS_SLOT) or [],
        )
    except StoreError:
        log.warning("the corrected screening of conversation %s is stored at the end of the questions",
                    tracker.sender_id)


def log_typed_answer(tracker: Tracker, check: Check, value: Any, how: str, change: str,
                     buttons: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The answer log with the patient's latest words as `check`'s answer (`change`: why the answer changed)."""
    return logged_answer(tracker.get_slot("answer_log") or {}, check.id,
                         answer_entry(patient_words(tracker, buttons), value, how), change)


def withdrawal_request(tracker: Tracker) -> dict[str, str]:
    """What the withdrawal's confirmation keeps: the form and the question that were open (to carry on with, and
    to read an answer typed instead of a yes), and a reference code typed with the request (erased too)."""
    form = tracker.active_loop.get("name") if tracker.active_loop else None
    return {"during": form or "", "asked": str(tracker.get_slot("requested_slot") or "") if form else "",
            "reference_code": reference_code_in(latest_text(tracker)) or ""}


def withdrawal_asked_in_words(tracker: Tracker) -> list[EventType]:
    """ "不想弄了", "I'd rather not go on" read by a form (the NLU took it for an answer): the form stops here and the
    withdrawal's confirmation is asked, as for a request the NLU recognised (nothing is erased without a yes)."""
    return [SlotSet(WITHDRAWAL_REQUEST_SLOT, withdrawal_request(tracker)), SlotSet("requested_slot", None),
            FollowupAction("withdrawal_form")]


def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """A message misread as "delete" or "start over": say so, and carry on where we were."""
    reopened = reopen_after_correction(dispatcher, tracker)
    if reopened is not None:
        return reopened  # "go back" after the questions ended early
    explain_unreadable(dispatcher, tracker, "utter_default")
    form = tracker.active_loop.get("name") if tracker.active_loop else None
    return [FollowupAction(form)] if form else [FollowupAction("action_listen")]
