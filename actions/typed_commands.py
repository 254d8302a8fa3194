"""Commands a patient types, such as "/restart" or "/back": answered, never a silent turn, never destructive.

Rasa reads a message that starts with "/" and names an intent as that intent, without the NLU. Its own
intents "restart" and "back" then run its default actions, which reply nothing: "/restart" reset the
conversation's slots in silence (the answers stayed stored) and "/back" undid a turn. These actions
take their place (a custom action named like a default one replaces it): they say what can be typed
instead, and the question that was open is asked again. "/stop", "/foo", "/start" name no intent, so
Rasa gives them to the NLU as text, like any message.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


def typed_command_reply(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """What can be typed instead; then the open question again (inside a form) or nothing more."""
    dispatcher.utter_message(response="utter_typed_command")
    form = tracker.active_loop.get("name") if tracker.active_loop else None
    return [FollowupAction(form)] if form else []


class ActionRestart(Action):
    """ "/restart" typed: not a silent reset of the conversation."""

    def name(self) -> str:
        return "action_restart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return typed_command_reply(dispatcher, tracker)


class ActionBack(Action):
    """ "/back" typed: not a silent undo of the last turn."""

    def name(self) -> str:
        return "action_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return typed_command_reply(dispatcher, tracker)
