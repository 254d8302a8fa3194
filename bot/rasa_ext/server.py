"""Start Rasa with chat-sized timeouts, request limits and a guard for an unreachable action server.

- Rasa 3.6 waits up to five minutes for the action server (a constant, not a setting); a patient
  would give up long before, so calls time out after ACTION_TIMEOUT_S.
- When the action server is down, Rasa runs the turn anyway: every custom action fails, its
  events are lost, and the conversation can be left stuck. Instead, the message is not taken
  in: the patient is told plainly, and the conversation continues where it was once the action
  server is back.
- Rasa accepts request bodies of up to 100 MB (Sanic's default) and runs the NLU on a message of any
  length in its event loop: one 100 kB message POSTed to the REST webhook kept every conversation
  waiting for more than 30 s. Bodies over MAX_REQUEST_BYTES are refused with HTTP 413 as soon as
  their size is known, and messages over MAX_MESSAGE_CHARS never reach the NLU (the REST channel
  answers 413; other channels drop them). Both limits are the chat page's (bot/web/chat/app.py).

Usage is that of `rasa`, e.g. `python -m bot.rasa_ext.server run ...`.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from bot.monitoring.metrics import TURN_SECONDS, TURNS, TURNS_REFUSED, language_label, name_label

log = logging.getLogger(__name__)

ACTION_TIMEOUT_S = 10
HEALTH_TIMEOUT_S = 2
MAX_REQUEST_BYTES = 64 * 1024  # the chat page's MAX_CONTENT_LENGTH
MAX_MESSAGE_CHARS = 2000  # the chat page's MAX_TEXT_CHARS
WEBHOOK_PREFIX = "/webhooks/"  # where Rasa mounts the input channels (`rasa run` default)
UNAVAILABLE_TEXT = (
    "Sorry, I'm having a technical problem and can't take your answer right now. Nothing you told me "
    "is lost: please send your message again in a minute or two."
)


def patch_timeouts(seconds: int = ACTION_TIMEOUT_S) -> None:
    import rasa.core.actions.action as action_module
    import rasa.utils.endpoints as endpoints_module

    action_module.DEFAULT_REQUEST_TIMEOUT = seconds
    endpoints_module.DEFAULT_REQUEST_TIMEOUT = seconds


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


def too_long(text: Any) -> bool:
    """A message longer than the chat page lets a patient type."""
    return isinstance(text, str) and len(text) > MAX_MESSAGE_CHARS


def limit_requests(app: Any) -> None:
    """Refuse oversized bodies and over-long channel messages on a Sanic app, with a short JSON error."""
    from sanic import response
    from sanic.exceptions import PayloadTooLarge

    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES

    async def body_too_large(_request: Any, _exception: Exception) -> Any:
        return response.json({"error": "request_too_large", "max_bytes": MAX_REQUEST_BYTES}, status=413)

    async def refuse_long_message(request: Any) -> Any:
        if request.method != "POST" or not request.path.startswith(WEBHOOK_PREFIX):
            return None
        try:
            body = request.json
        except Exception:  # malformed JSON: the channel answers it as before
            return None
        if isinstance(body, dict) and too_long(body.get("message")):
            log.warning("refused a message of %d characters (limit %d)", len(body["message"]), MAX_MESSAGE_CHARS)
            return response.json({"error": "message_too_long", "max_chars": MAX_MESSAGE_CHARS}, status=413)
        return None

    app.error_handler.add(PayloadTooLarge, body_too_large)
    app.register_middleware(refuse_long_message, "request")


def install_request_limits() -> None:
    """Apply limit_requests() to the app `rasa run` builds (rasa.core.run.configure_app)."""
    import rasa.core.run as run_module

    configure_app = run_module.configure_app

    def configure_limited_app(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)
        limit_requests(app)
        return app

    run_module.configure_app = configure_limited_app


def install_action_server_guard() -> None:
    from rasa.core.processor import MessageProcessor

    guard = ActionServerGuard()
    handle_message = MessageProcessor.handle_message

    async def guarded(self: MessageProcessor, message: Any) -> Any:
        if too_long(message.text):  # any channel: never given to the NLU
            log.warning("message of conversation %s not taken in: %d characters (limit %d)",
                        message.sender_id, len(message.text), MAX_MESSAGE_CHARS)
            TURNS_REFUSED.labels("too_long").inc()
            return None
        endpoint = self.action_endpoint
        if endpoint is not None and not await guard.reachable(endpoint.url):
            log.error("action server unreachable: message of conversation %s not taken in", message.sender_id)
            TURNS_REFUSED.labels("action_server_down").inc()
            if message.output_channel is not None:
                await message.output_channel.send_text_message(message.sender_id, UNAVAILABLE_TEXT)
            return None
        labels = (name_label(message.input_channel), language_label((message.metadata or {}).get("lang")))
        started = time.perf_counter()
        try:
            return await handle_message(self, message)
        finally:
            TURNS.labels(*labels).inc()
            TURN_SECONDS.labels(*labels).observe(time.perf_counter() - started)

    MessageProcessor.handle_message = guarded


def install_json_logs() -> None:
    """LOG_FORMAT=json: Rasa's coloured console logs (installed after its argument parsing) become JSON lines."""
    from bot.monitoring.logs import configure_logging, log_format

    if log_format() != "json":
        return
    configure_logging("rasa")  # before Rasa's imports, whose deprecation warnings are then JSON lines too
    import rasa.utils.io

    def json_logs(loglevel: Any = None) -> None:
        configure_logging("rasa", loglevel or logging.INFO)

    rasa.utils.io.configure_colored_logging = json_logs


def serve_rasa_metrics() -> None:
    """Rasa's metrics on RASA_METRICS_PORT (internal), from the process `rasa run` starts."""
    from bot.monitoring.metrics import serve_metrics
    from bot.settings import load_settings

    if len(sys.argv) > 1 and sys.argv[1] == "run":
        settings = load_settings()
        serve_metrics(settings.rasa_metrics_port, settings.metrics_host, "rasa")


def main() -> None:
    install_json_logs()
    serve_rasa_metrics()
    patch_timeouts()
    install_request_limits()
    install_action_server_guard()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
