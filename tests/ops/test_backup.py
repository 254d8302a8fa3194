"""`prescreen backup` / `restore`: make leads, back up, destroy, restore, and find every row back.

On SQLite (the online backup API) and on the real PostgreSQL server the suite starts (pg_dump and
pg_restore). The transcripts are Rasa's `events` table with encrypted data, as the tracker store writes.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.pool import NullPool

from bot.leads.backup import BackupError, read_info, restore_backup, user_tables, write_backup
from bot.leads.crypto import FieldCipher
from bot.leads.database import Database
from bot.leads.erasure import erase_lead
from bot.leads.migrate import upgrade
from bot.leads.store import ContactDetails, LeadStore
from bot.leads.transcripts import seal, unseal
from bot.ops.run import WEB_VENV_PYTHON
from tests.conftest import TEST_KEY
from tests.web.coordinator.seed import seed_lead

ROOT = Path(__file__).resolve().parents[2]
_names = itertools.count()
PATIENTS = {
    "conv-kept-1": ContactDetails(name="Wang Xiaoming", phone="+8613812345678", email="wang.xm@example.cn",
                                  preferred_time="weekday evenings"),
    "conv-kept-2": ContactDetails(name="李秀英", phone="+8613900001111", email=None, preferred_time=None),
    "conv-erased": ContactDetails(name="Zhang Erased", phone="+8613700002222", email="erased@example.cn",
                                  preferred_time=None),
}


def fresh_url(kind: str, tmp_path: Path, request: pytest.FixtureRequest, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / f'{name}-{next(_names)}.db'}"
    from tests.postgres import create_database

    return create_database(request.getfixturevalue("postgres_server"), f"backup_{name}_{next(_names)}")


def make_tracker(url: str, cipher: FieldCipher) -> None:
    """Rasa's events table (the columns erasure and the review export read), one encrypted event per patient."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("create table events (id integer primary key, sender_id varchar(255) not null, "
                                "type_name varchar(255), timestamp float, data text)"))
        for number, sender in enumerate(PATIENTS, start=1):
            data = seal(cipher, f'{{"event": "user", "text": "my phone is {PATIENTS[sender].phone}"}}')
            connection.execute(text("insert into events (id, sender_id, type_name, timestamp, data) "
                                    "values (:id, :sender, 'user', :at, :data)"),
                               {"id": number, "sender": sender, "at": 1765000000.0 + number, "data": data})
    engine.dispose()


