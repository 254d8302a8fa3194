"""The prescreen form: consent first, then one question per check in bot/trial/nct05240950.yml."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.answers import entity_ids, is_side_request, latest_intent, latest_text, patient_words
from actions.language import LANGUAGE_SLOT, language_of
from actions.way_forward import offer_way_forward
from bot.leads.store import StoreError
from bot.nlu.terms import term_id
from bot.reading import (
    MAX_ANSWER_CHARS,
    asks_to_start_over,
    asks_to_withdraw,
    asks_what_is_meant,
    consent_words,
    declines_to_answer,
    is_question,
    read_age,
    read_yes_no,
)
from bot.reading.check_answer import read_check_answer
from bot.reading.corrections import read_correction
from bot.reading.language import language_request, looks_unsupported
from bot.reading.requests import STOPPING_TREATMENT_TOPIC, leaves_for_now, stops_something_else
from bot.reading.side_questions import SideTopic, read_side_question
from bot.reading.text import clean_text
from bot.texts.responses import variations
from bot.trial.criteria import Check
from bot.trial.eligibility import evaluate, questions_to_ask, read_back, ruling_check

log = logging.getLogger(__name__)

# Small talk that gets its own short reply when the answer can't be read; anything else
# unreadable (off-topic, gibberish) gets the question's own hint, which helps more.
_UNREADABLE_REPLIES = {
    "greet": "utter_greet_again",
    "thank": "utter_welcome",
    "goodbye": "utter_goodbye_midway",
}
CONFIRM_SLOT = "confirm_exclusion"  # holds the id of the check whose ruling answer the patient confirmed
SIDE_QUESTIONS_SLOT = "side_questions"  # the patient's own questions, noted for the coordinator


def now_iso() -> str:
    """When an answer was given, corrected or confirmed (UTC, for the coordinator)."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def logged_answer(answer_log: dict[str, Any], check_id: str, entry: dict[str, Any], event: str) -> dict[str, Any]:
    """The answer log with `entry` as the check's answer; an earlier answer goes to its history with `event`."""
    answer_log = dict(answer_log)
    previous = answer_log.get(check_id)
    history = list(previous.get("history", [])) if previous else []
    if previous and previous.get("value"):  # (an answer asked again after the exit left no value)
        # the earlier answer, how it ended ("corrected", "answered again" after a denied read-back) and when
        earlier = {key: previous[key] for key in ("text", "value", "how", "denied_text") if key in previous}
        history.append(earlier | {"event": event, "at": now_iso()})
    answer_log[check_id] = {**entry, **({"history": history} if history else {})}
    return answer_log


def side_question_note(tracker: Tracker, topic: str) -> list[dict[str, str]]:
    """The patient's questions so far plus this one (its topic and the cleaned text), for the coordinator."""
    notes = list(tracker.get_slot(SIDE_QUESTIONS_SLOT) or [])
    notes.append({"topic": topic, "text": clean_text(latest_text(tracker)), "at": now_iso(),
                  "during": str(tracker.get_slot("requested_slot") or "")})
    return notes


def answers_so_far(tracker: Tracker) -> dict[str, Any]:
    return {check.id: tracker.get_slot(check.slot) for check in services.criteria().checks}


def buttons_of(check: Check, language: str = "en") -> list[dict[str, str]]:
    """The check's buttons as the patient sees them, in the conversation's language."""
    return [{"title": b.title, "payload": b.payload} for b in check.texts(language).buttons]


def why_with_example(check: Check, language: str) -> str:
    """ "What do you mean?": why the question is asked, then how to answer it."""
    texts = check.texts(language)
    return joined_sentences([texts.why, texts.example])


def joined_sentences(sentences: list[str]) -> str:
    """Sentences as one text: a space after an English sentence, none after a Chinese one (。？)."""
    text = ""
    for sentence in filter(None, sentences):
        text += sentence if not text or not text[-1].isascii() else " " + sentence
    return text


