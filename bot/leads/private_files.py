"""Files that hold patients' data: readable by their owner only, from the first byte."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url


def write_private(path: str, text: str) -> None:
    """Write `text` to `path` with mode 0600 (also when the file already existed)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:  # CSV keeps its own line ends
        handle.write(text)
    os.chmod(path, 0o600)


def private_directory(path: Path) -> None:
    """Create `path` (and missing parents) with mode 0700; tighten it if it already existed wider."""
    for missing in reversed([path, *path.parents]):  # mkdir(parents=True) would give parents the umask's mode
        if not missing.exists():
            missing.mkdir(mode=0o700, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)


def private_sqlite_file(url: str) -> None:
    """For an SQLite URL, create the database file empty with mode 0600 before SQLite does (0644).

    SQLite gives its -wal, -shm and -journal files the database file's mode. An existing file is
    tightened to 0600. Other databases (PostgreSQL) are left to their server.
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    if not path.parent.exists():
        private_directory(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is an empty database
    except OSError:
        return  # unwritable: SQLite reports it when it connects
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
