"""Every replacement of a Rasa (or rasa-sdk) internal, one module per piece it replaces, each fenced to
the version it was written for (fence.py). Nothing outside this folder replaces anything of Rasa's.

Four sets:
- SERVER_PATCHES, what the guarded server (bot/rasa_ext/server.py) always applies, with or without the
  speed patches: action-call timeouts, the request limits and the action-server guard
  (`apply_server()`);
- PATCHES, the speed patches, applied by bot/rasa_ext/fast.py unless RASA_SPEEDUPS=0 (`apply_all()`);
- JSON_LOG_PATCHES, applied with LOG_FORMAT=json only: Rasa's coloured logs (colored_logging, by the
  server) and rasa-sdk's (action_server_logging, by the action server) become JSON lines;
- ACTION_SERVER_PATCHES, what the action server (bot/rasa_ext/action_server.py) always applies to
  rasa-sdk: its failed calls counted per action (action_server_app).

The speed patches:

Found by profiling (py-spy) under `make bench` (README "Speed and scale"); none changes what Rasa
answers or stores, and each is tested against Rasa's own code path in tests/rasa_ext/. All were
written against Rasa 3.6.21 (`fence.WRITTEN_FOR`): on any other version none is applied.

No two patches replace the same attribute, and none captures another's replacement, so each is
correct whether or not the others are applied, in any order (tested); the order below is fixed
only so that every process is patched the same way.
"""

from __future__ import annotations

import logging
from types import ModuleType

from bot.rasa_ext.patches import (
    action_call_payload,
    action_response_validation,
    action_server_app,
    action_server_connections,
    action_server_guard,
    action_server_logging,
    action_timeouts,
    colored_logging,
    concrete_prediction,
    eager_weight_building,
    event_class_lookup,
    fence,
    graph_in_order,
    in_process_language,
    incremental_applied_events,
    lean_tracker_loading,
    request_limits,
    sparse_feature_stacking,
    sqlite_tracker_connections,
    tracker_cache,
    tracker_copy,
)

log = logging.getLogger(__name__)

PATCHES: tuple[ModuleType, ...] = (
    action_response_validation,
    action_server_connections,
    event_class_lookup,
    sqlite_tracker_connections,
    lean_tracker_loading,
    incremental_applied_events,
    tracker_cache,
    eager_weight_building,
    in_process_language,
    sparse_feature_stacking,
    action_call_payload,
    concrete_prediction,
    tracker_copy,
    graph_in_order,
)


SERVER_PATCHES: tuple[ModuleType, ...] = (action_timeouts, request_limits, action_server_guard)
JSON_LOG_PATCHES: tuple[ModuleType, ...] = (colored_logging, action_server_logging)
ACTION_SERVER_PATCHES: tuple[ModuleType, ...] = (action_server_app,)


def apply_server() -> list[str]:
    """Apply the server's patches (the guard apologises while the action server is down); returns those
    applied. On a Rasa version they were not written for, applies none and logs one line."""
    if not fence.allows("the server's timeouts, request limits and guard were", fence.WRITTEN_FOR):
        return []
    applied = [patch.__name__.rsplit(".", 1)[-1] for patch in SERVER_PATCHES
               if patch.apply()]
    log.debug("Rasa server patches applied: %s", ", ".join(applied))
    return applied


def written_for() -> tuple[str, ...]:
    """The Rasa versions every patch was written for."""
    versions = set(PATCHES[0].RASA_VERSIONS)
    for patch in PATCHES[1:]:
        versions &= set(patch.RASA_VERSIONS)
    return tuple(sorted(versions))


def apply_all(tracker_cache_size: int = 256) -> list[str]:
    """Apply every patch (the tracker cache only with tracker_cache_size > 0); returns those applied.

    On a Rasa version the patches were not written for, applies none and logs one line.
    """
    if not fence.allows("the speed patches were", written_for()):
        return []
    applied = []
    for patch in PATCHES:
        done = patch.apply(tracker_cache_size) if patch is tracker_cache else patch.apply()
        if done:
            applied.append(patch.__name__.rsplit(".", 1)[-1])
    log.debug("Rasa speed patches applied: %s", ", ".join(applied))
    return applied