def explain_unreadable(dispatcher: CollectingDispatcher, tracker: Tracker, default_response: str) -> None:
    """Say why the answer was not taken: another language, too long, off-topic, or unclear."""
    text = latest_text(tracker)
    intent, _ = latest_intent(tracker)
    if looks_unsupported(text):
        dispatcher.utter_message(response="utter_language_not_supported")
    elif len(text) > MAX_ANSWER_CHARS:
        dispatcher.utter_message(response="utter_answer_too_long")
    elif intent in _UNREADABLE_REPLIES:
        dispatcher.utter_message(response=_UNREADABLE_REPLIES[intent])
    else:
        dispatcher.utter_message(response=default_response)


def language_switched(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any] | None:
    """ "说中文", "English please" in a form: action_set_language has switched; say so, and the form asks again.

    The language is set again so that the form counts the message as handled rather than rejecting it.
    """
    if language_request(latest_text(tracker)) is None:
        return None
    dispatcher.utter_message(response="utter_language_switched")
    return {LANGUAGE_SLOT: language_of(tracker)}


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
        """Reads the message; a question asked again a second time in a row comes with a way forward."""
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
        if open_check is None or is_tapped_text(text) or is_side_request(tracker):
            return None  # "can we start again, I made a mistake" is a request, handled by its rule
        correction = read_correction(text)
        if correction is None:
            return None
        criteria = services.criteria()
        answers = answers_so_far(tracker)
        if tracker.get_slot("requested_slot") == CONFIRM_SLOT:
            target = open_check  # the ruling answer being read back is the one corrected
        else:
            asked = questions_to_ask(criteria, answers)
            earlier = [check_id for check_id in asked[: asked.index(open_check)] if answers.get(check_id) is not None]
            if not earlier:
                return None  # nothing answered before: the message answers the open question
            target = earlier[-1]
        check = criteria.check(target)
        answer_log = tracker.get_slot("answer_log") or {}
        new = self._read(check, correction.answer_text, tracker) if correction.answer_text else None
        if new is not None and new[0] == answers.get(check.id):
            new = None  # "no, that's not right" to the read-back of a "no": the question is asked again
        if new is None:
            dispatcher.utter_message(response="utter_correction_go_back")
            return {check.slot: None, CONFIRM_SLOT: None}
        value, how = new
        dispatcher.utter_message(response="utter_correction_applied")
        entry = {"text": patient_words(tracker), "value": str(value), "how": f"corrected ('{correction.how}'): {how}"}
        return {check.slot: value, CONFIRM_SLOT: None,
                "answer_log": logged_answer(answer_log, check.id, entry, "corrected")}

    def _side_question(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any] | None:
        """A question of the patient's ("do I have to live in Shanghai?") is answered, never stored as an answer."""
        text = latest_text(tracker)
        if self._open_check(tracker) is None or is_tapped_text(text) or is_side_request(tracker):
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
        response = f"utter_study_team_will_tell_{topic}"
        dispatcher.utter_message(response="utter_side_question_other" if topic == SideTopic.OTHER.value else response)
        return {SIDE_QUESTIONS_SLOT: side_question_note(tracker, topic)}

    def _after_answer_question(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """ "yes, but how much does it cost?": the answer is read as usual; the question is answered too."""
        text = latest_text(tracker)
        if self._open_check(tracker) is None or is_tapped_text(text):
            return []
        side = read_side_question(text)
        if side is None or not side.after_answer or side.topic is SideTopic.OTHER:
            return []
        topic = side_topic(text, side.topic)
        dispatcher.utter_message(response=f"utter_study_team_will_tell_{topic}")
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
        entry = dict(answer_log.get(check.id) or {})
        if reading.value == "yes":
            entry["confirmed_at"] = now_iso()
            answer_log[check.id] = entry
            return {CONFIRM_SLOT: ruling, "answer_log": answer_log}
        shown = variations(domain, "utter_confirm_exclusion", language_of(tracker)) if domain.get("responses") else []
        words = patient_words(tracker, (shown or [{}])[0].get("buttons") or [])  # the buttons the patient saw
        if reading.value == "unsure" and check.answer == "yes_no" and not is_tapped_text(str(value)):
            new = {"text": words, "value": "unsure", "how": f"not sure at the read-back: {reading.how}"}
            return {check.slot: "unsure", CONFIRM_SLOT: None,
                    "answer_log": logged_answer(answer_log, check.id, new, "not confirmed")}
        # "No / I'm not sure": the question is asked again; the denied answer stays in the history
        answer_log[check.id] = entry | {"denied_text": words}
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
        intent, confidence = latest_intent(tracker)
        if leaves_for_now(text):  # "我先去问问医生，回头再来": the question stays open for when they come back
            dispatcher.utter_message(response="utter_goodbye_midway")
            return {check.slot: None}
        if check.answer == "age":
            age = read_age(text, boundaries=check.age_range)
            if age.age is None:
                if age.problem == "unreadable" and (declines_to_answer(text) or asks_what_is_meant(text)):
                    # "I'd rather not say", "why?": say why the age matters, then ask again
                    dispatcher.utter_message(text=why_with_example(check, language_of(tracker)))
                elif looks_unsupported(text) or intent in _UNREADABLE_REPLIES and age.problem == "unreadable":
                    explain_unreadable(dispatcher, tracker, "utter_invalid_age")
                elif age.problem == "vague":  # "六十多岁", "快七十了": the limits are the reason to ask exactly
                    low, high = check.age_range or (None, None)
                    dispatcher.utter_message(response="utter_invalid_age_vague", low=low, high=high)
                elif age.problem in ("impossible", "birthday", "several"):
                    dispatcher.utter_message(response=f"utter_invalid_age_{age.problem}")
                else:
                    explain_unreadable(dispatcher, tracker, "utter_invalid_age")
                return {check.slot: None}
            return self._accept(check, age.age, f"read age {age.age}", tracker)
        mentioned = any(term_id(str(entity)) in check.topic or entity in check.topic for entity in entity_ids(tracker))
        if asks_what_is_meant(text):
            # "what do you mean by up and about?": a question about the question, not an answer
            dispatcher.utter_message(text=why_with_example(check, language_of(tracker)))
            return {check.slot: None}
        read = self._read(check, text, tracker, mentioned)
        if read is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_yes_no")
            return {check.slot: None}
        return self._accept(check, read[0], read[1], tracker)

    def _read(self, check: Check, text: str, tracker: Tracker, mentioned: bool = False) -> tuple[Any, str] | None:
        """The value and how it was read, or None: record-based answers go to the not-told reader first."""
        intent, confidence = latest_intent(tracker)
        return read_check_answer(check, text, intent=intent, confidence=confidence, topic_mentioned=mentioned)

    def _accept(self, check: Check, value: Any, how: str, tracker: Tracker) -> dict[str, Any]:
        log_entry = {"text": patient_words(tracker, buttons_of(check, language_of(tracker))), "value": str(value),
                     "how": how}
        answer_log = logged_answer(tracker.get_slot("answer_log") or {}, check.id, log_entry, "answered again")
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
        language = language_of(tracker)
        if check.answer == "yes_no":
            dispatcher.utter_message(text=check.texts(language).question, buttons=buttons_of(check, language))
        else:
            dispatcher.utter_message(text=check.texts(language).question)
        return []


def is_tapped_text(text: str) -> bool:
    return text.startswith("/")


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


def explain_rule_out(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """After the questions ended early: say which rule of the study the answers met. False if not ruled out."""
    if tracker.get_slot("screening_outcome") != "screened_out":
        return False
    criteria = services.criteria()
    failed = evaluate(criteria, answers_so_far(tracker)).failed
    if not failed:
        return False
    language = language_of(tracker)
    reasons = joined_sentences([criteria.check(result.check_id).texts(language).why for result in failed])
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
            dispatcher.utter_message(text=criteria.check(slot).texts(language_of(tracker)).why)
        elif slot == "consent":
            dispatcher.utter_message(response="utter_privacy")
        elif slot and slot.startswith("contact_"):
            dispatcher.utter_message(response="utter_explain_contact")
        elif slot and slot.startswith("other_studies_") and slot != "other_studies_ok":
            dispatcher.utter_message(response="utter_explain_other_studies")
        elif not explain_rule_out(dispatcher, tracker):  # "why?" after the questions ended early
            dispatcher.utter_message(response="utter_study")
        return []


def side_topic(text: str, topic: SideTopic) -> str:
    """The topic's id, except that "must I stop my chemo tablets?" is about the patient's treatment, not
    about leaving the study one day."""
    return STOPPING_TREATMENT_TOPIC if stops_something_else(text) else topic.value


def study_team_will_tell(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """Cost, payment, travel, living in Shanghai, duration, stopping, a family member, stopping a treatment:
    "the study team will tell you", with the question noted for the coordinator; None for any other question."""
    text = latest_text(tracker)
    side = read_side_question(text)
    if side is None:
        return None
    topic = side_topic(text, side.topic)
    if topic == SideTopic.OTHER.value:
        return None
    dispatcher.utter_message(response=f"utter_study_team_will_tell_{topic}")
    return [SlotSet(SIDE_QUESTIONS_SLOT, side_question_note(tracker, topic))]


class ActionAnswerSideQuestion(Action):
    """A question about the study: the summary's answer, or, for what only the study team can say
    (cost, payment, travel, living in Shanghai, duration, stopping, a family member), an honest
    "the study team will tell you", with the question noted for the coordinator."""

    def name(self) -> str:
        return "action_answer_side_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        noted = study_team_will_tell(dispatcher, tracker)
        if noted is not None:
            return noted
        intent, _ = latest_intent(tracker)
        # ask_study → utter_study: the summary's own answer to the intent
        dispatcher.utter_message(response=f"utter_{(intent or 'ask_study').removeprefix('ask_')}")
        return []


def reopen_after_correction(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """ "sorry, I meant no" straight after the questions ended early: undo the ruling and ask again.

    The ruling answer is changed when the message carries a new one, otherwise asked again; the form
    then reopens where it stopped (no "start over"). None when the message is not such a correction.
    """
    text = latest_text(tracker)
    if tracker.get_slot("screening_outcome") != "screened_out" or is_tapped_text(text):
        return None
    if asks_to_start_over(text) or asks_to_withdraw(text):
        return None  # "start over, I made a mistake": the patient asked for that, not for the last question
    correction = read_correction(text)
    criteria = services.criteria()
    ruling = ruling_check(criteria, answers_so_far(tracker))
    if correction is None or ruling is None:
        return None
    check = criteria.check(ruling)
    new = ValidatePrescreenForm()._read(check, correction.answer_text, tracker) if correction.answer_text else None
    events: list[EventType] = [SlotSet(CONFIRM_SLOT, None), SlotSet("screening_outcome", None)]
    answer_log = dict(tracker.get_slot("answer_log") or {})
    answers = answers_so_far(tracker)
    if new is None:
        dispatcher.utter_message(response="utter_correction_go_back")
        events.append(SlotSet(check.slot, None))
        answers[check.id] = None
        if check.id in answer_log:  # the ruled-out answer is kept in the history, not as the answer
            answer_log = logged_answer(answer_log, check.id, {"text": "", "value": "", "how": "asked again"},
                                       "corrected")
            events.append(SlotSet("answer_log", answer_log))
    else:
        value, how = new
        dispatcher.utter_message(response="utter_correction_applied")
        entry = {"text": patient_words(tracker), "value": str(value), "how": f"corrected ('{correction.how}'): {how}"}
        answer_log = logged_answer(answer_log, check.id, entry, "corrected")
        answers[check.id] = value
        events += [SlotSet(check.slot, value), SlotSet("answer_log", answer_log)]
    restore_without_ruling(tracker, answers, answer_log)
    return [*events, FollowupAction("prescreen_form")]


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