def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in primary-key order: the whole database, to compare before and after."""
    engine = create_engine(url, poolclass=NullPool)
    metadata = MetaData()
    metadata.reflect(engine)
    found = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            found[table.name] = [tuple(row) for row in connection.execute(select(table).order_by(*order))]
    engine.dispose()
    return found


def seed_site(database_url: str, tracker_url: str) -> LeadStore:
    """Three leads with contacts, answers, status changes and contact attempts; then one of them erased."""
    cipher = FieldCipher(TEST_KEY)
    store = LeadStore(Database(database_url), cipher)
    make_tracker(tracker_url, cipher)
    now = datetime.now(timezone.utc)
    for number, (conversation, contact) in enumerate(PATIENTS.items()):
        lead_id = seed_lead(store, conversation, contact, completed_at=now - timedelta(hours=30 + number))
        store.log_contact_attempt(lead_id, now - timedelta(hours=2), "phone", "no_answer", "rang twice", "cli:alice")
        store.set_review_status(lead_id, "contacted", "spoke to the patient's son", "cli:alice")
    erase_lead(store, tracker_url, "conv-erased", actor="cli:alice", detail="patient asked")
    return store


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_backup_destroy_restore_brings_every_row_back(kind: str, tmp_path: Path,
                                                       request: pytest.FixtureRequest) -> None:
    database_url, tracker_url = (fresh_url(kind, tmp_path, request, n) for n in ("leads", "tracker"))
    upgrade(database_url)
    store = seed_site(database_url, tracker_url)
    store.database.engine.dispose()
    leads_before, events_before = every_row(database_url), every_row(tracker_url)
    assert len(leads_before["screenings"]) == 2 and len(leads_before["contact_attempts"]) == 2
    assert leads_before["status_changes"] and leads_before["answers"] and leads_before["audit_log"]

    info = write_backup(database_url, tracker_url, TEST_KEY, tmp_path / "backups")
    assert [(p.name, p.kind) for p in info.parts] == [("leads", kind), ("transcripts", kind)]
    assert info.schema_revision and oct(info.path.stat().st_mode & 0o777) == "0o600"
    raw = info.path.read_bytes()
    for clear in (b"Wang", b"+8613812345678", b"SQLite format", b"PGDMP", "李秀英".encode(), b"contacted"):
        assert clear not in raw  # encrypted at rest: nothing of the data, not even the dump's own header

    # Destroyed: the databases are gone; restore into new, empty ones.
    if kind == "sqlite":
        for url in (database_url, tracker_url):
            for path in Path(url.split(":///", 1)[1]).parent.glob(Path(url).name + "*"):
                path.unlink()
        new_leads, new_tracker = database_url, tracker_url
    else:
        new_leads, new_tracker = (fresh_url(kind, tmp_path, request, n) for n in ("leads_new", "tracker_new"))
    assert user_tables(new_leads) == [] and user_tables(new_tracker) == []
    restored = restore_backup(info.path, new_leads, new_tracker, (TEST_KEY,))
    assert restored.key_id == info.key_id

    assert every_row(new_leads) == leads_before  # every lead, answer, status change, attempt, audit entry
    assert every_row(new_tracker) == events_before
    store = LeadStore(Database(new_leads), FieldCipher(TEST_KEY))
    leads = {record.conversation_id: record for record in store.list_leads()}
    assert set(leads) == {"conv-kept-1", "conv-kept-2"}  # the erased patient stays erased
    assert store.get_lead("conv-kept-2").contact.name == "李秀英"  # contact details decrypt with the key
    entries = [e["action"] for e in store.audit_entries()]
    assert any("erase" in action for action in entries)  # the erasure itself is on record
    senders = {row[1] for row in every_row(new_tracker)["events"]}
    assert senders == {"conv-kept-1", "conv-kept-2"}
    assert "+8613812345678" in (unseal(FieldCipher(TEST_KEY), every_row(new_tracker)["events"][0][4]) or "")
    # The restored database works on: a new lead gets a new id (PostgreSQL's sequences came back too).
    new_id = seed_lead(store, "conv-after-restore", PATIENTS["conv-kept-1"])
    assert new_id > max(row[0] for row in leads_before["screenings"])
    store.database.engine.dispose()

    # Never over existing data: a second restore is refused and changes nothing.
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(info.path, new_leads, new_tracker, (TEST_KEY,))


def test_a_backup_needs_its_key_and_refuses_damage(tmp_path: Path) -> None:
    database_url, tracker_url = f"sqlite:///{tmp_path / 'leads.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    upgrade(database_url)
    seed_site(database_url, tracker_url).database.engine.dispose()
    info = write_backup(database_url, tracker_url, TEST_KEY, tmp_path / "backups" / "site.backup")
    empty_leads, empty_tracker = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    other_key = "Xq9xqk2yJ1m3T0o6i4d8l0cVbNn2sS5uA7wE1rT3yU0="  # a valid Fernet key, not the backup's
    with pytest.raises(BackupError, match="another data key"):
        restore_backup(info.path, empty_leads, empty_tracker, (other_key,))
    restore_backup(info.path, empty_leads, empty_tracker, (other_key, TEST_KEY))  # an old key will do
    data = bytearray(info.path.read_bytes())
    data[-40] ^= 1
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(damaged, f"sqlite:///{tmp_path / 'c.db'}", f"sqlite:///{tmp_path / 'd.db'}", (TEST_KEY,))
    cut = tmp_path / "cut.backup"
    cut.write_bytes(info.path.read_bytes()[:-100])
    with pytest.raises(BackupError):
        restore_backup(cut, f"sqlite:///{tmp_path / 'e.db'}", f"sqlite:///{tmp_path / 'f.db'}", (TEST_KEY,))
    assert read_info(info.path).key_id == info.key_id  # the header is readable without the key
    # The key never next to the backup: a directory holding a .env is refused.
    (tmp_path / "beside").mkdir()
    (tmp_path / "beside" / ".env").write_text(f"PRESCREEN_DATA_KEY={TEST_KEY}\n")
    with pytest.raises(BackupError, match=".env"):
        write_backup(database_url, tracker_url, TEST_KEY, tmp_path / "beside")


def test_the_commands_on_the_web_runtime(tmp_path: Path) -> None:
    """`prescreen backup` and `prescreen restore` as an operator runs them, on .venv-web (Python 3.12)."""
    database_url, tracker_url = f"sqlite:///{tmp_path / 'leads.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    upgrade(database_url)
    seed_site(database_url, tracker_url).database.engine.dispose()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(DATABASE_URL=database_url, TRACKER_STORE_URL=tracker_url, PRESCREEN_DATA_KEY=TEST_KEY,
               PRESCREEN_VAR_DIR=str(tmp_path), PRESCREEN_BACKUP_DIR=str(tmp_path / "backups"))
    prescreen = str(WEB_VENV_PYTHON.with_name("prescreen"))

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([prescreen, *args], cwd=ROOT, env={**env, **extra}, capture_output=True, text=True,
                              timeout=120)

    made = run("backup")
    assert made.returncode == 0, made.stderr
    assert "NOT next to the backups" in made.stdout
    [backup] = (tmp_path / "backups").glob("prescreen-*.backup")
    refused = run("restore", str(backup), "--yes")
    assert refused.returncode == 1 and "not empty" in refused.stderr
    target = {"DATABASE_URL": f"sqlite:///{tmp_path / 'new' / 'leads.db'}",
              "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'new' / 'tracker.db'}"}
    assert run("restore", str(backup), **target).returncode == 2  # asks for --yes first
    restored = run("restore", str(backup), "--yes", **target)
    assert restored.returncode == 0, restored.stderr
    listed = run("leads", "list", **target)
    assert listed.returncode == 0 and listed.stdout.count("PS-") == 2, listed.stdout
