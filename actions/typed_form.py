"""What the contact and other-studies forms share: every message answers the open question (unless it
is a side question), and a language request switches and asks the same question again."""

from __future__ import annotations

from abc import abstractmethod

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.answers import is_side_request, latest_text
from actions.dialogue import language_switched
from actions.way_forward import offer_way_forward


class TypedAnswersForm(FormValidationAction):
    """A form whose slots (`answer_slots`) take the patient's words as typed, for the validators to read."""

    answer_slots: tuple[str, ...] = ()

    @abstractmethod  # abstract, so rasa-sdk does not register this base class as an action of its own
    def name(self) -> str:
        """validate_<form>"""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """A language request is not a name or a phone number: switch, and ask the same question again. A
        question asked again a second time in a row comes with a way forward (the study team's number)."""
        switched = language_switched(dispatcher, tracker)
        if switched is None:
            events = await super().run(dispatcher, tracker, domain)
        else:
            events = [SlotSet(slot, value) for slot, value in switched.items()]
            tracker.add_slots(events)
            next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
            events = [*events, next_slot] if next_slot else events
        offer_way_forward(dispatcher, tracker, events, not_sure_works=False)
        return events

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Every message answers the question being asked, unless it is a side question."""
        slot = tracker.get_slot("requested_slot")
        if slot not in self.answer_slots or is_side_request(tracker):
            return []
        return [SlotSet(slot, latest_text(tracker))]
