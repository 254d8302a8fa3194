"""Remember `applied_events()` per tracker and carry on from there when events were only appended.

Rasa: `DialogueStateTracker.applied_events()` (called three to six times per message, by forms,
policies and session checks) walks the whole conversation each time.
Patch: the result is remembered on the tracker with the event deque, its length, its last event and
the loop names seen; when the same deque has only grown since, only the new events are walked.
Safe: Rasa's loop is kept as it is (copied from Rasa 3.6.21). Its result depends on all events only
through the set of loop names, so carrying on is exact unless a new loop name appears (then it starts
from the beginning); a replaced or shortened deque is walked from the beginning; callers get a copy.
"""

from __future__ import annotations

import itertools
from typing import Any

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.shared.core.trackers.DialogueStateTracker.applied_events",)


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        ActiveLoop,
        Event,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    if fence.patched_by(DialogueStateTracker, "applied_events") == __name__:
        return True

    def walk(tracker: DialogueStateTracker, applied: list[Event], events: Any, loop_names: set[str]) -> list[Event]:
        for event in events:  # DialogueStateTracker.applied_events, Rasa 3.6.21
            if isinstance(event, (Restarted, SessionStarted)):
                applied = []
            elif isinstance(event, ActionReverted):
                tracker._undo_till_previous(ActionExecuted, applied)
            elif isinstance(event, UserUtteranceReverted):
                tracker._undo_till_previous(UserUttered, applied)
                tracker._undo_till_previous(ActionExecuted, applied)
            elif (isinstance(event, ActionExecuted) and event.action_name in loop_names
                  and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)):
                tracker._undo_till_previous_loop_execution(event.action_name, applied)
            else:
                applied.append(event)
        return applied

    def applied_events(self: DialogueStateTracker) -> list[Event]:
        events = self.events
        count = len(events)
        memo = self.__dict__.get("_prescreen_applied")
        if memo is not None:
            memo_events, memo_count, memo_last, loop_names, applied = memo
            unchanged = memo_count == 0 or (memo_count <= count and events[memo_count - 1] is memo_last)
            if memo_events is events and memo_count <= count and unchanged:
                if memo_count == count:
                    return list(applied)
                new = list(itertools.islice(events, memo_count, count))
                if {e.name for e in new if isinstance(e, ActiveLoop) and e.name} <= loop_names:
                    applied = walk(self, list(applied), new, loop_names)
                    self._prescreen_applied = (events, count, events[-1], loop_names, applied)
                    return list(applied)
        loop_names = {e.name for e in events if isinstance(e, ActiveLoop) and e.name}
        applied = walk(self, [], events, loop_names)
        self._prescreen_applied = (events, count, events[-1] if count else None, loop_names, applied)
        return list(applied)

    fence.replace(DialogueStateTracker, "applied_events", applied_events, __name__)
    return True
