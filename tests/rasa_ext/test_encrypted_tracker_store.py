"""Transcripts encrypted at rest: the project's tracker store against Rasa's own SQLTrackerStore.

The same events come back; no name, number, e-mail or answer is stored in clear in any column;
rows written before encryption are still read; key rotation re-encrypts (and encrypts old plain
rows); erasure still finds the events; the NLU review export reads them. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.leads.crypto import FieldCipher, MissingKeyError, new_key
from bot.leads.erasure import erase_tracker_events
from bot.leads.transcripts import ENCRYPTED_PREFIX, rotate_transcripts
from bot.rasa_ext.tracker_store import ErasableSQLTrackerStore
from tests.conftest import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
NAME, PHONE, EMAIL = "Zhang Xiaoming", "+86 138-1234-5678", "zhang.xiaoming@example.com"
SECRETS = [NAME, "Zhang", "Xiaoming", PHONE, "13812345678", "8613812345678", EMAIL, "zhang.xiaoming",
           "I had a stroke last year"]
_names = itertools.count()


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def conversation(start: float = 1_000.0) -> list[Event]:
    """A screening's contact form, with the personal data a patient types."""
    clock = itertools.count(start)
    said = [("hi", "greet"), ("I had a stroke last year", "inform"), (NAME, "inform"),
            (PHONE, "inform"), (EMAIL, "inform")]
    events: list[Event] = [SessionStarted(timestamp=next(clock)),
                           ActionExecuted("action_listen", timestamp=next(clock))]
    for text, intent in said:
        events += [UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=next(clock),
                               parse_data={"intent": {"name": intent, "confidence": 0.9}, "text": text,
                                           "entities": []}),
                   ActionExecuted("contact_form", timestamp=next(clock)),
                   ActiveLoop("contact_form", timestamp=next(clock))]
    events += [SlotSet("contact_name", NAME, timestamp=next(clock)),
               SlotSet("contact_phone", PHONE, timestamp=next(clock)),
               SlotSet("contact_email", EMAIL, timestamp=next(clock)),
               ActionExecuted("action_listen", timestamp=next(clock))]
    return events


def save(store: SQLTrackerStore, sender_id: str, events: list[Event], domain: Domain) -> None:
    run(store.save(DialogueStateTracker.from_events(sender_id, events, domain.slots)))


def dicts(tracker: DialogueStateTracker | None) -> list[dict[str, Any]]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]


def raw_rows(url: str) -> list[tuple[Any, ...]]:
    """Every column of every stored event, read with plain SQL (no decryption)."""
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sqlalchemy.text(
            "select id, sender_id, type_name, timestamp, intent_name, action_name, data from events order by id"))]
    engine.dispose()
    return rows


def assert_nothing_in_clear(url: str) -> None:
    rows = raw_rows(url)
    assert rows
    for row in rows:
        assert str(row[-1]).startswith(ENCRYPTED_PREFIX)
        for secret in SECRETS:
            assert all(secret.lower() not in str(value).lower() for value in row), (secret, row)


def test_the_same_events_come_back_and_nothing_is_stored_in_clear(tracker_url: str, domain: Domain,
                                                                     tmp_path: Path) -> None:
    store = ErasableSQLTrackerStore(domain=domain, host=tracker_url)
    rasa_store = SQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'rasa.db'}")
    for target in (store, rasa_store):
        save(target, "p1", conversation(), domain)
    ours, rasas = run(store.retrieve("p1")), run(rasa_store.retrieve("p1"))
    assert dicts(ours) == dicts(rasas) and ours.current_state() == rasas.current_state()
    assert dicts(run(store.retrieve_full_tracker("p1"))) == dicts(run(rasa_store.retrieve_full_tracker("p1")))
    # The other columns are Rasa's own, in clear (no free text in them); only `data` differs.
    assert [row[1:-1] for row in raw_rows(tracker_url)] == [row[1:-1] for row in raw_rows(str(rasa_store.engine.url))]
    assert_nothing_in_clear(tracker_url)
    assert any(PHONE in str(row[-1]) for row in raw_rows(str(rasa_store.engine.url)))  # Rasa's own: in clear
    # A restarted server (a new store, a new engine) continues the conversation.
    restarted = ErasableSQLTrackerStore(domain=domain, host=tracker_url)
    tracker = run(restarted.retrieve("p1"))
    tracker.update(UserUttered("mornings please", {"name": "inform", "confidence": 0.9}, timestamp=5_000.0))
    run(restarted.save(tracker))
    assert dicts(run(store.retrieve("p1")))[-1]["text"] == "mornings please"
    assert len(raw_rows(tracker_url)) == len(conversation()) + 1


