"""Reuse keep-alive connections to the action server.

Rasa: `EndpointConfig.request` opens a new aiohttp client session, and so a new TCP connection, for
every call (one per custom action), and writes the JSON with the standard library.
Patch: one session per endpoint and event loop, whose idle connections are reused, with JSON written
by ujson (a Rasa dependency; the standard library for what ujson refuses), or the text a body
already carries (bot/rasa_ext/patches/action_call_payload.py). Endpoints with a CA file
or basic auth keep Rasa's own code.
Safe: the same method, URL, headers, query parameters, JSON body and timeout; the same result (the
JSON answer, or None when the answer is not JSON) and the same `ClientResponseError` for HTTP >= 400.
Idle connections are dropped after 2 s, before Sanic's 5 s keep-alive ends on the other side, so a
reused connection is never one the server is closing.
"""

from __future__ import annotations

import json
from typing import Any

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.utils.endpoints.EndpointConfig.request",)
IDLE_CONNECTION_S = 2


def dumps(value: Any) -> str:
    """JSON for action-server requests: ujson, the standard library as fallback. A body that carries its
    own JSON text (action_call_payload's `prepared_json`) is sent as it is."""
    import ujson

    prepared = getattr(value, "prepared_json", None)
    if isinstance(prepared, str) and prepared:
        return prepared
    try:
        # ASCII-escaped like the standard library: unescaped, a lone surrogate in a patient's text
        # (valid in JSON, "\ud800") could not be encoded as UTF-8 and the action call would fail.
        return ujson.dumps(value, escape_forward_slashes=False)
    except (TypeError, ValueError, OverflowError):
        return json.dumps(value)


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    import asyncio

    import aiohttp
    from rasa.utils import endpoints as endpoints_module
    from rasa.utils.endpoints import EndpointConfig

    if fence.patched_by(EndpointConfig, "request") == __name__:
        return True
    original_request = EndpointConfig.request

    async def request(self: EndpointConfig, method: str = "post", subpath: str | None = None,
                      content_type: str | None = "application/json", compress: bool = False, **kwargs: Any) -> Any:
        if self.cafile or self.basic_auth:  # unusual set-ups keep Rasa's own code
            return await original_request(self, method, subpath, content_type, compress, **kwargs)
        loop = asyncio.get_running_loop()
        session: aiohttp.ClientSession | None = getattr(self, "_prescreen_session", None)
        if session is None or session.closed or getattr(self, "_prescreen_loop", None) is not loop:
            connector = aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_S, limit=100)
            session = aiohttp.ClientSession(headers=self.headers, connector=connector, json_serialize=dumps,
                                            timeout=aiohttp.ClientTimeout(total=endpoints_module.DEFAULT_REQUEST_TIMEOUT))
            self._prescreen_session, self._prescreen_loop = session, loop
        headers = {"Content-Type": content_type} if content_type else {}
        headers.update(kwargs.pop("headers", {}) or {})
        headers.update(self.headers or {})
        async with session.request(method, endpoints_module.concat_url(self.url, subpath), headers=headers,
                                   params=self.combine_parameters(kwargs), compress=compress, **kwargs) as response:
            if response.status >= 400:
                raise endpoints_module.ClientResponseError(response.status, response.reason,
                                                           await response.content.read())
            try:
                return await response.json()
            except aiohttp.ContentTypeError:
                return None

    fence.replace(EndpointConfig, "request", request, __name__)
    return True
