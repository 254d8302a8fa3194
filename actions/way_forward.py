"""No dead end: a question asked again a second time in a row comes with a way forward.

After a form's validator read a message that leaves the open question open (unreadable, a question of
the patient's, "why?"...), this counts, from the conversation's own events, how many of the patient's
messages in a row left that question open. From the second, the assistant also says how to move on:
tap a button or answer "not sure" (questions that take it), or call the study team
(STUDY_CONTACT_PHONE) or ask for a person. Nothing is stored for it: the transcript is the count.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import get_settings

REPEATS_BEFORE_WAY_FORWARD = 2  # the way forward comes with the third asking, after a second unreadable answer
# "not sure" answers the checks' yes/no questions and the read-back (read as unknown: the study team goes
# through it); the other questions (age, consent, contact details) are offered the phone and a person.
NOT_SURE_WORKS = "utter_way_forward"
OTHERWISE = "utter_way_forward_call"


def asked_again(events: list[EventType], tracker: Tracker) -> bool:
    """Whether the validator's events leave the open question open (no value for it, no other question next)."""
    asked = tracker.get_slot("requested_slot")
    slots: dict[str, Any] = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return bool(asked) and slots.get("requested_slot", asked) == asked and slots.get(asked) is None


def open_question_turns(tracker: Tracker) -> list[tuple[Any, Any]]:
    """For each of the patient's messages: (the open question when it was typed, the open question after it)."""
    turns: list[tuple[Any, Any]] = []
    current: Any = None
    for event in tracker.events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            current = event.get("value")
            if turns:
                turns[-1] = (turns[-1][0], current)
        elif kind in ("restart", "reset_slots", "session_started"):
            current = None
        elif kind == "user":
            turns.append((current, current))
    return turns


def times_left_open(tracker: Tracker, question: str) -> int:
    """How many of the patient's messages in a row, before the latest, left `question` open."""
    times = 0
    for before, after in reversed(open_question_turns(tracker)[:-1]):  # the latest message is being read
        if before != question or after != question:
            break
        times += 1
    return times


def offer_way_forward(dispatcher: CollectingDispatcher, tracker: Tracker, events: list[EventType],
                      not_sure_works: bool) -> None:
    """After a validator ran: from the second message in a row that leaves the question open, say how to move
    on (before the form asks the question again)."""
    if not asked_again(events, tracker):
        return
    if times_left_open(tracker, tracker.get_slot("requested_slot")) + 1 >= REPEATS_BEFORE_WAY_FORWARD:
        dispatcher.utter_message(response=NOT_SURE_WORKS if not_sure_works else OTHERWISE,
                                 phone=get_settings().study_contact_phone)
