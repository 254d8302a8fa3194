"""The tracker_copy patch: a copied tracker equals Rasa's replayed copy, attribute by attribute, after
every event of conversations that use every kind of event Rasa applies to a tracker."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_ext.patches import fence, tracker_copy


def _events() -> list[Event]:
    clock = itertools.count(1_700_000_000)

    def user(text: str, intent: str = "affirm") -> UserUttered:
        return UserUttered(text, {"name": intent, "confidence": 0.9}, [], {"text": text}, timestamp=next(clock))

    return [
        ActionExecuted("action_session_start", timestamp=next(clock)), SessionStarted(timestamp=next(clock)),
        SlotSet("language", "zh", timestamp=next(clock)), ActionExecuted("action_listen", timestamp=next(clock)),
        user("你好", "greet"), DefinePrevUserUtteredFeaturization(False, timestamp=next(clock)),
        ActionExecuted("prescreen_form", timestamp=next(clock)), ActiveLoop("prescreen_form", timestamp=next(clock)),
        SlotSet("requested_slot", "consent", timestamp=next(clock)), BotUttered("同意吗？", timestamp=next(clock)),
        ActionExecuted("action_listen", timestamp=next(clock)), user("同意"),
        EntitiesAdded([{"entity": "term", "value": "car_t", "start": 0, "end": 2}], timestamp=next(clock)),
        SlotSet("consent", True, timestamp=next(clock)), SlotSet("age", 40, timestamp=next(clock)),
        ActionExecutionRejected("prescreen_form", timestamp=next(clock)), LoopInterrupted(True, timestamp=next(clock)),
        BotUttered("CAR-T 是……", {"buttons": [{"title": "好", "payload": "/affirm"}]}, timestamp=next(clock)),
        FollowupAction("action_listen", timestamp=next(clock)), ActionExecuted("action_listen", timestamp=next(clock)),
        user("oops"), UserUtteranceReverted(timestamp=next(clock)),
        ActionExecuted("action_back", timestamp=next(clock)),
        ActionReverted(timestamp=next(clock)), ConversationPaused(timestamp=next(clock)),
        ConversationResumed(timestamp=next(clock)), LoopInterrupted(False, timestamp=next(clock)),
        ActiveLoop(None, timestamp=next(clock)), AllSlotsReset(timestamp=next(clock)),
        SlotSet("language", "en", timestamp=next(clock)), ActionExecuted("action_listen", timestamp=next(clock)),
        user("start over", "start_over"), Restarted(timestamp=next(clock)),
        ActionExecuted("action_listen", timestamp=next(clock)), user("hi again", "greet"),
    ]


def _state(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Every attribute of a tracker, comparable (events and slots by value, the applied-events memo left out)."""
    state = {name: value for name, value in vars(tracker).items() if not name.startswith("_prescreen")}
    state["events"] = [event.as_dict() for event in tracker.events]
    state["slots"] = {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()}
    state["active_loop"] = None if tracker.active_loop is None else dataclasses.asdict(tracker.active_loop)
    for name in ("latest_message", "latest_bot_utterance"):
        event = state[name]
        logged = event is not None and any(event is seen for seen in tracker.events)
        as_dict = None if event is None else event.as_dict()
        if as_dict is not None and not logged:
            del as_dict["timestamp"]  # a fresh placeholder (no message yet) is made when the copy is
        state[name] = None if event is None else (as_dict, logged)
    return state


def test_a_copy_is_rasas_copy_after_every_event(stock_rasa: None, domain: Domain) -> None:
    events = _events()
    trackers = []
    for end in range(len(events) + 1):
        tracker = DialogueStateTracker("p1", domain.slots, max_event_history=12 if end % 4 == 1 else None)
        for event in events[:end]:
            tracker.update(event)
        trackers.append(tracker)
    rasas = [_state(tracker.copy()) for tracker in trackers]
    assert tracker_copy.apply()
    assert fence.patched_by(DialogueStateTracker, "copy") == tracker_copy.__name__
    copies = [tracker.copy() for tracker in trackers]
    for end, (copied, rasa) in enumerate(zip(copies, rasas, strict=True)):
        assert _state(copied) == rasa, f"after {end} events"
    tracker, copied = trackers[30], copies[30]  # uncapped history, language "en"
    assert copied.events is not tracker.events and copied.slots["language"] is not tracker.slots["language"]
    copied.update(SlotSet("language", "zh"))  # a change to the copy is not a change to the tracker
    assert tracker.get_slot("language") == "en" and len(copied.events) == len(tracker.events) + 1
