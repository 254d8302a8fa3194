"""Start Rasa with chat-sized timeouts and a guard for an unreachable action server.

- Rasa 3.6 waits up to five minutes for the action server (a constant, not a setting); a patient
  would give up long before, so calls time out after ACTION_TIMEOUT_S.
- When the action server is down, Rasa runs the turn anyway: every custom action fails, its
  events are lost, and the conversation can be left stuck. Instead, the message is not taken
  in: the patient is told plainly, and the conversation continues where it was once the action
  server is back.

Usage is that of `rasa`, e.g. `python -m bot.rasa_ext.server run ...`.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

log = logging.getLogger(__name__)

ACTION_TIMEOUT_S = 10
HEALTH_TIMEOUT_S = 2
UNAVAILABLE_TEXT = (
    "Sorry, I'm having a technical problem and can't take your answer right now. Nothing you told me "
    "is lost: please send your message again in a minute or two."
)


def patch_timeouts(seconds: int = ACTION_TIMEOUT_S) -> None:
    import rasa.core.actions.action as action_module
    import rasa.utils.endpoints as endpoints_module

    action_module.DEFAULT_REQUEST_TIMEOUT = seconds  # type: ignore[attr-defined]
    endpoints_module.DEFAULT_REQUEST_TIMEOUT = seconds  # type: ignore[attr-defined]


class ActionServerGuard:
    """Checks, before each message, that the action server accepts connections.

    A TCP connect on the local network costs well under a millisecond, so it is done every time:
    trusting an earlier success would let a message through just after the server stopped.
    """

    async def reachable(self, webhook_url: str) -> bool:
        import asyncio
        from urllib.parse import urlsplit

        address = urlsplit(webhook_url)
        port = address.port or (443 if address.scheme == "https" else 80)
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(address.hostname, port), HEALTH_TIMEOUT_S)
        except (OSError, asyncio.TimeoutError):
            return False
        writer.close()
        return True


def install_action_server_guard() -> None:
    from rasa.core.processor import MessageProcessor

    guard = ActionServerGuard()
    handle_message = MessageProcessor.handle_message

    async def guarded(self: MessageProcessor, message: Any) -> Any:
        endpoint = self.action_endpoint
        if endpoint is not None and not await guard.reachable(endpoint.url):
            log.error("action server unreachable: message of conversation %s not taken in", message.sender_id)
            if message.output_channel is not None:
                await message.output_channel.send_text_message(message.sender_id, UNAVAILABLE_TEXT)
            return None
        return await handle_message(self, message)

    MessageProcessor.handle_message = guarded  # type: ignore[method-assign]


def main() -> None:
    patch_timeouts()
    install_action_server_guard()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
