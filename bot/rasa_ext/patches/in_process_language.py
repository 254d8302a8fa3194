"""Run the `language` slot's custom mapping (action_set_language) inside Rasa, not over HTTP.

Rasa: `ActionExtractSlots._run_custom_action` calls the action server for a slot's custom mapping on
every message, sending the whole conversation and the domain as JSON (a third of the custom-action
calls of a turn: serialising, the HTTP exchange, validating the answer, and the action server's
own parsing).
Patch: for action_set_language the same rule runs in this process (bot/rasa_ext/language_slot.py,
over bot.reading.language.language_after_message, which the action server's action also calls);
every other custom mapping still goes to the action server through Rasa's own code.
Safe: the same SlotSet (or none) for the same tracker (tested against the action server's answer on
a table of conversations); Rasa keeps only SlotSet and BotUttered events from the call either way.
"""

from __future__ import annotations

from typing import Any

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.core.actions.action.ActionExtractSlots._run_custom_action",)


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    from rasa.core.actions.action import ActionExtractSlots

    from bot.rasa_ext.language_slot import ACTION_NAME, language_events

    if fence.patched_by(ActionExtractSlots, "_run_custom_action") == __name__:
        return True
    original = ActionExtractSlots._run_custom_action

    async def _run_custom_action(self: ActionExtractSlots, custom_action: str, output_channel: Any, nlg: Any,
                                 tracker: Any, domain: Any) -> list[Any]:
        if custom_action != ACTION_NAME:
            return await original(self, custom_action, output_channel, nlg, tracker, domain)
        return language_events(tracker)

    fence.replace(ActionExtractSlots, "_run_custom_action", _run_custom_action, __name__)
    return True
