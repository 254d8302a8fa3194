"""Patches Rasa for timing, for the benchmark only: `python -m tools.bench_rasa_timing run ...`.

Starts Rasa as bot.rasa_ext.fast (or $PRESCREEN_BENCH_RASA_MODULE, e.g. bot.rasa_ext.server) does,
after replacing a few of Rasa's methods with timed wrappers around them: custom-action calls (as Rasa
waits for them: HTTP round trip plus events), NLU parsing, policy prediction, tracker-store reads
and writes, and the whole message. Each process appends lines `kind<TAB>name<TAB>milliseconds` to
$PRESCREEN_BENCH_PROBE_DIR/probe-<pid>.tsv after every message. The product never loads this module.

The wrappers only time what they wrap, but they name Rasa 3.6.21's methods: behind the same version
fence as the speed patches (bot/rasa_ext/patches/fence.py), on another Rasa version none is installed
and one line says so. They are installed after the speed patches, so they time the patched methods.
"""

from __future__ import annotations

import atexit
import functools
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_lines: list[str] = []
_path: Path | None = None


def _record(kind: str, name: str, seconds: float) -> None:
    _lines.append(f"{kind}\t{name}\t{seconds * 1000:.3f}\n")
    if kind == "turn":  # the outermost timing: one small append per message
        flush()


def flush() -> None:
    global _path
    directory = os.environ.get("PRESCREEN_BENCH_PROBE_DIR")
    if not directory or not _lines:
        _lines.clear()
        return
    path = Path(directory) / f"probe-{os.getpid()}.tsv"  # per process: Sanic workers are forked
    with open(path, "a", encoding="utf-8") as handle:
        handle.writelines(_lines)
    _lines.clear()


def _timed_async(kind: str, name_of: Callable[..., str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                _record(kind, name_of(*args, **kwargs), time.perf_counter() - started)

        return wrapper

    return decorate


def _timed_sync(kind: str, name_of: Callable[..., str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                _record(kind, name_of(*args, **kwargs), time.perf_counter() - started)

        return wrapper

    return decorate


def install() -> bool:
    """Wrap Rasa's methods with timers; False (nothing wrapped) on a Rasa the probes were not written for."""
    from bot.rasa_ext.patches import fence

    if not fence.allows("the timing probes were", fence.WRITTEN_FOR):
        return False
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import SQLTrackerStore

    RemoteAction.run = _timed_async("action", lambda self, *a, **k: self.name())(RemoteAction.run)
    Agent.handle_message = _timed_async("turn", lambda self, message, *a, **k: str(message.sender_id))(
        Agent.handle_message
    )
    MessageProcessor.parse_message = _timed_async("nlu", lambda *a, **k: "parse")(MessageProcessor.parse_message)
    MessageProcessor._predict_next_with_tracker = _timed_sync("policy", lambda *a, **k: "predict")(
        MessageProcessor._predict_next_with_tracker
    )
    # retrieve, not _retrieve: the tracker cache answers there without reading the database
    SQLTrackerStore.retrieve = _timed_async("tracker", lambda *a, **k: "retrieve")(SQLTrackerStore.retrieve)
    SQLTrackerStore.save = _timed_async("tracker", lambda *a, **k: "save")(SQLTrackerStore.save)
    atexit.register(flush)
    return True


def main() -> None:
    """Probes, then Rasa as $PRESCREEN_BENCH_RASA_MODULE starts it (bot.rasa_ext.fast by default)."""
    import importlib

    module = importlib.import_module(os.environ.get("PRESCREEN_BENCH_RASA_MODULE") or "bot.rasa_ext.fast")
    if hasattr(module, "install"):
        module.install()  # first, so the probes wrap the speed patches
    install()
    getattr(module, "serve", module.main)()  # fast.serve: Rasa without applying (and fencing) the patches again


if __name__ == "__main__":
    main()
