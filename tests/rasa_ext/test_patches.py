"""The Rasa speed patches (bot/rasa_ext/patches/): the version fence, the fixed and order-free set, and
one test per patch comparing the patched path with Rasa's own (same results, rows, events).

The tracker cache and incremental applied_events are compared in test_tracker_cache.py, the eager
weight building in test_model_loading.py (it trains a model).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.leads.crypto import FieldCipher
from bot.leads.transcripts import unseal
from bot.rasa_ext import fast
from bot.rasa_ext import patches as rasa_patches
from bot.rasa_ext.patches import (
    action_response_validation,
    action_server_connections,
    event_class_lookup,
    fence,
    lean_tracker_loading,
    sqlite_tracker_connections,
)
from bot.rasa_ext.tracker_store import ErasableSQLTrackerStore
from tests.conftest import TEST_KEY
from tests.rasa_ext.conftest import TARGETS

ROOT = Path(__file__).resolve().parents[2]

_names = itertools.count()


def _current() -> list[Any]:
    return [fence.raw(owner, name) for owner, name in map(fence.resolve, TARGETS)]


# ------------------------------------------------------------------------------ fence and set


def test_on_another_rasa_version_nothing_is_patched_and_one_line_says_so(
    stock_rasa: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import rasa

    before = _current()
    monkeypatch.setattr(rasa, "__version__", "3.6.22")
    with caplog.at_level(logging.INFO):
        assert fast.install() == []
    assert _current() == before
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert lines == ["Rasa 3.6.22 is not the version the speed patches were written for (3.6.21): running stock Rasa"]
    for patch in rasa_patches.PATCHES:  # each patch on its own is fenced too
        assert patch.apply() is False
    assert _current() == before


def test_the_benchmarks_timing_probes_are_behind_the_same_fence(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import rasa
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor

    from tools import bench_rasa_timing

    probed = [(SQLTrackerStore, "retrieve"), (SQLTrackerStore, "save"), (Agent, "handle_message"),
              (MessageProcessor, "parse_message"), (MessageProcessor, "_predict_next_with_tracker")]
    before = [fence.raw(owner, name) for owner, name in probed]
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with caplog.at_level(logging.INFO):
        assert bench_rasa_timing.install() is False
    assert [fence.raw(owner, name) for owner, name in probed] == before
    assert [r.getMessage() for r in caplog.records] == [
        "Rasa 3.7.0 is not the version the timing probes were written for (3.6.21): running stock Rasa"]


def test_on_rasa_3_6_21_every_declared_target_is_patched_once(stock_rasa: None) -> None:
    import rasa

    assert rasa.__version__ in rasa_patches.written_for() == ("3.6.21",)
    stock = _current()
    applied = rasa_patches.apply_all(tracker_cache_size=4)
    assert applied == [p.__name__.rsplit(".", 1)[-1] for p in rasa_patches.PATCHES]
    patched = _current()
    assert all(a is not b for a, b in zip(patched, stock, strict=True))
    owners = [patch.__name__ for patch in rasa_patches.PATCHES for _ in patch.REPLACES]
    assert [fence.patched_by(*fence.resolve(t)) for t in TARGETS] == owners  # REPLACES is what apply() replaces
    rasa_patches.apply_all(tracker_cache_size=4)
    assert all(a is b for a, b in zip(_current(), patched, strict=True))  # idempotent: nothing wrapped twice


def test_patches_are_independent_of_order(stock_rasa: None) -> None:
    """No two patches replace the same attribute, so no order can make one wrap (or undo) another."""
    assert len(TARGETS) == len(set(TARGETS))
    stock = _current()
    for patch in reversed(rasa_patches.PATCHES):
        assert patch.apply()
    reverse_order = [fence.patched_by(*fence.resolve(t)) for t in TARGETS]
    for (owner, name), value in zip(map(fence.resolve, TARGETS), stock, strict=True):
        setattr(owner, name, value)
    rasa_patches.apply_all()
    assert [fence.patched_by(*fence.resolve(t)) for t in TARGETS] == reverse_order


def test_the_cache_is_left_out_when_turned_off(stock_rasa: None) -> None:
    assert "tracker_cache" not in rasa_patches.apply_all(tracker_cache_size=0)
    assert fence.patched_by(SQLTrackerStore, "save") is None


# ------------------------------------------------------------------------------ action_response_validation


def test_action_response_validation_accepts_and_rejects_like_rasa(stock_rasa: None) -> None:
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    samples = [
        {"events": [{"event": "slot", "name": "age", "value": 40}], "responses": [{"text": "hi"}]},
        {"events": [], "responses": []},
        {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "action_listen"}]},
        {"events": [{"event": "no_such_event"}]},
        {"events": "not a list"},
        {"responses": [1, 2]},
        # Known types, valid: every one the action server sends here, with patients' words in the values
        {"events": [{"event": "slot", "timestamp": None, "name": "answer_log", "value": [{"text": "没有 </b>"}] * 20},
                    {"event": "bot", "text": "谢谢", "data": {"buttons": []}, "metadata": {}},
                    {"event": "active_loop", "name": "prescreen_form"}, {"event": "restart"},
                    {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 1.0}}},
                    {"event": "action", "name": "action_listen", "policy": None, "confidence": None},
                    {"event": "followup", "name": "action_listen"}, {"event": "reset_slots"}], "responses": []},
        # Known types, invalid: the per-type check fails, Rasa's full check raises its own error
        {"events": [{"event": "slot", "value": 1}]},  # a slot without a name
        {"events": [{"event": "slot", "name": "age", "value": 40, "timestamp": "noon"}]},
        {"events": [{"event": "user", "parse_data": {"intent": {"name": 3}}}]},
        {"events": [{"event": "slot", "name": "age", "value": 40}, "not an event"]},
        {"events": [{"name": "age"}]},  # no type
        {"events": [], "responses": [{"text": 5}]},  # valid: Rasa does not type a response's text
        ["not", "an", "object"],
    ]
    action = RemoteAction("action_x", None)

    def outcomes() -> list[Any]:
        found: list[Any] = []
        for sample in samples:
            try:
                found.append(action._validate_action_result(sample))
            except jsonschema.ValidationError as error:
                found.append((error.message, list(error.path)))
        return found

    rasas = outcomes()
    assert action_response_validation.apply()
    patched = outcomes()
    assert patched == rasas
    assert [outcome is True for outcome in rasas] == [True] * 3 + [False] * 3 + [True] + [False] * 5 + [True, False]
    assert all("Failed to validate Action server" in outcome[0] for outcome in rasas if outcome is not True)


# ------------------------------------------------------------------------------ event_class_lookup


def _event_classes() -> list[type[Event]]:
    found, todo = [], [Event]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_event_class_lookup_finds_what_rasa_finds(stock_rasa: None) -> None:
    names = sorted({cls.type_name for cls in _event_classes()}) + ["topic", "no_such_event"]

    def lookups() -> list[Any]:
        found: list[Any] = []
        for _ in range(2):  # the second time from the patch's memory
            for name in names:
                found.append(Event.resolve_by_type(name, default=SlotSet))
                try:
                    found.append(Event.resolve_by_type(name))
                except ValueError as error:
                    found.append(str(error))
        return found

    rasas = lookups()
    assert event_class_lookup.apply()
    assert lookups() == rasas
    assert "Unknown event name 'no_such_event'." in rasas and len(names) > 20


# ------------------------------------------------------------------------------ trackers in SQL


def _conversation(sender: str, domain: Domain) -> DialogueStateTracker:
    """Two sessions, a form, slots and bot messages, with increasing timestamps."""
    clock = itertools.count(1_700_000_000)
    tracker = DialogueStateTracker(sender, domain.slots)
    for session in range(2):
        tracker.update(ActionExecuted("action_session_start", timestamp=next(clock)))
        tracker.update(SessionStarted(timestamp=next(clock)))
        tracker.update(ActionExecuted("action_listen", timestamp=next(clock)))
        for text, age in [("hi", None), ("yes I agree", None), (f"{40 + session}", 40 + session)]:
            tracker.update(UserUttered(text, {"name": "affirm", "confidence": 0.9}, timestamp=next(clock)))
            tracker.update(ActionExecuted("prescreen_form", timestamp=next(clock)))
            tracker.update(ActiveLoop("prescreen_form", timestamp=next(clock)))
            if age:
                tracker.update(SlotSet("age", age, timestamp=next(clock)))
            tracker.update(BotUttered("How old are you?", timestamp=next(clock)))
            tracker.update(ActionExecuted("action_listen", timestamp=next(clock)))
    return tracker


def _rows(url: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        rows = connection.execute("select id, sender_id, type_name, timestamp, intent_name, action_name, data "
                                  "from events order by id").fetchall()
    finally:
        connection.close()
    cipher = FieldCipher(TEST_KEY)  # transcripts are encrypted at rest with a fresh nonce: compare what they hold
    return [(*row[:-1], unseal(cipher, row[-1])) for row in rows]


def _dicts(tracker: DialogueStateTracker | None) -> list[dict[str, Any]]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]


def test_sqlite_tracker_connections_store_and_read_what_rasa_does(
    stock_rasa: None, domain: Domain, tmp_path: Path
) -> None:
    import rasa.core.tracker_store as tracker_store_module

    def save_and_read(url: str) -> tuple[list[Any], list[Any], list[Any]]:
        store = ErasableSQLTrackerStore(domain=domain, host=url)
        tracker = _conversation("p1", domain)
        events = list(tracker.events)
        tracker.events.clear()
        for half in (events[:10], events[10:]):  # two saves: the second appends
            tracker.events.extend(half)
            asyncio.run(store.save(tracker))
        other = ErasableSQLTrackerStore(domain=domain, host=url)  # a second engine sees every commit
        read = [_dicts(asyncio.run(s.retrieve("p1"))) for s in (store, other)]
        full = _dicts(asyncio.run(store.retrieve_full_tracker("p1")))
        store.engine.dispose()
        other.engine.dispose()
        return _rows(url), read, [full]

    rasas = save_and_read(f"sqlite:///{tmp_path / 'stock.db'}")
    stock_kwargs = tracker_store_module.create_engine_kwargs("postgresql://u:p@db/rasa")
    assert sqlite_tracker_connections.apply()
    patched_url = f"sqlite:///{tmp_path / 'patched.db'}"
    assert save_and_read(patched_url) == rasas
    stored = len(_conversation("p1", domain).events)
    assert len(rasas[0]) == len(rasas[2][0]) >= stored > len(rasas[1][0]) > 0 and rasas[1][0] == rasas[1][1]
    connection = sqlite3.connect(patched_url.removeprefix("sqlite:///"))
    assert connection.execute("pragma journal_mode").fetchone() == ("wal",)  # set by the patch, kept in the file
    connection.close()
    assert tracker_store_module.create_engine_kwargs("postgresql://u:p@db/rasa") == stock_kwargs


def test_lean_tracker_loading_reads_the_trackers_rasa_reads(stock_rasa: None, domain: Domain, tracker_url: str) -> None:
    store = ErasableSQLTrackerStore(domain=domain, host=tracker_url)
    for sender in ("p1", "p2"):
        asyncio.run(store.save(_conversation(sender, domain)))

    def reads() -> list[Any]:
        found: list[Any] = []
        for sender, everything in itertools.product(("p1", "p2", "nobody"), (False, True)):
            tracker = asyncio.run(store._retrieve(sender, everything))
            found.append(None if tracker is None else (_dicts(tracker), tracker.current_state()))
        return found

    rasas = reads()
    assert lean_tracker_loading.apply()
    assert reads() == rasas
    stored = len(_conversation("p1", domain).events)
    assert rasas[-1] is None and 0 < len(rasas[0][0]) < len(rasas[1][0]) == stored
    store.engine.dispose()


# ------------------------------------------------------------------------------ action_server_connections


class ActionServer:
    """A real HTTP server on a loopback port that records what it receives, per TCP connection."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.connections: set[Any] = set()

    async def start(self) -> str:
        from aiohttp import web

        async def answer(request: web.Request) -> web.StreamResponse:
            self.connections.add(request.transport.get_extra_info("peername"))
            body = await request.read()
            self.received.append({
                "method": request.method, "path": request.path, "query": dict(request.query),
                "content_type": request.headers.get("Content-Type"), "auth": request.headers.get("Authorization"),
                "json": json.loads(body) if body else None,
            })
            kind = request.match_info["kind"]
            if kind == "error":
                return web.json_response({"error": "no such action"}, status=404)
            if kind == "text":
                return web.Response(text="ok")
            return web.json_response({"events": [{"event": "slot", "name": "age", "value": 40}], "echo": kind})

        app = web.Application()
        app.router.add_route("*", "/{kind}", answer)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"


