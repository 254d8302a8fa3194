"""After the questions ruled the patient out: the offer to hear about other studies (a separate, optional
consent), a name and a phone number or e-mail address, a read-back, then the details stored.

"Not sure" (or an answer that cannot be read) is explained once and the offer asked again; the next
answer that is not a yes counts as no. A correction of the ruling answer ("sorry, I meant no") leaves
the offer and reopens the questions, as it did before the offer existed.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.answers import latest_intent, yes_no_answer
from actions.dialogue import explain_rule_out, explain_unreadable, read_back_answer, reopen_after_correction
from actions.language import language_of
from actions.typed_form import TypedAnswersForm
from bot.leads.other_studies import OtherStudiesDetails
from bot.leads.store import StoreError
from bot.reading import (
    asks_why,
    declines_name,
    is_question,
    is_skip,
    is_tapped,
    keeps_nothing,
    other_studies_words,
    read_email,
    read_name,
    read_name_and_contact,
    read_phone,
    says_yes_in_words,
)
from bot.settings import get_settings

OFFER_SLOT = "other_studies_ok"
DETAIL_SLOTS = ("other_studies_name", "other_studies_contact", "other_studies_confirmed")
ASKED_AGAIN_SLOT = "other_studies_asked_again"
# Small talk at the offer: a kind goodbye, not "please answer yes or no".
LEAVING_INTENTS = frozenset({"goodbye", "thank"})


def offered(tracker: Tracker) -> bool:
    """Whether the offer may be made: the setting allows it and contact details can be stored (a data key)."""
    return get_settings().offer_other_studies and services.lead_store().cipher is not None


def details_of(tracker: Tracker) -> OtherStudiesDetails:
    """The confirmed details: the contact slot holds a phone number or an e-mail address."""
    contact = str(tracker.get_slot("other_studies_contact") or "")
    email = contact if "@" in contact else None
    return OtherStudiesDetails(name=str(tracker.get_slot("other_studies_name") or ""),
                               phone=None if email else contact or None, email=email)


def read_phone_or_email(text: str, language: str) -> str | None:
    return read_email(text) or read_phone(text, language)


class ValidateOtherStudiesForm(TypedAnswersForm):
    answer_slots = (OFFER_SLOT, *DETAIL_SLOTS)

    def name(self) -> str:
        return "validate_other_studies_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if not offered(tracker):
            return []
        if tracker.get_slot(OFFER_SLOT) is not True:
            return [OFFER_SLOT]
        return [OFFER_SLOT, *DETAIL_SLOTS]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """A language request is asked again in the new language; a correction of the ruling answer
        leaves the offer for the questions (action_finish_screening offers again if they still rule out)."""
        if tracker.get_slot("requested_slot") == OFFER_SLOT:
            reopened = reopen_after_correction(dispatcher, tracker)
            if reopened is not None:
                return [*reopened, SlotSet("requested_slot", None), ActiveLoop(None)]
        return await super().run(dispatcher, tracker, domain)

    async def validate_other_studies_ok(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value)
        if asks_why(text) and explain_rule_out(dispatcher, tracker):
            return {OFFER_SLOT: None}  # "why am I not eligible?", read as an answer: told, and offered again
        named = None if is_tapped(text) else read_name_and_contact(text, language_of(tracker))
        contact = None if is_tapped(text) or named else read_phone_or_email(text, language_of(tracker))
        if contact is not None or named is not None:
            # an e-mail address or a phone number typed in answer (with a name: "Margaret Hill, mhill@outlook.com"):
            # "yes, and here it is"; the details are read back ("Is that right?") before anything is kept, so the
            # consent stays explicit
            dispatcher.utter_message(response="utter_contact_typed_read_back_later")
            if named is not None:
                return {OFFER_SLOT: True, "other_studies_name": named[0], "other_studies_contact": named[1]}
            return {OFFER_SLOT: True, "other_studies_contact": contact}
        intent, _ = latest_intent(tracker)
        if intent in LEAVING_INTENTS and not is_tapped(text) and not says_yes_in_words(text):
            return {OFFER_SLOT: False}  # "ok thank you", "好的，谢谢你": a consent needs a yes, this is goodbye
        answer = yes_no_answer(value, tracker, other_studies_words())
        if answer in ("yes", "no"):
            return {OFFER_SLOT: answer == "yes"}
        if tracker.get_slot(ASKED_AGAIN_SLOT):
            return {OFFER_SLOT: False}  # explained once already: not a yes, so nothing is kept
        if answer == "unsure" or is_question(text):  # "not sure", "what would you keep?": what it means
            dispatcher.utter_message(response="utter_other_studies_unsure")
        else:
            explain_unreadable(dispatcher, tracker, "utter_invalid_contact_ok")
        return {OFFER_SLOT: None, ASKED_AGAIN_SLOT: True}

    async def validate_other_studies_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = read_name(str(value))
        if name is None and yes_no_answer(value, tracker, other_studies_words()) == "no":
            return self._changed_mind()  # "no, forget it": nothing is kept
        if name is None and declines_name(str(value)):
            dispatcher.utter_message(response="utter_contact_name_declined")
        elif name is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_contact_name")
        return {"other_studies_name": name}

    async def validate_other_studies_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        contact = read_phone_or_email(str(value), language_of(tracker))
        if contact is None and (is_skip(str(value)) or yes_no_answer(value, tracker, other_studies_words()) == "no"):
            return self._changed_mind()  # without a number or an address there is nothing to keep
        if contact is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_other_studies_contact")
        return {"other_studies_contact": contact}

    async def validate_other_studies_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not isinstance(value, bool) and keeps_nothing(str(value)):
            return self._changed_mind()  # "no actually don't keep it": the permission taken back, nothing is kept
        return read_back_answer(value, dispatcher, tracker, "other_studies_confirmed", DETAIL_SLOTS)

    @staticmethod
    def _changed_mind() -> dict[str, Any]:
        return {OFFER_SLOT: False, **{slot: None for slot in DETAIL_SLOTS}}


class ActionAskOtherStudiesOk(Action):
    """The offer, with the retention period; after "not sure" was explained, the short question again."""

    def name(self) -> str:
        return "action_ask_other_studies_ok"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot(ASKED_AGAIN_SLOT):
            dispatcher.utter_message(response="utter_ask_other_studies_ok_again")
        else:
            dispatcher.utter_message(response="utter_ask_other_studies_ok",
                                     retention_days=get_settings().retention_days)
        return []


class ActionAskOtherStudiesConfirmed(Action):
    """Reads the name and the phone number or e-mail address back before they are stored."""

    def name(self) -> str:
        return "action_ask_other_studies_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_other_studies_summary",
                                 name=tracker.get_slot("other_studies_name"),
                                 contact=tracker.get_slot("other_studies_contact"))
        return []


class ActionSubmitOtherStudies(Action):
    """Stores the confirmed details with the consent text's version, or says a kind goodbye."""

    def name(self) -> str:
        return "action_submit_other_studies"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot(OFFER_SLOT) is False:
            dispatcher.utter_message(response="utter_other_studies_declined")
            return []
        if tracker.get_slot(OFFER_SLOT) is not True or tracker.get_slot("other_studies_confirmed") is not True:
            return []  # not offered (no data key, or switched off), or left by a correction
        details = details_of(tracker)
        language = language_of(tracker)
        version = services.other_studies_consent_version(language)
        payload = {"details": asdict(details), "consent_version": version, "language": language}
        try:
            services.write_or_spool(
                tracker.sender_id, "other_studies", payload,
                lambda: services.lead_store().save_other_studies_contact(
                    tracker.sender_id, details, version, language),
            )
        except (StoreError, ValueError):
            dispatcher.utter_message(response="utter_other_studies_not_stored")
            return []
        dispatcher.utter_message(response="utter_other_studies_saved",
                                 reference_code=tracker.get_slot("reference_code"),
                                 retention_days=get_settings().retention_days)
        return []
