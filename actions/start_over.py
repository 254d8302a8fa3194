"""Start over: asked for in one message, confirmed in one tap or word, and only then the answers are cleared.

A typed "start over" / "重新开始" gets "Do you want to start over from the beginning? Your answers so far will
be cleared. [Yes, start over] [No, carry on]" (start_over_form): a yes clears the answers and introduces the
study again; anything else keeps everything and carries on with the question that was open, as a declined
withdrawal does. A tap of "/start_over" is already confirmed: it comes from [Yes, start over] or from the
chat page's own "Start over", which asks in the page first.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.answers import latest_text
from actions.dialogue import not_understood
from actions.language import kept_language
from actions.withdrawal import carry_on
from bot.leads.store import StoreError
from bot.reading import asks_to_start_over, is_tapped
from bot.reading.requests import confirms_start_over

log = logging.getLogger(__name__)

CONFIRM_SLOT = "confirm_start_over"  # True: the patient confirmed; False: anything else
REQUEST_SLOT = "start_over_request"  # {"during": the form that was open}


class ActionRestartPrescreen(Action):
    """ "start over": note the request and leave the open question; start_over_form asks to confirm.

    A tapped "/start_over" has been confirmed already, so the answers are cleared at once
    (action_finish_start_over, then the rules introduce the study again).
    """

    def name(self) -> str:
        return "action_restart_prescreen"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = latest_text(tracker)
        if not asks_to_start_over(text):
            return not_understood(dispatcher, tracker)
        form = tracker.active_loop.get("name") if tracker.active_loop else None
        events: list[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None),
                                   SlotSet(REQUEST_SLOT, {"during": form or ""})]
        if is_tapped(text) and confirms_start_over(text):
            return [*events, SlotSet(CONFIRM_SLOT, True), FollowupAction("action_finish_start_over")]
        return events


class ValidateStartOverForm(FormValidationAction):
    """Reads the answer to "Do you want to start over?": yes, or anything else (no)."""

    def name(self) -> str:
        return "validate_start_over_form"

    async def extract_confirm_start_over(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Every message answers the confirmation: it is never asked twice."""
        if tracker.get_slot("requested_slot") != CONFIRM_SLOT:
            return {}
        return {CONFIRM_SLOT: confirms_start_over(latest_text(tracker))}

    async def validate_confirm_start_over(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """True or False from the patient's answer; None (not asked yet: a slot emptied this turn) stays None."""
        return {CONFIRM_SLOT: None if value is None else value is True}


class ActionFinishStartOver(Action):
    """After the confirmation: clear the answers (the rules then introduce the study again), or carry on with
    the open question, nothing lost."""

    def name(self) -> str:
        return "action_finish_start_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        request = tracker.get_slot(REQUEST_SLOT) or {}
        if tracker.get_slot(CONFIRM_SLOT) is True:
            return start_over(dispatcher, tracker)
        cleared: list[EventType] = [SlotSet(CONFIRM_SLOT, None), SlotSet(REQUEST_SLOT, None)]
        events = carry_on(dispatcher, tracker, request.get("during") or None, "utter_start_over_cancelled")
        if not any(event.get("event") == "followup" for event in events):
            # nothing open: listen (the rule after a confirmed start over would introduce the study again)
            events.append(FollowupAction("action_listen"))
        return [*cleared, *events]


def start_over(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Clears the answers, stored and in the conversation; the language is kept."""
    try:
        services.lead_store().erase_conversation(tracker.sender_id, actor="patient-restart")
    except StoreError:
        log.warning("restart: earlier answers of conversation %s could not be erased", tracker.sender_id)
    dispatcher.utter_message(response="utter_restarted")
    return [ActiveLoop(None), AllSlotsReset(), *kept_language(tracker)]