async def _calls(server: ActionServer, url: str) -> list[Any]:
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    endpoint = EndpointConfig(url, headers={"Authorization": "Token t"}, params={"fixed": "1"}, token="k")
    latest = {"text": "é/ü", "surrogate": "\ud800"}  # ujson refuses a lone surrogate: the fallback writes it
    body = {"next_action": "action_x", "sender_id": "p1", "tracker": {"events": [], "latest_message": latest}}
    results: list[Any] = []
    for _ in range(3):
        results.append(await endpoint.request(json=body, method="post", subpath="webhook", timeout=10))
        results.append(await endpoint.request(method="get", subpath="text", params={"extra": "2"}))
        try:
            await endpoint.request(json={"x": 1}, subpath="error")
        except ClientResponseError as error:
            results.append(("error", error.status, error.message, error.text))
    session = getattr(endpoint, "_prescreen_session", None)
    if session is not None:
        await session.close()
    return results


def test_action_server_connections_send_and_return_what_rasa_does(stock_rasa: None) -> None:
    async def run() -> tuple[Any, ...]:
        server = ActionServer()
        url = await server.start()
        try:
            rasas = await _calls(server, url)
            rasa_received, rasa_connections = list(server.received), len(server.connections)
            server.received.clear()
            server.connections.clear()
            assert action_server_connections.apply()
            patched = await _calls(server, url)
            return rasas, rasa_received, rasa_connections, patched, server.received, len(server.connections)
        finally:
            await server.runner.cleanup()

    rasas, rasa_received, rasa_connections, patched, received, connections = asyncio.run(run())
    assert patched == rasas
    assert received == rasa_received
    assert rasas[0]["echo"] == "webhook" and rasas[1] is None and rasas[2][:2] == ("error", 404)
    assert received[0]["query"] == {"fixed": "1", "token": "k"}
    assert received[1]["query"] == {"fixed": "1", "token": "k", "extra": "2"}
    assert received[0]["auth"] == "Token t" and received[0]["json"]["tracker"]["latest_message"]["text"] == "é/ü"
    assert rasa_connections == 9 and connections == 1  # one kept connection instead of one per call
    assert received[0]["json"]["tracker"]["latest_message"]["surrogate"] == "\ud800"