def test_sqlite_files_are_owner_only_from_the_first_byte(domain: Domain, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    old_umask = os.umask(0o022)  # a typical login umask: files 0644 unless created otherwise
    try:
        store = ErasableSQLTrackerStore(domain=domain, host=url)
        save(store, "p1", conversation(), domain)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
    for path in (tmp_path / "var").iterdir():  # the database and SQLite's -wal/-shm files
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_plaintext_rows_of_an_existing_install_are_read_and_encrypted_by_rotation(tracker_url: str,
                                                                                   domain: Domain) -> None:
    if tracker_url.startswith("sqlite:///"):
        Path(tracker_url.removeprefix("sqlite:///")).parent.mkdir(exist_ok=True)
    plain_store = SQLTrackerStore(domain=domain, host=tracker_url)  # before this change: Rasa's store
    save(plain_store, "old", conversation(), domain)
    plain_store.engine.dispose()
    store = ErasableSQLTrackerStore(domain=domain, host=tracker_url)
    old = run(store.retrieve("old"))
    assert dicts(old) == [event.as_dict() for event in DialogueStateTracker.from_events(
        "old", conversation(), domain.slots).events]
    old.update(UserUttered("new words", {"name": "inform", "confidence": 0.9}, timestamp=9_000.0))
    run(store.save(old))  # a mixed conversation: plain rows, then encrypted ones
    mixed = dicts(run(store.retrieve("old")))
    assert mixed[-1]["text"] == "new words"
    assert sum(str(row[-1]).startswith(ENCRYPTED_PREFIX) for row in raw_rows(tracker_url)) == 1
    assert rotate_transcripts(tracker_url, store.cipher) == len(conversation()) + 1
    assert_nothing_in_clear(tracker_url)
    assert dicts(run(ErasableSQLTrackerStore(domain=domain, host=tracker_url).retrieve("old"))) == mixed


def test_rotation_re_encrypts_under_the_new_key(tracker_url: str, domain: Domain) -> None:
    save(ErasableSQLTrackerStore(domain=domain, host=tracker_url), "p1", conversation(), domain)
    fresh = new_key()
    during = FieldCipher(fresh, old_keys=(TEST_KEY,))  # the new key, the old one still accepted
    expected = dicts(run(ErasableSQLTrackerStore(domain=domain, host=tracker_url, cipher=during).retrieve("p1")))
    before = raw_rows(tracker_url)
    assert rotate_transcripts(tracker_url, during) == len(before)
    after = raw_rows(tracker_url)
    assert all(a[-1] != b[-1] for a, b in zip(after, before, strict=True))
    retired = ErasableSQLTrackerStore(domain=domain, host=tracker_url, cipher=FieldCipher(fresh))
    assert dicts(run(retired.retrieve("p1"))) == expected
    with pytest.raises(MissingKeyError):  # the old key alone no longer reads them
        run(ErasableSQLTrackerStore(domain=domain, host=tracker_url, cipher=FieldCipher(TEST_KEY)).retrieve("p1"))
    assert_nothing_in_clear(tracker_url)


def test_erasure_still_removes_encrypted_conversations(tracker_url: str, domain: Domain) -> None:
    store = ErasableSQLTrackerStore(domain=domain, host=tracker_url)
    for sender in ("erase-me", "keep-me", "withdraws"):
        save(store, sender, conversation(), domain)
    assert erase_tracker_events(tracker_url, "erase-me") == len(conversation())
    assert run(store.retrieve("erase-me")) is None
    tracker = run(store.retrieve("withdraws"))
    tracker.update(SlotSet("erase_conversation", True))
    run(store.save(tracker))  # the in-chat withdrawal
    assert {row[1] for row in raw_rows(tracker_url)} == {"keep-me"}
    assert dicts(run(store.retrieve("keep-me")))[-2]["value"] == EMAIL


def test_nlu_review_reads_encrypted_transcripts(domain: Domain, tmp_path: Path) -> None:
    from bot.leads.database import Database
    from bot.leads.migrate import upgrade
    from bot.leads.store import LeadStore
    from bot.nlu.review import ReviewError, messages_to_review

    lead_url, tracker_url = f"sqlite:///{tmp_path / 'prescreen.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    upgrade(lead_url)
    leads = LeadStore(Database(lead_url))
    leads.start_screening("p1", consent_version="test", criteria_version="test")
    leads.database.engine.dispose()
    store = ErasableSQLTrackerStore(domain=domain, host=tracker_url)
    save(store, "p1", [UserUttered("I reckon I had it once", {"name": "affirm", "confidence": 0.41},
                                   parse_data={"intent": {"name": "affirm", "confidence": 0.41}})], domain)
    found = messages_to_review(tracker_url, lead_url, 0.6, cipher=store.cipher)
    assert [m.text for m in found] == ["I reckon I had it once"]
    with pytest.raises(ReviewError, match="PRESCREEN_DATA_KEY"):
        messages_to_review(tracker_url, lead_url, 0.6)


@pytest.fixture
def speedups(stock_rasa: None) -> None:
    """The tracker store patches (SQLite connections, lean loading, verified cache) for one test."""
    from bot.rasa_ext.patches import lean_tracker_loading, sqlite_tracker_connections, tracker_cache

    assert sqlite_tracker_connections.apply()
    assert lean_tracker_loading.apply()
    assert tracker_cache.apply(max_entries=4)


def test_speedups_read_and_write_encrypted_events(tracker_url: str, domain: Domain, speedups: None) -> None:
    store = ErasableSQLTrackerStore(domain=domain, host=tracker_url)
    events = conversation()
    tracker = run(store.get_or_create_tracker("p1"))
    for start in range(0, len(events), 4):  # turn by turn, as Rasa saves them
        tracker = run(store.retrieve("p1")) or tracker
        for event in events[start:start + 4]:
            tracker.update(event)
        run(store.save(tracker))
    assert_nothing_in_clear(tracker_url)
    fresh = ErasableSQLTrackerStore(domain=domain, host=tracker_url)  # no cache: read and decrypted
    assert dicts(run(fresh.retrieve("p1"))) == dicts(tracker)


def test_keys_rotate_command_re_encrypts_contacts_and_transcripts(
    tracker_url: str, domain: Domain, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str]
) -> None:
    import dataclasses

    from bot.cli import main as cli
    from bot.leads.database import Database
    from bot.leads.migrate import upgrade
    from bot.leads.store import LeadStore
    from bot.settings import load_settings

    save(ErasableSQLTrackerStore(domain=domain, host=tracker_url), "p1", conversation(), domain)
    lead_url = f"sqlite:///{tmp_path / 'prescreen.db'}"
    upgrade(lead_url)
    fresh = new_key()
    store = LeadStore(Database(lead_url), FieldCipher(fresh, old_keys=(TEST_KEY,)))
    settings = dataclasses.replace(load_settings(), tracker_store_url=tracker_url, database_url=lead_url,
                                   data_key=fresh, old_data_keys=(TEST_KEY,))
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    assert cli.main(["keys", "rotate"]) == 0
    assert f"Re-encrypted {len(conversation())} conversation events" in capsys.readouterr().out
    retired = ErasableSQLTrackerStore(domain=domain, host=tracker_url, cipher=FieldCipher(fresh))
    assert dicts(run(retired.retrieve("p1")))[-2]["value"] == EMAIL  # readable with the new key alone
    store.database.engine.dispose()
