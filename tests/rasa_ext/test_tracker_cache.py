"""Two tracker speed patches (bot/rasa_ext/patches/) must not change what Rasa reads or stores.

- incremental applied_events(): compared with Rasa's own method on random event sequences;
- the verified tracker cache (patches/tracker_cache.py): the same rows as Rasa's own store, and a
  stale tracker is never served (another worker's write, an erasure, an unsaved change, a new
  session), on SQLite and on a real PostgreSQL, with and without the lean tracker loading patch.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_ext.patches import incremental_applied_events, lean_tracker_loading, tracker_cache
from bot.rasa_ext.tracker_store import ErasableSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]
_names = itertools.count()


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# ------------------------------------------------------------------------------ applied_events


def _random_event(rng: random.Random, clock: itertools.count) -> Event:
    time = float(next(clock))
    choices: list[Event] = [
        UserUttered("yes", {"name": "affirm", "confidence": 1.0}, timestamp=time),
        ActionExecuted("action_listen", timestamp=time),
        ActionExecuted("prescreen_form", timestamp=time),
        ActionExecuted("contact_form", timestamp=time),
        ActionExecuted("utter_greet", timestamp=time),
        ActiveLoop("prescreen_form", timestamp=time),
        ActiveLoop("contact_form", timestamp=time),
        ActiveLoop(None, timestamp=time),
        ActionExecutionRejected("prescreen_form", timestamp=time),
        SlotSet("age", rng.randint(10, 90), timestamp=time),
        UserUtteranceReverted(timestamp=time),
        ActionReverted(timestamp=time),
        Restarted(timestamp=time),
        SessionStarted(timestamp=time),
    ]
    weights = [10, 10, 10, 4, 4, 3, 2, 2, 2, 6, 1, 1, 0.5, 0.5]
    return rng.choices(choices, weights)[0]


@pytest.fixture
def rasa_applied_events(monkeypatch: pytest.MonkeyPatch) -> Any:
    original = DialogueStateTracker.applied_events
    monkeypatch.setattr(DialogueStateTracker, "applied_events", original)  # restored after the test
    assert incremental_applied_events.apply()
    assert DialogueStateTracker.applied_events is not original
    return original


def test_incremental_applied_events_equal_rasas_on_random_conversations(rasa_applied_events: Any) -> None:
    rng = random.Random(20261125)
    compared = 0
    for _ in range(150):
        clock = itertools.count()
        tracker = DialogueStateTracker("t", [], max_event_history=rng.choice([None, None, None, 12]))
        for _ in range(rng.randint(1, 80)):
            tracker.update(_random_event(rng, clock))
            if rng.random() < 0.5:  # asked at some points only, as Rasa does: the memo must catch up
                fast = tracker.applied_events()
                assert [id(e) for e in fast] == [id(e) for e in rasa_applied_events(tracker)]
                fast.append(ActionExecuted("mutating the result must not reach the memo"))
                compared += 1
        assert [id(e) for e in tracker.applied_events()] == [id(e) for e in rasa_applied_events(tracker)]
    assert compared > 1000


def test_applied_events_follow_a_tracker_whose_events_are_replaced(rasa_applied_events: Any) -> None:
    tracker = DialogueStateTracker("t", [])
    for event in [ActionExecuted("action_listen"), UserUttered("hi"), ActionExecuted("utter_greet")]:
        tracker.update(event)
    assert len(tracker.applied_events()) == 3
    tracker.events = tracker._create_events([ActionExecuted("action_listen")])  # a new deque, as __init__ makes
    assert tracker.applied_events() == rasa_applied_events(tracker) == [ActionExecuted("action_listen")]


# ------------------------------------------------------------------------------ tracker cache


@pytest.fixture(params=["cache alone", "with lean loading"])
def cached(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The cache installed on SQLTrackerStore for one test; yields Rasa's own methods, restored after."""
    originals = {name: SQLTrackerStore.__dict__[name] for name in ("retrieve", "_retrieve", "save")}
    for name, method in originals.items():
        monkeypatch.setattr(SQLTrackerStore, name, method)
    assert tracker_cache.apply(max_entries=2)
    if request.param == "with lean loading":  # applied after the cache: it must still be used
        assert lean_tracker_loading.apply()
    yield originals


def _stores(url: str, domain: Domain) -> tuple[ErasableSQLTrackerStore, ErasableSQLTrackerStore]:
    """Two stores on one database, as two Rasa workers have (separate engines and caches)."""
    return ErasableSQLTrackerStore(domain=domain, host=url), ErasableSQLTrackerStore(domain=domain, host=url)


