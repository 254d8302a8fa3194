"""Rasa with performance fixes, otherwise exactly bot.rasa_ext.server: `python -m bot.rasa_ext.fast run ...`.

`make run` starts Rasa this way unless RASA_SPEEDUPS=0. Found by profiling (py-spy) under
`make bench` (README "Speed and scale"); none changes what Rasa does:

1. Rasa 3.6 checks every action-server response with `jsonschema.validate()`, which first
   re-validates Rasa's own (large, constant) event schema against the JSON-Schema metaschema,
   on every call: 40-45 % of Rasa's CPU per message here. The response is now validated by a
   validator built once from the same schema; an invalid response fails exactly as before.
2. Loading a tracker looks up each stored event's class by walking every Event subclass; the
   lookup is now a dict, filled lazily (unknown names still fall back to the walk).
3. The SQLite tracker store keeps its connections open (SQLAlchemy 1.4 opens and closes one per
   read or write) and runs in WAL mode with synchronous=NORMAL: a commit no longer waits for a
   disk flush (a power cut may lose the last turns, never corrupt the file; a crash of Rasa
   loses nothing). PostgreSQL is untouched.
4. Calls to the action server reuse keep-alive connections instead of opening a new connection
   (and client session) for every custom action, and their JSON is written by ujson.
5. Loading a tracker reads only the events' JSON column (the same query, the same order) instead
   of building an ORM object per stored event.
6. `DialogueStateTracker.applied_events()` (called three to six times per message, by forms,
   policies and session checks) walked the whole conversation each time; it now remembers its
   result per tracker and, when events were only appended since, carries on from there.
7. Trackers of recent conversations stay in memory while the database still holds exactly what
   this process last read or wrote (bot/rasa_ext/tracker_cache.py; TRACKER_CACHE_SIZE=0 turns it off).
8. Loading the NLU model: Rasa builds the model's weights by training one step on an example and
   then overwrites them with the stored ones; tracing that training step into a TensorFlow graph
   took 40 % of start-up. The step now runs eagerly (same weights built, then the same stored
   weights loaded); prediction is still compiled, and gives identical results (tested).
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

log = logging.getLogger(__name__)


def fast_action_response_validation() -> None:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, as jsonschema.validate() did on every call
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, make sure your response from the Action "
                f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def fast_event_lookup() -> None:
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type  # a staticmethod
    cache: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = cache.get(type_name)
        if found is not None:
            return found
        resolved = original(type_name, default)
        if resolved is not None and resolved is not default:
            cache[type_name] = resolved
        return resolved

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[assignment, method-assign]


def fast_sqlite_tracker_store() -> None:
    import rasa.core.tracker_store as tracker_store_module
    from rasa.core.tracker_store import SQLTrackerStore
    from sqlalchemy import event
    from sqlalchemy.pool import QueuePool

    original_kwargs = tracker_store_module.create_engine_kwargs
    original_init = SQLTrackerStore.__init__

    def create_engine_kwargs(url: Any) -> dict[str, Any]:
        if str(url).startswith("sqlite"):
            # Keep connections open (SQLAlchemy 1.4 opens and closes one per session for SQLite files,
            # and closing the last connection checkpoints the WAL with a disk flush).
            return {"poolclass": QueuePool, "pool_size": 2, "max_overflow": 8,
                    "connect_args": {"check_same_thread": False, "timeout": 5}}
        return original_kwargs(url)

    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    def __init__(self: SQLTrackerStore, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self.engine.dispose()  # the connection that created the tables had no pragmas
            event.listen(self.engine, "connect", _pragmas)

    tracker_store_module.create_engine_kwargs = create_engine_kwargs
    SQLTrackerStore.__init__ = __init__  # type: ignore[method-assign]


def lean_tracker_loading() -> None:
    """Read only the events' JSON column, not whole ORM objects (identical query and order)."""
    import json

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    async def _retrieve(self: SQLTrackerStore, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions)
            rows = query.with_entities(self.SQLEvent.data).all()
            events = [json.loads(data) for (data,) in rows]
            if self.domain and len(events) > 0:
                return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            return None

    SQLTrackerStore._retrieve = _retrieve  # type: ignore[method-assign]


