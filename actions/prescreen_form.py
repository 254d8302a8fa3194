"""The prescreen form: consent first, then one question per check in bot/trial/nct05240950.yml."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.answers import entity_ids, is_side_request, latest_intent, latest_text, patient_words
from bot.leads.store import StoreError
from bot.nlu.terms import term_id
from bot.reading import (
    MAX_ANSWER_CHARS,
    asks_what_is_meant,
    belief_about_records,
    consent_words,
    declines_to_answer,
    is_question,
    looks_non_english,
    read_age,
    read_yes_no,
)
from bot.trial.criteria import Check
from bot.trial.eligibility import evaluate, questions_to_ask

log = logging.getLogger(__name__)

# Small talk that gets its own short reply when the answer can't be read; anything else
# unreadable (off-topic, gibberish) gets the question's own hint, which helps more.
_UNREADABLE_REPLIES = {
    "greet": "utter_greet_again",
    "thank": "utter_welcome",
    "goodbye": "utter_goodbye_midway",
}
def answers_so_far(tracker: Tracker) -> dict[str, Any]:
    return {check.id: tracker.get_slot(check.slot) for check in services.criteria().checks}


def buttons_of(check: Check) -> list[dict[str, str]]:
    return [{"title": b.title, "payload": b.payload} for b in check.buttons]


def explain_unreadable(dispatcher: CollectingDispatcher, tracker: Tracker, default_response: str) -> None:
    """Say why the answer was not taken: another language, too long, off-topic, or unclear."""
    text = latest_text(tracker)
    intent, _ = latest_intent(tracker)
    if looks_non_english(text):
        dispatcher.utter_message(response="utter_language_not_supported")
    elif len(text) > MAX_ANSWER_CHARS:
        dispatcher.utter_message(response="utter_answer_too_long")
    elif intent in _UNREADABLE_REPLIES:
        dispatcher.utter_message(response=_UNREADABLE_REPLIES[intent])
    else:
        dispatcher.utter_message(response=default_response)


class ValidatePrescreenForm(FormValidationAction):
    """Reads each answer, re-asks what it cannot read, and stops at the first exclusion."""

    def name(self) -> str:
        return "validate_prescreen_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot("consent") is not True:
            return ["consent"]  # consent first: no question is asked without it
        criteria = services.criteria()
        asked = questions_to_ask(criteria, answers_so_far(tracker))
        return ["consent", *(criteria.check(check_id).slot for check_id in asked)]

    async def extract_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._from_text(tracker, "consent")

    def _from_text(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        """Every message answers the question being asked, unless it is a side question."""
        if tracker.get_slot("requested_slot") != slot or is_side_request(tracker):
            return {}
        return {slot: latest_text(tracker)}

    async def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if isinstance(value, bool):
            return {"consent": value}
        intent, confidence = latest_intent(tracker)
        if is_question(str(value)) or asks_what_is_meant(str(value)):
            # "what is the consent for?", not taken as consent: say what is stored, then ask again
            dispatcher.utter_message(response="utter_privacy")
            return {"consent": None}
        reading = read_yes_no(str(value), intent=intent, confidence=confidence, words=consent_words())
        if reading is None or reading.value == "unsure":
            explain_unreadable(dispatcher, tracker, "utter_invalid_consent")
            return {"consent": None}
        if reading.value == "no":
            return {"consent": False}
        try:
            services.lead_store().start_screening(
                tracker.sender_id, services.consent_version(), services.criteria().version
            )
        except StoreError:
            dispatcher.utter_message(response="utter_consent_not_recorded")
            return {"consent": None}
        return {"consent": True, "answer_log": {}}

    # Each check gets an extract_<slot> and validate_<slot>, made below from the criteria.
    def _validate_check(
        self, check: Check, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if value is None:
            return {check.slot: None}
        text = str(value)
        intent, confidence = latest_intent(tracker)
        if check.answer == "age":
            age = read_age(text, boundaries=check.age_range)
            if age.age is None:
                if age.problem == "unreadable" and (declines_to_answer(text) or asks_what_is_meant(text)):
                    # "I'd rather not say", "why?": say why the age matters, then ask again
                    dispatcher.utter_message(text=f"{check.why} {check.example}".strip())
                elif looks_non_english(text) or intent in _UNREADABLE_REPLIES and age.problem == "unreadable":
                    explain_unreadable(dispatcher, tracker, "utter_invalid_age")
                elif age.problem in ("vague", "impossible", "birthday", "several"):
                    dispatcher.utter_message(response=f"utter_invalid_age_{age.problem}")
                else:
                    explain_unreadable(dispatcher, tracker, "utter_invalid_age")
                return {check.slot: None}
            return self._accept(check, age.age, f"read age {age.age}", tracker)
        mentioned = any(term_id(str(entity)) in check.topic or entity in check.topic for entity in entity_ids(tracker))
        if asks_what_is_meant(text):
            # "what do you mean by up and about?": a question about the question, not an answer
            dispatcher.utter_message(text=f"{check.why} {check.example}".strip())
            return {check.slot: None}
        reading = read_yes_no(text, intent=intent, confidence=confidence, words=check.words, topic_mentioned=mentioned)
        if reading is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_yes_no")
            return {check.slot: None}
        reading = belief_about_records(check, reading)
        return self._accept(check, reading.value, reading.how, tracker)

    def _accept(self, check: Check, value: Any, how: str, tracker: Tracker) -> dict[str, Any]:
        log_entry = {"text": patient_words(tracker, buttons_of(check)), "value": str(value), "how": how}
        answer_log = dict(tracker.get_slot("answer_log") or {})
        answer_log[check.id] = log_entry
        return {check.slot: value, "answer_log": answer_log}


def _add_check_methods() -> None:
    """Give the form an extract_/validate_ method per check, so a new check needs no new code."""
    for check in services.criteria().checks:

        async def extract(self: ValidatePrescreenForm, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict, _slot: str = check.slot) -> dict[str, Any]:
            return self._from_text(tracker, _slot)

        async def validate(self: ValidatePrescreenForm, value: Any, dispatcher: CollectingDispatcher,
                           tracker: Tracker, domain: DomainDict, _check: Check = check) -> dict[str, Any]:
            return self._validate_check(_check, value, dispatcher, tracker)

        setattr(ValidatePrescreenForm, f"extract_{check.slot}", extract)
        setattr(ValidatePrescreenForm, f"validate_{check.slot}", validate)


_add_check_methods()


class AskCheckAction(Action):
    """Asks one check's question, with its buttons (action_ask_<slot>)."""

    check_id: str = ""

    def name(self) -> str:
        return f"action_ask_{self.check_id}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        check = services.criteria().check(self.check_id)
        if check.answer == "yes_no":
            dispatcher.utter_message(text=check.question, buttons=buttons_of(check))
        else:
            dispatcher.utter_message(text=check.question)
        return []


