"""Action-server calls time out after ACTION_TIMEOUT_S instead of five minutes.

Rasa: `RemoteAction.run` and `EndpointConfig.session` wait up to `DEFAULT_REQUEST_TIMEOUT` (300 s, a
constant copied into each module, not a setting) for the action server.
Patch: both modules' copies set to ACTION_TIMEOUT_S; a patient would give up long before five minutes.
Safe: the same calls, only the wait is shorter; a call that times out fails as any unreachable action
server does (the guard in action_server_guard.py keeps such a message out of the conversation).
"""

from __future__ import annotations

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT", "rasa.utils.endpoints.DEFAULT_REQUEST_TIMEOUT")
ACTION_TIMEOUT_S = 10


def apply(seconds: int = ACTION_TIMEOUT_S) -> bool:
    """Set the timeouts; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    for target in REPLACES:
        owner, name = fence.resolve(target)
        setattr(owner, name, seconds)  # a number: nothing to mark, and setting it twice is harmless
    return True
