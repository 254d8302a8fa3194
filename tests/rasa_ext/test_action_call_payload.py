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


def test_the_domain_goes_to_the_actions_that_read_it(domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    """endpoints.yml sends the domain selectively: to every form validation (Rasa's rule) and to the actions
    marked `send_domain` because their code reads it; not with every other call."""
    import ast
    from pathlib import Path

    from rasa.core.utils import read_endpoints_from_path

    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    for variable in ("TRACKER_STORE_URL", "LOCK_STORE_URL"):
        monkeypatch.setenv(variable, "memory://")
    endpoints = read_endpoints_from_path(str(Path(__file__).resolve().parents[2] / "endpoints.yml"))
    assert endpoints.action.kwargs.get("enable_selective_domain") is True
    # Actions whose code reads the domain: a subscript or attribute on `domain` in one of their methods, or a
    # module function they call that does, directly or through other functions of that module
    def reads_domain(node: ast.AST) -> bool:
        return any(isinstance(inner, (ast.Subscript, ast.Attribute)) and isinstance(inner.value, ast.Name)
                   and inner.value.id == "domain" for inner in ast.walk(node))

    def called(node: ast.AST) -> set[str]:
        return {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}

    readers: set[str] = set()
    for path in (Path(__file__).resolve().parents[2] / "actions").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
        reading = {f.name for f in functions if reads_domain(f)}
        while grown := {f.name for f in functions if called(f) & reading} - reading:
            reading |= grown
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            names = [n.value.value for n in ast.walk(node) if isinstance(n, ast.Return)
                     and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)]
            if names and (reads_domain(node) or called(node) & reading):
                readers.add(names[0])
    assert "action_ask_contact_confirmed" in readers  # the scan finds the one we know of
    for name in readers:
        assert domain.does_custom_action_explicitly_need_domain(name), f"{name} reads the domain: send_domain: true"
    assert not domain.does_custom_action_explicitly_need_domain("action_ask_age")