# One Action subclass per check: rasa-sdk registers every subclass it finds in this package.
ASK_ACTIONS = {
    check.id: type(f"ActionAsk_{check.id}", (AskCheckAction,), {"check_id": check.id})
    for check in services.criteria().checks
}


def explain_rule_out(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """After the questions ended early: say which rule of the study the answers met. False if not ruled out."""
    if tracker.get_slot("screening_outcome") != "screened_out":
        return False
    criteria = services.criteria()
    failed = evaluate(criteria, answers_so_far(tracker)).failed
    if not failed:
        return False
    reasons = " ".join(criteria.check(result.check_id).why for result in failed)
    dispatcher.utter_message(response="utter_explain_rule_out", reasons=reasons)
    return True


class ActionExplainQuestion(Action):
    """Answers "why are you asking?" for the question being asked."""

    def name(self) -> str:
        return "action_explain_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        criteria = services.criteria()
        if slot in criteria.slots:
            dispatcher.utter_message(text=criteria.check(slot).why)
        elif slot == "consent":
            dispatcher.utter_message(response="utter_privacy")
        elif slot and slot.startswith("contact_"):
            dispatcher.utter_message(response="utter_explain_contact")
        elif not explain_rule_out(dispatcher, tracker):  # "why?" after the questions ended early
            dispatcher.utter_message(response="utter_study")
        return []
