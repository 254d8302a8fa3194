"""Actions around the forms: start, finish and store a screening, hand off (withdrawal: withdrawal.py; start over:
start_over.py)."""

from __future__ import annotations

import logging
from dataclasses import asdict

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.answers import latest_text
from actions.dialogue import (
    answers_so_far,
    explain_rule_out,
    explain_unreadable,
    reopen_after_correction,
    study_team_will_tell,
)
from actions.lead_details import conversation_language, optional_text, shown_text_versions
from bot.leads.erasure import ERASE_SLOT
from bot.leads.reference_codes import new_reference_code
from bot.leads.store import ContactDetails, StoreError
from bot.reading import asks_why
from bot.settings import get_settings
from bot.trial.eligibility import Status, evaluate

log = logging.getLogger(__name__)


class ActionStartPrescreen(Action):
    """Introduces the study; the consent question follows from the form.

    A patient who already finished is welcomed back instead of being asked everything again.
    """

    def name(self) -> str:
        return "action_start_prescreen"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        outcome = tracker.get_slot("screening_outcome")
        reopened = reopen_after_correction(dispatcher, tracker)
        if reopened is not None:
            return reopened  # "sorry, I meant no" after the questions ended: not a "welcome back"
        if outcome == "screened_out" and asks_why(latest_text(tracker)) and explain_rule_out(dispatcher, tracker):
            return [FollowupAction("action_listen")]  # "why am I not eligible?" reads like "am I eligible?"
        if outcome in ("continue", "screened_out"):
            dispatcher.utter_message(response="utter_welcome_back", reference_code=tracker.get_slot("reference_code"))
            return [FollowupAction("action_listen")]
        if outcome == "not_stored":
            dispatcher.utter_message(response="utter_trying_again")
            return [SlotSet("screening_outcome", None)]
        try:
            services.lead_store().record_conversation_start()
        except StoreError:
            pass  # only an anonymous tally: the conversation goes on
        dispatcher.utter_message(response="utter_intro")
        return []


class ActionOfferPrescreen(Action):
    """After a side question outside the questions: offer to start, unless already started or done."""

    def name(self) -> str:
        return "action_offer_prescreen"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("consent") is None and tracker.get_slot("screening_outcome") is None:
            dispatcher.utter_message(response="utter_offer_prescreen")
        return []


class ActionFinishScreening(Action):
    """Scores the answers, stores the screening, and says what happens next."""

    def name(self) -> str:
        return "action_finish_screening"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("consent") is not True:
            dispatcher.utter_message(response="utter_no_consent")
            return [SlotSet("screening_outcome", "declined"), SlotSet(ERASE_SLOT, True)]
        criteria = services.criteria()
        result = evaluate(criteria, answers_so_far(tracker))
        answer_log: dict[str, dict[str, str]] = tracker.get_slot("answer_log") or {}
        code = new_reference_code()
        side_questions = tracker.get_slot("side_questions") or []
        language, text_versions = conversation_language(tracker), shown_text_versions(tracker)
        payload = {"answers": answers_so_far(tracker), "answer_log": answer_log, "reference_code": code,
                   "side_questions": side_questions, "language": language, "text_versions": text_versions}
        try:
            stored = services.write_or_spool(
                tracker.sender_id, "complete", payload,
                lambda: services.lead_store().complete_screening(
                    tracker.sender_id, result, answer_log, code, side_questions,
                    language=language, text_versions=text_versions,
                ),
            )
        except StoreError:
            dispatcher.utter_message(response="utter_not_stored")
            return [SlotSet("screening_outcome", "not_stored")]
        if stored is None:
            dispatcher.utter_message(response="utter_saved_later")
        code = stored or code
        events: list[EventType] = [SlotSet("reference_code", code)]
        if result.status is Status.LIKELY_INELIGIBLE:
            dispatcher.utter_message(response="utter_screened_out")
            return [*events, SlotSet("screening_outcome", "screened_out")]
        if result.status is Status.LIKELY_ELIGIBLE:
            dispatcher.utter_message(response="utter_may_be_eligible")
        else:
            dispatcher.utter_message(response="utter_needs_review")
        return [*events, SlotSet("screening_outcome", "continue")]


class ActionSubmitLead(Action):
    """Stores the confirmed contact details and gives the reference code."""

    def name(self) -> str:
        return "action_submit_lead"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        code = tracker.get_slot("reference_code")
        if tracker.get_slot("contact_ok") is not True:
            dispatcher.utter_message(response="utter_lead_saved_no_contact", reference_code=code)
            return []
        contact = ContactDetails(
            name=tracker.get_slot("contact_name"),
            phone=tracker.get_slot("contact_phone") or None,
            email=tracker.get_slot("contact_email") or None,
            preferred_time=tracker.get_slot("contact_time") or None,
            wechat=optional_text(tracker.get_slot("contact_wechat")),
        )
        try:
            services.write_or_spool(tracker.sender_id, "contact", {"contact": asdict(contact)},
                                    lambda: services.lead_store().save_contact(tracker.sender_id, contact))
        except StoreError:
            dispatcher.utter_message(response="utter_not_stored")
            return []
        dispatcher.utter_message(response="utter_lead_saved", reference_code=code)
        return []




# By whether there is a reference code to quote.
HANDOFF_RESPONSES = {False: "utter_handoff", True: "utter_handoff_quoting_code"}
HANDOFF_WITH_EMAIL_RESPONSES = {False: "utter_handoff_with_email", True: "utter_handoff_with_email_quoting_code"}


class ActionHandoff(Action):
    """Tells the patient how to reach a person on the study team."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        settings = get_settings()
        # once there is a reference code, the patient is asked to quote it (a response of its own: slot
        # conditions can say "no code yet" but not "a code", so they cannot choose it in two languages)
        quoting = bool(tracker.get_slot("reference_code"))
        if settings.study_contact_email:
            dispatcher.utter_message(
                response=HANDOFF_WITH_EMAIL_RESPONSES[quoting], phone=settings.study_contact_phone,
                email=settings.study_contact_email,
            )
        else:
            dispatcher.utter_message(response=HANDOFF_RESPONSES[quoting], phone=settings.study_contact_phone)
        return []


class ActionAnswerLocation(Action):
    """Where the study takes place, with the hospital's number from the settings."""

    def name(self) -> str:
        return "action_answer_location"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        noted = study_team_will_tell(dispatcher, tracker)
        if noted is not None:
            return noted  # "must I move to Shanghai?" is about living there, not where the hospital is
        dispatcher.utter_message(response="utter_location", phone=get_settings().study_contact_phone)
        return []


class ActionDefaultFallback(Action):
    """When the assistant is unsure what was meant: say so, in a way that helps."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if asks_why(latest_text(tracker)) and explain_rule_out(dispatcher, tracker):
            return []
        reopened = reopen_after_correction(dispatcher, tracker)
        if reopened is not None:
            return reopened  # "我说错了" after the questions ended early
        explain_unreadable(dispatcher, tracker, "utter_default")
        return []
