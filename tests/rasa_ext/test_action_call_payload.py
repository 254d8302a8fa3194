"""The action_call_payload patch: the action server receives what Rasa sends, call after call, as a
conversation grows (cached past events, the domain written once), through the real HTTP request."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_ext.patches import action_call_payload, action_server_connections
from tests.rasa_ext.test_patches import ActionServer

TURNS = [("hi", None), ("yes I agree", None), ("40", 40), ("是的，做过手术 \ud800", None), ("not sure </script>", None)]


async def _bodies(domain: Domain, url: str, selective: bool) -> list[Any]:
    """What the action server receives for two actions after each turn of one growing conversation."""
    clock = itertools.count(1_700_000_000)
    tracker = DialogueStateTracker("p1", domain.slots)
    endpoint = EndpointConfig(url + "/webhook", enable_selective_domain=selective)
    sent = []
    for text, age in TURNS:
        tracker.update(ActionExecuted("action_listen", timestamp=next(clock)))
        tracker.update(UserUttered(text, {"name": "affirm", "confidence": 0.9}, [], {"text": text},
                                   metadata={"lang": "zh"}, timestamp=next(clock)), domain)
        for name in ("validate_prescreen_form", "action_ask_age"):
            body = RemoteAction(name, endpoint)._action_call_format(tracker, domain)
            sent.append(json.loads(json.dumps(body)))  # the dict itself, as Rasa's own request would write it
            await endpoint.request(json=body, method="post", timeout=10)
            tracker.update(ActionExecuted(name, timestamp=next(clock)))
        tracker.update(ActiveLoop("prescreen_form", timestamp=next(clock)))
        if age:
            tracker.update(SlotSet("age", age, timestamp=next(clock)), domain)
        tracker.update(BotUttered("How old are you?", {"buttons": []}, timestamp=next(clock)))
    session = getattr(endpoint, "_prescreen_session", None)
    if session is not None:
        await session.close()
    return sent


@pytest.mark.parametrize("selective", [False, True], ids=["domain sent", "selective domain"])
def test_the_action_server_receives_what_rasa_sends(stock_rasa: None, domain: Domain, selective: bool) -> None:
    async def run() -> tuple[list[Any], ...]:
        server = ActionServer()
        url = await server.start()
        try:
            rasas = await _bodies(domain, url, selective)
            rasa_received = [call["json"] for call in server.received]
            server.received.clear()
            assert action_server_connections.apply() and action_call_payload.apply()
            patched = await _bodies(domain, url, selective)
            return rasas, rasa_received, patched, [call["json"] for call in server.received]
        finally:
            await server.runner.cleanup()

    rasas, rasa_received, patched, received = asyncio.run(run())
    assert patched == rasas  # the body as a dict, as Rasa's own request would write it
    assert received == rasa_received  # what went over HTTP: the prepared JSON text
    assert len(received) == 2 * len(TURNS)
    assert [("domain" in body) for body in received[:2]] == [True, not selective]  # selective: not to the ask action
    events = [len(body["tracker"]["events"]) for body in received]
    assert events == sorted(events) and events[-1] > events[0] + 10  # the conversation grew, cached events and all
    assert received[-1]["tracker"]["latest_message"]["text"] == "not sure </script>"
    assert received[7]["tracker"]["latest_message"]["text"].endswith("\ud800")  # a lone surrogate survives
