"""Copy a conversation's tracker by copying its state, not by replaying every event.

Rasa: `DialogueStateTracker.copy()` (before every action the processor runs, and in forms) builds
a new tracker and applies every event of the conversation to it again, one by one: the cost grows
with the conversation (the 20th question replays every event of the first 19).
Patch: the new tracker is built as Rasa's `init_copy` builds it (without copying and resetting the
slots the replay then sets), gets the same events (the same
event objects, as the replay appends them) and the state the replay would end in, taken from the
tracker itself: slots (copied), pause, follow-up action, latest action, latest user and bot
messages and the active loop. A tracker without a domain's slots, or with a capped event
history (`max_event_history`: the replay then starts from the oldest event kept), keeps Rasa's replay.
Safe: a tracker's state is by definition what its events give when applied in order (Rasa's own
rule, "MUST be re-creatable by processing all the events"). Tested: the copy equals Rasa's copy,
attribute by attribute, after every event of conversations using every kind of event.
"""

from __future__ import annotations

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.shared.core.trackers.DialogueStateTracker.copy",)


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    import copy as pycopy
    import dataclasses

    from rasa.shared.constants import DEFAULT_SENDER_ID
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    if fence.patched_by(DialogueStateTracker, "copy") == __name__:
        return True

    original = DialogueStateTracker.copy

    def copy(self: DialogueStateTracker) -> DialogueStateTracker:
        capped = self._max_event_history is not None
        if type(self) is not DialogueStateTracker or type(self.slots) is not dict or capped:
            # A subclass (its own init_copy), no domain (AnySlotDict), or a capped history whose replay forgets
            # the oldest events: Rasa's replay.
            return original(self)
        # init_copy() without its slots, which it would copy and reset only for the replay to set them again
        tracker = DialogueStateTracker(self.sender_id or DEFAULT_SENDER_ID, None, self._max_event_history,
                                       is_rule_tracker=self.is_rule_tracker)
        tracker.slots = {name: pycopy.copy(slot) for name, slot in self.slots.items()}  # the values the replay sets
        tracker.events = tracker._create_events(list(self.events))
        tracker._paused = self._paused
        tracker.followup_action = self.followup_action
        tracker.latest_action = None if self.latest_action is None else dict(self.latest_action)
        # The replay shares the event objects; an empty placeholder (no message yet) is its own.
        held = {id(event) for event in (self.latest_message, self.latest_bot_utterance)}
        logged = {id(event) for event in self.events if id(event) in held}
        tracker.latest_message = (self.latest_message if id(self.latest_message) in logged
                                  else UserUttered.empty() if self.latest_message is not None else None)
        tracker.latest_bot_utterance = (self.latest_bot_utterance if id(self.latest_bot_utterance) in logged
                                        else BotUttered.empty() if self.latest_bot_utterance is not None else None)
        tracker.active_loop = None if self.active_loop is None else dataclasses.replace(self.active_loop)
        return tracker

    fence.replace(DialogueStateTracker, "copy", copy, __name__)
    return True