def incremental_applied_events() -> None:
    """applied_events() remembered per tracker, extended when events were only appended since.

    Rasa's loop over the events is kept as it is. The result depends on all events only through the
    set of loop names seen, so carrying on is exact unless a new loop name appears (then: from the
    start). The memo holds the deque and its last event, so neither can be mistaken for a new one.
    """
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        ActiveLoop,
        Event,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    def apply(tracker: DialogueStateTracker, applied: list[Event], events: Any, loop_names: set[str]) -> list[Event]:
        for event in events:  # DialogueStateTracker.applied_events, Rasa 3.6
            if isinstance(event, (Restarted, SessionStarted)):
                applied = []
            elif isinstance(event, ActionReverted):
                tracker._undo_till_previous(ActionExecuted, applied)
            elif isinstance(event, UserUtteranceReverted):
                tracker._undo_till_previous(UserUttered, applied)
                tracker._undo_till_previous(ActionExecuted, applied)
            elif (isinstance(event, ActionExecuted) and event.action_name in loop_names
                  and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)):
                tracker._undo_till_previous_loop_execution(event.action_name, applied)
            else:
                applied.append(event)
        return applied

    def applied_events(self: DialogueStateTracker) -> list[Event]:
        events = self.events
        count = len(events)
        memo = self.__dict__.get("_prescreen_applied")
        if memo is not None:
            memo_events, memo_count, memo_last, loop_names, applied = memo
            unchanged = memo_count == 0 or (memo_count <= count and events[memo_count - 1] is memo_last)
            if memo_events is events and memo_count <= count and unchanged:
                if memo_count == count:
                    return list(applied)
                new = list(itertools.islice(events, memo_count, count))
                if {e.name for e in new if isinstance(e, ActiveLoop) and e.name} <= loop_names:
                    applied = apply(self, list(applied), new, loop_names)
                    self._prescreen_applied = (events, count, events[-1], loop_names, applied)
                    return list(applied)
        loop_names = {e.name for e in events if isinstance(e, ActiveLoop) and e.name}
        applied = apply(self, [], events, loop_names)
        self._prescreen_applied = (events, count, events[-1] if count else None, loop_names, applied)
        return list(applied)

    DialogueStateTracker.applied_events = applied_events  # type: ignore[method-assign]


def eager_weight_building() -> None:
    """RasaModel.load as in Rasa 3.6, with its one weight-building training step run eagerly."""
    import tensorflow as tf
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
    from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
    from rasa.utils.tensorflow.models import RasaModel

    def load(cls: type[RasaModel], model_file_name: str, model_data_example: Any, predict_data_example: Any = None,
             finetune_mode: bool = False, *args: Any, **kwargs: Any) -> RasaModel:
        model = cls(*args, **kwargs)
        config = kwargs.get("config", {})
        optimizer = tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001))
        model.compile(optimizer=optimizer, run_eagerly=True)  # no graph for a step whose result is discarded
        model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)
        model.compile(optimizer=optimizer, run_eagerly=config.get(RUN_EAGERLY))  # as configured from here on
        model.load_weights(model_file_name)
        if not finetune_mode and predict_data_example:
            model.run_inference(predict_data_example)  # traces the prediction graph now, not at the first message
        return model

    RasaModel.load = classmethod(load)  # type: ignore[assignment, method-assign]


def _dumps(value: Any) -> str:
    """JSON for action-server requests: ujson (a Rasa dependency), the standard library as fallback."""
    import json

    import ujson

    try:
        return ujson.dumps(value, ensure_ascii=False, escape_forward_slashes=False)
    except (TypeError, ValueError, OverflowError):  # e.g. NaN, which ujson refuses
        return json.dumps(value)


def reused_action_server_connections() -> None:
    import asyncio

    import aiohttp
    from rasa.utils import endpoints as endpoints_module
    from rasa.utils.endpoints import EndpointConfig

    original_request = EndpointConfig.request

    async def request(self: EndpointConfig, method: str = "post", subpath: str | None = None,
                      content_type: str | None = "application/json", compress: bool = False, **kwargs: Any) -> Any:
        if self.cafile or self.basic_auth:  # unusual set-ups keep Rasa's own code
            return await original_request(self, method, subpath, content_type, compress, **kwargs)
        loop = asyncio.get_running_loop()
        session: aiohttp.ClientSession | None = getattr(self, "_prescreen_session", None)
        if session is None or session.closed or getattr(self, "_prescreen_loop", None) is not loop:
            # Idle connections are dropped after 2 s, before Sanic's 5 s keep-alive ends on the other
            # side, so a reused connection is never one the server is closing.
            connector = aiohttp.TCPConnector(keepalive_timeout=2, limit=100)
            session = aiohttp.ClientSession(headers=self.headers, connector=connector, json_serialize=_dumps,
                                            timeout=aiohttp.ClientTimeout(total=endpoints_module.DEFAULT_REQUEST_TIMEOUT))
            self._prescreen_session, self._prescreen_loop = session, loop  # type: ignore[attr-defined]
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

    EndpointConfig.request = request  # type: ignore[method-assign]


_installed = False


def install() -> None:
    """Apply every speed-up, once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    fast_action_response_validation()
    reused_action_server_connections()
    fast_event_lookup()
    fast_sqlite_tracker_store()
    lean_tracker_loading()
    incremental_applied_events()
    eager_weight_building()
    from bot.rasa_ext import tracker_cache as rasa_tracker_cache
    from bot.settings import load_settings

    rasa_tracker_cache.install(max_entries=load_settings().tracker_cache_size)  # after lean_tracker_loading
    log.debug("Rasa speed-ups installed")


def main() -> None:
    install()
    from bot.rasa_ext.server import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
