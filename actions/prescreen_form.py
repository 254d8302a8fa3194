"""The prescreen form: consent first, then one question per check in bot/trial/nct05240950.yml.

The form reads the tracker and answers with events; which answer a correction changes (and to what) is
decided in bot.dialogue.corrections, which reply a message gets in bot.dialogue.replies, and the replies
every form shares are sent by actions.dialogue.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.answers import entity_ids, is_side_request, latest_intent, latest_text, patient_words
from actions.dialogue import (
    CONFIRM_SLOT,
    SIDE_QUESTIONS_SLOT,
    answers_so_far,
    buttons_of,
    corrected,
    explain_unreadable,
    language_switched,
    log_typed_answer,
    read_answer,
    side_question_note,
    withdrawal_asked_in_words,
)
from actions.language import language_of
from actions.way_forward import offer_way_forward
from bot.dialogue.corrections import corrected_check
from bot.dialogue.notes import answer_entry, confirmed_answer, logged_answer
from bot.dialogue.replies import (
    SIDE_QUESTION_OTHER,
    WHY_AND_EXAMPLE,
    age_reply,
    side_topic,
    study_team_reply,
    why_with_example,
)
from bot.leads.store import StoreError
from bot.nlu.terms import term_id
from bot.reading import asks_what_is_meant, consent_words, is_question, is_tapped, read_age, read_yes_no
from bot.reading.corrections import read_correction
from bot.reading.language import looks_unsupported
from bot.reading.requests import leaves_for_now, wants_to_stop
from bot.reading.side_questions import SideTopic, read_side_question
from bot.texts.responses import variations
from bot.trial.criteria import Check
from bot.trial.eligibility import questions_to_ask, read_back, ruling_check


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
        answers = answers_so_far(tracker)
        asked = questions_to_ask(criteria, answers)
        slots = ["consent", *(criteria.check(check_id).slot for check_id in asked)]
        ruling = ruling_check(criteria, answers)
        if ruling is not None and tracker.get_slot(CONFIRM_SLOT) != ruling:
            slots.append(CONFIRM_SLOT)  # the answer that ends the questions is read back first
        return slots

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Reads the message; a question asked again a second time in a row comes with a way forward. A wish to
        stop in plain words ("不想弄了", "I'd rather not go on") the NLU took for an answer goes to the withdrawal."""
        open_check = self._open_check(tracker)
        if open_check is not None:
            question = services.criteria().check(open_check).texts(language_of(tracker)).question
            if wants_to_stop(latest_text(tracker), question):
                return withdrawal_asked_in_words(tracker)
        events = await self._read_message(dispatcher, tracker, domain)
        open_check = self._open_check(tracker)
        read_back = tracker.get_slot("requested_slot") == CONFIRM_SLOT
        yes_no = open_check is not None and services.criteria().check(open_check).answer == "yes_no"
        not_sure_works = read_back or yes_no
        offer_way_forward(dispatcher, tracker, events, not_sure_works)
        return events

    async def _read_message(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """A language request, corrections and the patient's own questions first: none answers the open question."""
        slot_values = language_switched(dispatcher, tracker)  # then the open question again, in the new language
        if slot_values is None:
            slot_values = self._correction(dispatcher, tracker)
        if slot_values is None:
            slot_values = self._side_question(dispatcher, tracker)
        if slot_values is None:
            validated = await super().run(dispatcher, tracker, domain)
            return [*validated, *self._after_answer_question(dispatcher, tracker)]
        events: list[EventType] = [SlotSet(slot, value) for slot, value in slot_values.items()]
        tracker.add_slots(events)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        return [*events, next_slot] if next_slot else events

    def _open_check(self, tracker: Tracker) -> str | None:
        """The check whose question (or read-back) is open, when the patient is being asked one."""
        requested = tracker.get_slot("requested_slot")
        if requested == CONFIRM_SLOT:
            return ruling_check(services.criteria(), answers_so_far(tracker))
        return requested if requested in services.criteria().slots else None

    def _correction(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any] | None:
        """ "sorry, I meant no", "go back", "我说错了": change or re-ask the previous answer."""
        text = latest_text(tracker)
        open_check = self._open_check(tracker)
        if open_check is None or is_tapped(text) or is_side_request(tracker):
            return None  # "can we start again, I made a mistake" is a request, handled by its rule
        correction = read_correction(text)
        if correction is None:
            return None
        criteria = services.criteria()
        answers = answers_so_far(tracker)
        target = corrected_check(criteria, answers, open_check, tracker.get_slot("requested_slot") == CONFIRM_SLOT)
        if target is None:
            return None  # nothing answered before: the message answers the open question
        check = criteria.check(target)
        # "no, that's not right" to the read-back of a "no": the question is asked again
        new = corrected(dispatcher, tracker, check, correction, repeated=answers.get(check.id))
        if new is None:
            return {check.slot: None, CONFIRM_SLOT: None}
        value, how = new
        return {check.slot: value, CONFIRM_SLOT: None,
                "answer_log": log_typed_answer(tracker, check, value, how, "corrected")}

    def _side_question(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any] | None:
        """A question of the patient's ("do I have to live in Shanghai?") is answered, never stored as an answer."""
        text = latest_text(tracker)
        if self._open_check(tracker) is None or is_tapped(text) or is_side_request(tracker):
            return None  # a side-question intent is answered by its rule; the form only re-asks
        if asks_what_is_meant(text):
            return None  # "what do you mean by up and about?": explained by the question's validation
        side = read_side_question(text)
        if side is None or side.after_answer:
            return None
        topic = side_topic(text, side.topic)
        if topic == SideTopic.OTHER.value and looks_unsupported(text):
            explain_unreadable(dispatcher, tracker, "utter_invalid_yes_no")
            return {tracker.get_slot("requested_slot"): None}
        dispatcher.utter_message(response=SIDE_QUESTION_OTHER if topic == SideTopic.OTHER.value
                                 else study_team_reply(topic))
        return {SIDE_QUESTIONS_SLOT: side_question_note(tracker, topic)}

    def _after_answer_question(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """ "yes, but how much does it cost?": the answer is read as usual; the question is answered too."""
        text = latest_text(tracker)
        if self._open_check(tracker) is None or is_tapped(text):
            return []
        side = read_side_question(text)
        if side is None or not side.after_answer or side.topic is SideTopic.OTHER:
            return []
        topic = side_topic(text, side.topic)
        dispatcher.utter_message(response=study_team_reply(topic))
        return [SlotSet(SIDE_QUESTIONS_SLOT, side_question_note(tracker, topic))]

    async def extract_confirm_exclusion(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._from_text(tracker, CONFIRM_SLOT)

    async def validate_confirm_exclusion(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "Is that right?": yes ends the questions; no asks the question again; not sure scores unknown."""
        criteria = services.criteria()
        ruling = ruling_check(criteria, answers_so_far(tracker))
        if value is None or ruling is None:
            return {CONFIRM_SLOT: None}
        check = criteria.check(ruling)
        intent, confidence = latest_intent(tracker)
        reading = read_yes_no(str(value), intent=intent, confidence=confidence)
        if reading is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_confirm_exclusion")
            return {CONFIRM_SLOT: None}
        answer_log = dict(tracker.get_slot("answer_log") or {})
        if reading.value == "yes":
            return {CONFIRM_SLOT: ruling, "answer_log": confirmed_answer(answer_log, check.id)}
        shown = variations(domain, "utter_confirm_exclusion", language_of(tracker)) if domain.get("responses") else []
        words = patient_words(tracker, (shown or [{}])[0].get("buttons") or [])  # the buttons the patient saw
        if reading.value == "unsure" and check.answer == "yes_no" and not is_tapped(str(value)):
            new = answer_entry(words, "unsure", f"not sure at the read-back: {reading.how}")
            return {check.slot: "unsure", CONFIRM_SLOT: None,
                    "answer_log": logged_answer(answer_log, check.id, new, "not confirmed")}
        # "No / I'm not sure": the question is asked again; the denied answer stays in the history
        answer_log[check.id] = dict(answer_log.get(check.id) or {}) | {"denied_text": words}
        return {check.slot: None, CONFIRM_SLOT: None, "answer_log": answer_log}

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
                tracker.sender_id, services.consent_version(language_of(tracker)), services.criteria().version
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
        intent, _ = latest_intent(tracker)
        if leaves_for_now(text):  # "我先去问问医生，回头再来": the question stays open for when they come back
            dispatcher.utter_message(response="utter_goodbye_midway")
            return {check.slot: None}
        if check.answer == "age":
            age = read_age(text, boundaries=check.age_range)
            if age.age is None:
                reply = age_reply(age.problem, text, intent)
                if reply == WHY_AND_EXAMPLE:
                    dispatcher.utter_message(text=why_with_example(check, language_of(tracker)))
                elif reply == "utter_invalid_age_vague":  # the limits are the reason to ask exactly
                    low, high = check.age_range or (None, None)
                    dispatcher.utter_message(response=reply, low=low, high=high)
                else:
                    dispatcher.utter_message(response=reply)
                return {check.slot: None}
            return self._accept(check, age.age, f"read age {age.age}", tracker)
        mentioned = any(term_id(str(entity)) in check.topic or entity in check.topic for entity in entity_ids(tracker))
        if asks_what_is_meant(text):
            # "what do you mean by up and about?": a question about the question, not an answer
            dispatcher.utter_message(text=why_with_example(check, language_of(tracker)))
            return {check.slot: None}
        read = read_answer(check, text, tracker, mentioned)
        if read is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_yes_no")
            return {check.slot: None}
        return self._accept(check, read[0], read[1], tracker)

    def _accept(self, check: Check, value: Any, how: str, tracker: Tracker) -> dict[str, Any]:
        logged = ((tracker.get_slot("answer_log") or {}).get(check.id) or {}).get("value")
        if tracker.get_slot("requested_slot") != check.slot and logged == str(value):
            # an earlier answer validated again as the form reopens (after "no, carry on" at a confirmation): its
            # log keeps the patient's own words, not the message that reopened the form
            return {check.slot: value}
        buttons = buttons_of(check, language_of(tracker))
        return {check.slot: value, "answer_log": log_typed_answer(tracker, check, value, how, "answered again",
                                                                  buttons)}


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
        language = language_of(tracker)
        if check.answer == "yes_no":
            dispatcher.utter_message(text=check.texts(language).question, buttons=buttons_of(check, language))
        else:
            dispatcher.utter_message(text=check.texts(language).question)
        return []


class ActionAskConfirmExclusion(Action):
    """Reads back the answer that would end the questions, and asks whether it is right."""

    def name(self) -> str:
        return "action_ask_confirm_exclusion"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        criteria = services.criteria()
        answers = answers_so_far(tracker)
        ruling = ruling_check(criteria, answers)
        if ruling is not None:
            dispatcher.utter_message(response="utter_confirm_exclusion",
                                     read_back=read_back(criteria, ruling, answers[ruling], language_of(tracker)))
        return []


# One Action subclass per check: rasa-sdk registers every subclass it finds in this package.
ASK_ACTIONS = {
    check.id: type(f"ActionAsk_{check.id}", (AskCheckAction,), {"check_id": check.id})
    for check in services.criteria().checks
}
