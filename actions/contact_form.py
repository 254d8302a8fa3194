"""The contact form: permission to call, name, phone and/or email, a good time, then a read-back."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import is_side_request, latest_intent, latest_text
from actions.prescreen_form import explain_unreadable, language_switched
from bot.reading import (
    contact_confirmation_words,
    is_skip,
    read_contact_time,
    read_email,
    read_name,
    read_phone,
    read_yes_no,
)

CONTACT_SLOTS = ("contact_name", "contact_phone", "contact_email", "contact_time", "contact_confirmed")
SKIPPED = False  # a skipped phone or email is stored in its slot as False: answered, but no value


class ValidateContactForm(FormValidationAction):
    def name(self) -> str:
        return "validate_contact_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot("contact_ok") is False:
            return ["contact_ok"]
        return ["contact_ok", *CONTACT_SLOTS]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """A language request is not a name or a phone number: switch, and ask the same question again."""
        switched = language_switched(dispatcher, tracker)
        if switched is None:
            return await super().run(dispatcher, tracker, domain)
        events: list[EventType] = [SlotSet(slot, value) for slot, value in switched.items()]
        tracker.add_slots(events)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        return [*events, next_slot] if next_slot else events

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Every message answers the question being asked, unless it is a side question."""
        slot = tracker.get_slot("requested_slot")
        if slot not in ("contact_ok", *CONTACT_SLOTS) or is_side_request(tracker):
            return []
        return [SlotSet(slot, latest_text(tracker))]

    def _yes_no(self, value: Any, tracker: Tracker, words: dict[str, tuple[str, ...]] | None = None) -> str | None:
        if isinstance(value, bool):
            return "yes" if value else "no"
        intent, confidence = latest_intent(tracker)
        reading = read_yes_no(str(value), intent=intent, confidence=confidence, words=words)
        return reading.value if reading else None

    async def validate_contact_ok(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = self._yes_no(value, tracker)
        if answer in ("yes", "no"):
            return {"contact_ok": answer == "yes"}
        explain_unreadable(dispatcher, tracker, "utter_invalid_yes_no")
        return {"contact_ok": None}

    async def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = read_name(str(value))
        if name is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_contact_name")
        return {"contact_name": name}

    async def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is SKIPPED or is_skip(str(value)):
            return {"contact_phone": SKIPPED}
        phone = read_phone(str(value))
        if phone is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_contact_phone")
        return {"contact_phone": phone}

    async def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is SKIPPED or is_skip(str(value)):
            if not tracker.get_slot("contact_phone"):
                dispatcher.utter_message(response="utter_need_phone_or_email")
                return {"contact_email": None, "contact_phone": None}
            return {"contact_email": SKIPPED}
        email = read_email(str(value))
        if email is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_contact_email")
        return {"contact_email": email}

    async def validate_contact_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        when = read_contact_time(str(value))
        if when is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_contact_time")
        return {"contact_time": when}

    async def validate_contact_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = self._yes_no(value, tracker, contact_confirmation_words())
        if answer == "yes":
            return {"contact_confirmed": True}
        if answer == "no":
            dispatcher.utter_message(response="utter_contact_again")
            return {slot: None for slot in CONTACT_SLOTS}
        explain_unreadable(dispatcher, tracker, "utter_invalid_yes_no")
        return {"contact_confirmed": None}


def contact_summary(tracker: Tracker, domain: DomainDict) -> dict[str, str]:
    """The contact details to read back, as the variables of `utter_contact_summary`.

    A detail not given is shown in the words of `utter_contact_not_given` (patient text lives in the domain).
    """
    not_given = domain["responses"]["utter_contact_not_given"][0]["text"]

    def shown(slot: str) -> str:
        return str(tracker.get_slot(slot) or not_given)

    return {
        "name": shown("contact_name"),
        "phone": shown("contact_phone"),
        "email": shown("contact_email"),
        "best_time": shown("contact_time"),
    }


class ActionAskContactConfirmed(Action):
    """Reads the contact details back before they are stored."""

    def name(self) -> str:
        return "action_ask_contact_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_contact_summary", **contact_summary(tracker, domain))
        return []