def _turn(tracker: DialogueStateTracker, text: str, *more: Event) -> None:
    for event in [UserUttered(text, {"name": "affirm", "confidence": 0.9}), ActionExecuted("prescreen_form"),
                  *more, ActionExecuted("action_listen")]:
        tracker.update(event)


def _rows(store: SQLTrackerStore, sender_id: str) -> list[tuple[Any, ...]]:
    with store.session_scope() as session:
        return [(r.type_name, r.timestamp, r.intent_name, r.action_name, r.data) for r in
                session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender_id)
                .order_by(store.SQLEvent.id)]


def _dicts(tracker: DialogueStateTracker | None) -> list[dict[str, Any]]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]


def test_cache_serves_the_saved_tracker_and_stores_the_rows_rasa_stores(
    tracker_url: str, domain: Domain, tmp_path: Path, cached: dict[str, Any]
) -> None:
    store, _ = _stores(tracker_url, domain)
    tracker = run(store.get_or_create_tracker("p1"))
    for text in ["hi", "yes", "40"]:
        tracker = run(store.retrieve("p1")) or tracker
        _turn(tracker, text, SlotSet("age", 40), ActiveLoop("prescreen_form"))
        run(store.save(tracker))
        assert run(store.retrieve("p1")) is tracker  # served from memory
    # The same events through Rasa's own save, and read back by Rasa's own retrieve.
    plain = ErasableSQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'plain.db'}")
    plain_tracker = DialogueStateTracker.from_dict("p1", [e.as_dict() for e in tracker.events], domain.slots)
    run(cached["save"](plain, plain_tracker))
    assert _rows(store, "p1") == _rows(plain, "p1")
    uncached = run(cached["_retrieve"](store, "p1", False))  # Rasa's own read
    assert _dicts(uncached) == _dicts(tracker) and uncached.current_state() == tracker.current_state()


def test_another_workers_write_is_never_missed(tracker_url: str, domain: Domain, cached: dict[str, Any]) -> None:
    mine, theirs = _stores(tracker_url, domain)
    tracker = run(mine.get_or_create_tracker("p2"))
    _turn(tracker, "hi")
    run(mine.save(tracker))
    assert run(mine.retrieve("p2")) is tracker
    other = run(theirs.retrieve("p2"))  # the next message went to the other worker
    _turn(other, "yes", SlotSet("age", 52))
    run(theirs.save(other))
    again = run(mine.retrieve("p2"))
    assert again is not tracker and again.get_slot("age") == 52 and _dicts(again) == _dicts(other)
    _turn(again, "no")  # and saving after the reload appends exactly the new turn
    run(mine.save(again))
    assert len(_rows(mine, "p2")) == len(again.events)


def test_unsaved_changes_erasure_and_new_sessions_are_read_from_the_database(
    tracker_url: str, domain: Domain, cached: dict[str, Any]
) -> None:
    store, _ = _stores(tracker_url, domain)
    tracker = run(store.get_or_create_tracker("p3"))
    _turn(tracker, "hi")
    run(store.save(tracker))
    _turn(tracker, "a turn that failed before it was saved")
    fresh = run(store.retrieve("p3"))
    assert fresh is not tracker and len(fresh.events) == len(tracker.events) - 3

    _turn(fresh, "yes")
    fresh.update(ActionExecuted("action_session_start"))
    fresh.update(SessionStarted())
    _turn(fresh, "new session")
    run(store.save(fresh))
    session = run(store.retrieve("p3"))
    assert session is not fresh and isinstance(session.events[0], SessionStarted)

    assert store.erase("p3") > 0
    assert run(store.retrieve("p3")) is None


def test_cache_is_bounded_and_off_with_an_event_broker(
    tracker_url: str, domain: Domain, cached: dict[str, Any]
) -> None:
    store, _ = _stores(tracker_url, domain)
    trackers = {}
    for sender in ["a", "b", "c"]:
        trackers[sender] = run(store.get_or_create_tracker(sender))
        _turn(trackers[sender], "hi")
        run(store.save(trackers[sender]))
    assert list(store._prescreen_trackers) == ["b", "c"]  # type: ignore[attr-defined]
    assert run(store.retrieve("a")) is not trackers["a"]

    class Broker:
        async def publish(self, event: Any, **_kwargs: Any) -> None:
            return None

    store.event_broker = Broker()  # type: ignore[assignment]
    assert run(store.retrieve("c")) is not trackers["c"]
