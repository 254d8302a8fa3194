"""Data at rest after a real conversation: no personal data in clear in the tracker store, owner-only files.

Plays a whole screening with contact details through the real servers (REST channel), then opens
the tracker database with plain sqlite3, as anyone holding a copy of the file would, and reads
every column of every table, and the raw bytes of the database and its WAL.
"""

from __future__ import annotations

import sqlite3
import stat
import uuid
from pathlib import Path

import pytest

from bot.leads.transcripts import ENCRYPTED_PREFIX
from tests.conftest import LiveStack
from tests.e2e.test_rest_conversations import CONSENT, ELIGIBLE, converse

pytestmark = pytest.mark.e2e

NAME, PHONE, EMAIL, TIME = "Zhou Guilan", "+86 137 2468 1357", "zhou.guilan@example.com", "evenings after six"
WECHAT = "zhouguilan_1957"
SECRETS = [NAME, "Guilan", PHONE, "13724681357", "+8613724681357", "137 2468 1357", EMAIL, "zhou.guilan", TIME,
           WECHAT, "my scans were clear"]


def _database_path(url: str) -> Path:
    assert url.startswith("sqlite:///"), url
    return Path(url.removeprefix("sqlite:///"))


def test_transcripts_hold_no_personal_data_in_clear_and_files_are_owner_only(live_stack: LiveStack) -> None:
    sender = uuid.uuid4().hex
    texts = converse(live_stack, sender, ["hi", CONSENT, *ELIGIBLE, "yes please", NAME, PHONE, WECHAT, EMAIL, TIME,
                                                          "yes"])
    assert any("reference code is" in t for t in texts)
    assert live_stack.store().get_lead(sender).contact.email == EMAIL  # the lead store has them (encrypted)

    tracker_db = _database_path(live_stack.settings.tracker_store_url)
    connection = sqlite3.connect(tracker_db)
    try:
        tables = [row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")]
        dump = []
        for table in tables:
            dump += [" ".join(map(str, row)) for row in connection.execute(f'select * from "{table}"')]
        data = [row[0] for row in connection.execute("select data from events where sender_id = ?", (sender,))]
    finally:
        connection.close()
    assert "events" in tables and len(data) > 50  # the whole conversation was stored
    assert all(value.startswith(ENCRYPTED_PREFIX) for value in data)
    text_dump = "\n".join(dump).lower()
    raw = b"".join(path.read_bytes() for path in tracker_db.parent.glob(tracker_db.name + "*")).lower()
    for secret in SECRETS:
        assert secret.lower() not in text_dump, f"{secret!r} in clear in the tracker store"
        assert secret.lower().encode() not in raw, f"{secret!r} in clear in the tracker database's files"

    var_dir = live_stack.settings.var_dir
    assert stat.S_IMODE(var_dir.stat().st_mode) & 0o077 == 0
    created = [path for path in var_dir.rglob("*")]
    names = {path.name for path in created}
    assert {"prescreen.db", "tracker.db", "rasa.log", "actions.log"} <= names, names
    for path in created:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path} is readable by other users"
