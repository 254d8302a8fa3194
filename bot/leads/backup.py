"""Backups of the lead database and the transcripts: one encrypted file, restored only into empty databases.

What is in a backup: each database as its engine dumps it consistently while the product runs
(SQLite: the online backup API, a snapshot of the whole file; PostgreSQL: `pg_dump --format=custom`,
one transaction snapshot), in a tar archive with a manifest. Each database is consistent in itself;
the two are taken one after the other. When the tracker store is the lead database (one URL), it is
dumped once.

The file format (one file, `prescreen-<UTC time>.backup`, mode 0600):

    PRESCREEN-BACKUP/1\\n
    {"format": 1, "created_at": ..., "key_id": ..., "parts": [...]}\\n      header: no personal data
    chunk*                                                                4-byte length + Fernet token

Every chunk is a Fernet token (AES-128-CBC + HMAC-SHA256) under PRESCREEN_DATA_KEY; its plaintext is
the chunk's index (8 bytes), a last-chunk flag (1 byte) and up to 1 MiB of the archive, so a
reordered, missing or cut-off chunk is refused rather than restored. The key id in the header
(an HMAC of the key, not the key) says which key a backup needs. A backup without its key cannot
be read, by design; the key must never be kept next to it.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from bot.leads.private_files import private_directory

MAGIC = b"PRESCREEN-BACKUP/1\n"
FORMAT = 1
CHUNK_BYTES = 1024 * 1024
SUFFIX = ".backup"
KEY_ADVICE = (
    "Keep PRESCREEN_DATA_KEY (and any PRESCREEN_OLD_DATA_KEYS) in the hospital's secret store or password "
    "safe, NOT next to the backups: not in the same directory, disk, share or tape. A backup without its "
    "key cannot be restored; a backup with its key beside it is not encrypted at all."
)


class BackupError(Exception):
    """A backup could not be written or restored; the message says what to do."""


@dataclass(frozen=True)
class Part:
    """One database in a backup: `leads` or `transcripts`, and how it was dumped."""

    name: str
    kind: str  # sqlite | postgresql
    member: str  # file name inside the archive


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: str
    key_id: str
    schema_revision: str
    parts: tuple[Part, ...]
    size_bytes: int


def key_id(key: str) -> str:
    """A short name for a data key that reveals nothing of it."""
    return hmac.new(key.encode(), b"prescreen-backup-key-id", hashlib.sha256).hexdigest()[:16]


def _kind(url: str) -> str:
    driver = make_url(url).drivername
    if driver.startswith("sqlite"):
        return "sqlite"
    if driver.startswith("postgresql"):
        return "postgresql"
    raise BackupError(f"backups support SQLite and PostgreSQL, not {driver}")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


# ------------------------------------------------------------------------ PostgreSQL's own tools


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install PostgreSQL's client programs (Debian: postgresql-client)")
    return found


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """libpq connection arguments; the password goes in the environment, never on a command line."""
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ, PGCONNECT_TIMEOUT="10")
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    host = url.query.get("host")  # a Unix socket directory given as ?host=
    if isinstance(host, str) and not url.host:
        args += ["--host", host]
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-600:]}")


# ------------------------------------------------------------------------ dumping and loading one database


def _dump(url: str, kind: str, target: Path) -> None:
    if kind == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(f"{source_path} does not exist: nothing to back up")
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)  # the online backup API: a consistent copy while others write
        finally:
            destination.close()
            source.close()
    else:
        args, env = _pg_args(make_url(url))
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args],
             env, "pg_dump")


def user_tables(url: str) -> list[str]:
    """The tables a database holds: empty for a new database (an SQLite file that does not exist yet)."""
    if _kind(url) == "sqlite" and not _sqlite_path(url).exists():
        return []
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def _load(url: str, kind: str, source: Path) -> None:
    if kind == "sqlite":
        target_path = _sqlite_path(url)
        private_directory(target_path.parent)
        os.close(os.open(target_path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(target_path, 0o600)
        origin = sqlite3.connect(source)
        destination = sqlite3.connect(target_path, timeout=30)
        try:
            origin.backup(destination)
        finally:
            destination.close()
            origin.close()
    else:
        args, env = _pg_args(make_url(url))
        _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              *args, str(source)], env, "pg_restore")


def _schema_revision(url: str) -> str:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("select version_num from alembic_version")).scalar() or "")
    except Exception:  # noqa: BLE001 - a database without migrations applied
        return ""
    finally:
        engine.dispose()


# ------------------------------------------------------------------------ encryption in chunks


def _encrypt_stream(source: BinaryIO, out: BinaryIO, fernet: Fernet) -> None:
    index = 0
    block = source.read(CHUNK_BYTES)
    while True:
        following = source.read(CHUNK_BYTES)
        last = not following
        token = fernet.encrypt(struct.pack(">QB", index, 1 if last else 0) + block)
        out.write(struct.pack(">I", len(token)) + token)
        if last:
            return
        block, index = following, index + 1


def _decrypt_stream(source: BinaryIO, fernet: Fernet) -> Iterator[bytes]:
    index = 0
    while True:
        length_bytes = source.read(4)
        if len(length_bytes) != 4:
            raise BackupError("the backup is cut off (its last part is missing): it cannot be restored")
        token = source.read(struct.unpack(">I", length_bytes)[0])
        try:
            plain = fernet.decrypt(token)
        except InvalidToken as error:
            raise BackupError("the backup is damaged or was changed: a part does not decrypt") from error
        found_index, last = struct.unpack(">QB", plain[:9])
        if found_index != index:
            raise BackupError("the backup's parts are out of order: it was changed and cannot be restored")
        yield plain[9:]
        if last:
            if source.read(1):
                raise BackupError("the backup has data after its last part: it was changed")
            return
        index += 1


# ------------------------------------------------------------------------ the two operations


def _parts(database_url: str, tracker_store_url: str) -> list[tuple[Part, str]]:
    leads = Part("leads", _kind(database_url), "leads." + ("db" if _kind(database_url) == "sqlite" else "pgdump"))
    parts = [(leads, database_url)]
    if tracker_store_url and tracker_store_url != database_url:
        kind = _kind(tracker_store_url)
        parts.append((Part("transcripts", kind, "transcripts." + ("db" if kind == "sqlite" else "pgdump")),
                      tracker_store_url))
    return parts


def backup_file_name(now: datetime | None = None) -> str:
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"prescreen-{moment:%Y%m%dT%H%M%SZ}{SUFFIX}"


def write_backup(database_url: str, tracker_store_url: str, data_key: str, output: Path) -> BackupInfo:
    """Back up both databases into `output`: a file named *.backup, or a directory for a time-stamped file."""
    if not data_key:
        raise BackupError("PRESCREEN_DATA_KEY is not set: backups are encrypted with it")
    if output.suffix != SUFFIX:  # a directory (made if missing) for a time-stamped file
        private_directory(output)
        output = output / backup_file_name()
    else:
        private_directory(output.parent)
    if (output.parent / ".env").exists():
        raise BackupError(f"{output.parent} holds a .env file (with the data key): write backups elsewhere. "
                          + KEY_ADVICE)
    if output.exists():
        raise BackupError(f"{output} exists already: choose another name")
    fernet = Fernet(data_key.encode())
    created_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    parts = _parts(database_url, tracker_store_url)
    manifest = {"format": FORMAT, "created_at": created_at, "key_id": key_id(data_key),
                "schema_revision": _schema_revision(database_url),
                "parts": [{"name": p.name, "kind": p.kind, "member": p.member} for p, _ in parts]}
    with tempfile.TemporaryDirectory(prefix="prescreen-backup-") as work:
        os.chmod(work, 0o700)
        archive = Path(work) / "archive.tar"
        with tarfile.open(archive, "w") as tar:
            body = json.dumps(manifest, indent=2).encode()
            entry = tarfile.TarInfo("manifest.json")
            entry.size = len(body)
            tar.addfile(entry, io.BytesIO(body))
            for part, url in parts:
                dumped = Path(work) / part.member
                _dump(url, part.kind, dumped)
                tar.add(dumped, arcname=part.member)
                dumped.unlink()
        partial = output.with_name(output.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out, archive.open("rb") as source:
                out.write(MAGIC + json.dumps(manifest, separators=(",", ":")).encode() + b"\n")
                _encrypt_stream(source, out, fernet)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return read_info(output)


def read_info(path: Path) -> BackupInfo:
    """The backup's header (readable without the key: it holds no personal data)."""
    with path.open("rb") as source:
        return _info(path, _read_header(source))


