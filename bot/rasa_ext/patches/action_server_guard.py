"""Take no message in while the action server is unreachable, and none longer than the chat page allows.

Rasa: `MessageProcessor.handle_message` runs the turn even when the action server is down: every
custom action fails, its events are lost, and the conversation can be left stuck. It also gives a
message of any length to the NLU.
Patch: before Rasa's own `handle_message`, a message over MAX_MESSAGE_CHARS (any channel) is dropped,
and a TCP connect to the action server is tried; when it fails, the patient is told plainly, in the
conversation's language (bot/rasa_ext/apology.py: a domain.yml response), and the message is not
taken in, so the conversation continues where it was once the action server is back.
Safe: every other message goes to Rasa's own `handle_message` unchanged. A TCP connect on the local
network costs well under a millisecond, so it is done every time: trusting an earlier success would
let a message through just after the server stopped.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from bot.monitoring.metrics import TURN_SECONDS, TURNS, TURNS_REFUSED, language_label, name_label
from bot.rasa_ext.apology import conversation_language, unavailable_text
from bot.rasa_ext.patches import fence
from bot.rasa_ext.patches.request_limits import too_long
from bot.settings import MAX_MESSAGE_CHARS

log = logging.getLogger(__name__)

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.core.processor.MessageProcessor.handle_message",)
HEALTH_TIMEOUT_S = 2


async def reachable(webhook_url: str) -> bool:
    """Whether the action server at `webhook_url` accepts connections."""
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


def apply() -> bool:
    """Install the guard, which apologises when the action server is down; False (and nothing changed) on a
    Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    from rasa.core.processor import MessageProcessor

    if fence.patched_by(MessageProcessor, "handle_message") == __name__:
        return True
    handle_message = MessageProcessor.handle_message

    async def guarded(self: MessageProcessor, message: Any) -> Any:
        if too_long(message.text):  # any channel: never given to the NLU
            log.warning("message of conversation %s not taken in: %d characters (limit %d)",
                        message.sender_id, len(message.text), MAX_MESSAGE_CHARS)
            TURNS_REFUSED.labels("too_long").inc()
            return None
        endpoint = self.action_endpoint
        if endpoint is not None and not await reachable(endpoint.url):
            log.error("action server unreachable: message of conversation %s not taken in", message.sender_id)
            TURNS_REFUSED.labels("action_server_down").inc()
            if message.output_channel is not None:
                language = await conversation_language(self, message)
                await message.output_channel.send_text_message(
                    message.sender_id, unavailable_text(self.domain.responses, language))
            return None
        # Turns and their latency per channel and language (bot/monitoring/metrics.py: no personal data)
        labels = (name_label(message.input_channel), language_label((message.metadata or {}).get("lang")))
        started = time.perf_counter()
        try:
            return await handle_message(self, message)
        finally:
            TURNS.labels(*labels).inc()
            TURN_SECONDS.labels(*labels).observe(time.perf_counter() - started)

    fence.replace(MessageProcessor, "handle_message", guarded, __name__)
    return True
