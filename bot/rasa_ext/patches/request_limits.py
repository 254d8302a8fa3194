"""Refuse oversized request bodies and over-long messages at Rasa's own port, as the chat page does.

Rasa: `rasa.core.run.configure_app` builds a Sanic app that accepts bodies of up to 100 MB (Sanic's
default) and runs the NLU on a message of any length in its event loop: one 100 kB message POSTed to
the REST webhook kept every conversation waiting for more than 30 s.
Patch: the app `configure_app` returns gets MAX_REQUEST_BYTES as its body limit (HTTP 413 as soon as
the size is known) and a request middleware that answers 413 to a channel message over
MAX_MESSAGE_CHARS. Both limits are bot/settings.py's, the chat page's own.
Safe: every other request reaches Rasa's app untouched; malformed JSON is left to the channel.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.rasa_ext.patches import fence
from bot.settings import MAX_MESSAGE_CHARS, MAX_REQUEST_BYTES

log = logging.getLogger(__name__)

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.core.run.configure_app",)
WEBHOOK_PREFIX = "/webhooks/"  # where Rasa mounts the input channels (`rasa run` default)


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


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    import rasa.core.run as run_module

    if fence.patched_by(run_module, "configure_app") == __name__:
        return True
    configure_app = run_module.configure_app

    def configure_limited_app(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)
        limit_requests(app)
        return app

    fence.replace(run_module, "configure_app", configure_limited_app, __name__)
    return True