def _read_header(source: BinaryIO) -> dict[str, Any]:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("this is not a Prescreen backup (or one of a newer format)")
    try:
        return dict(json.loads(source.readline()))
    except ValueError as error:
        raise BackupError("the backup's header is damaged") from error


def _info(path: Path, header: dict[str, Any]) -> BackupInfo:
    return BackupInfo(path, header["created_at"], header["key_id"], header.get("schema_revision", ""),
                      tuple(Part(p["name"], p["kind"], p["member"]) for p in header["parts"]),
                      path.stat().st_size)


def restore_backup(path: Path, database_url: str, tracker_store_url: str, keys: tuple[str, ...]) -> BackupInfo:
    """Restore a backup into EMPTY databases (refuses any that holds a table); returns what was restored.

    `keys`: the current data key and the old ones; the backup names the one it needs by its id.
    The schema is left at the backup's revision: run the migrations (`prescreen db upgrade`) after.
    """
    with path.open("rb") as source:
        header = _read_header(source)
        info = _info(path, header)
        key = next((k for k in keys if k and key_id(k) == info.key_id), None)
        if key is None:
            raise BackupError(f"this backup was encrypted with another data key (key id {info.key_id}); set "
                              "PRESCREEN_DATA_KEY or PRESCREEN_OLD_DATA_KEYS to it. " + KEY_ADVICE)
        targets = {"leads": database_url}
        if any(p.name == "transcripts" for p in info.parts):
            targets["transcripts"] = tracker_store_url
        for part in info.parts:
            url = targets[part.name]
            if _kind(url) != part.kind:
                raise BackupError(f"the backup's {part.name} come from {part.kind}; restore them into a "
                                  f"{part.kind} database, not {_kind(url)}")
            if tables := user_tables(url):
                raise BackupError(f"the {part.name} database is not empty ({len(tables)} tables, e.g. "
                                  f"{tables[0]}): restore only into an empty database, nothing was changed")
        if len(set(targets.values())) != len(targets):
            raise BackupError("the backup holds two databases: give the transcripts their own TRACKER_STORE_URL")
        fernet = Fernet(key.encode())
        with tempfile.TemporaryDirectory(prefix="prescreen-restore-") as work:
            os.chmod(work, 0o700)
            archive = Path(work) / "archive.tar"
            with archive.open("wb") as out:
                for block in _decrypt_stream(source, fernet):
                    out.write(block)
            with tarfile.open(archive) as tar:
                manifest = json.loads(_member(tar, "manifest.json"))
                if manifest != header:
                    raise BackupError("the backup's header does not match its encrypted manifest: it was changed")
                for part in info.parts:
                    loaded = Path(work) / part.member
                    loaded.write_bytes(_member(tar, part.member))
                    _load(targets[part.name], part.kind, loaded)
    return info


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    extracted = tar.extractfile(name)
    if extracted is None:
        raise BackupError(f"the backup has no {name}")
    return extracted.read()
