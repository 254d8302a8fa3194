"""Keep the SQLite tracker store's connections open, in WAL mode.

Rasa: `create_engine_kwargs()` gives SQLite files SQLAlchemy 1.4's default pool, which opens and
closes a connection for every read or write; closing the last one checkpoints the journal with a
disk flush, and each commit waits for a flush (synchronous=FULL).
Patch: SQLite URLs get a small pool of kept connections, each set to journal_mode=WAL and
synchronous=NORMAL when it opens (`SQLTrackerStore.__init__` disposes of the connection that created
the tables, which had no pragmas). Every other database (PostgreSQL) gets Rasa's own arguments.
Safe: the same rows are written and read; WAL with synchronous=NORMAL may lose the last turns on a
power cut, never corrupts the file, and loses nothing when Rasa itself crashes.
"""

from __future__ import annotations

from typing import Any

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = (
    "rasa.core.tracker_store.create_engine_kwargs",
    "rasa.core.tracker_store.SQLTrackerStore.__init__",
)


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    import rasa.core.tracker_store as tracker_store_module
    from rasa.core.tracker_store import SQLTrackerStore
    from sqlalchemy import event
    from sqlalchemy.pool import QueuePool

    if fence.patched_by(SQLTrackerStore, "__init__") == __name__:
        return True
    original_kwargs = tracker_store_module.create_engine_kwargs
    original_init = SQLTrackerStore.__init__

    def create_engine_kwargs(url: Any) -> dict[str, Any]:
        if str(url).startswith("sqlite"):
            return {"poolclass": QueuePool, "pool_size": 2, "max_overflow": 8,
                    "connect_args": {"check_same_thread": False, "timeout": 5}}
        return original_kwargs(url)

    def __init__(self: SQLTrackerStore, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self.engine.dispose()  # the connection that created the tables had no pragmas
            event.listen(self.engine, "connect", _pragmas)

    fence.replace(tracker_store_module, "create_engine_kwargs", create_engine_kwargs, __name__)
    fence.replace(SQLTrackerStore, "__init__", __init__, __name__)
    return True
