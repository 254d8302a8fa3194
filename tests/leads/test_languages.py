"""Issue 13 in the lead store: each screening's language and text versions, the WeChat ID as a contact
(encrypted, searchable, exported, rotated, purged and erased like the phone), and migration 0005 on
databases that already hold leads and accounts (SQLite, and PostgreSQL marked `postgres`)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text, update

from bot.leads.crypto import FieldCipher, new_key
from bot.leads.database import make_engine
from bot.leads.export import leads_as_csv, leads_as_json
from bot.leads.migrate import alembic_config, upgrade
from bot.leads.models import Contact, Screening
from bot.leads.retention import PurgeResult, purge, rotate_keys
from bot.leads.spool import Spool
from bot.leads.store import ContactDetails, LeadQuery, LeadStore
from bot.trial.criteria import load_criteria
from bot.trial.eligibility import evaluate
from tests.conftest import TEST_KEY

CRITERIA = load_criteria()
LOG = {"age": {"text": "我今年六十二岁", "value": "62", "how": "read age 62"}}
VERSIONS = {"en": "texts-en-1a2b3c4d", "zh": "texts-zh-5e6f7a8b", "consent": "consent-0123456789ab"}
WECHAT = "liwei_1962"


def screened(store: LeadStore, conversation_id: str, **stored: object) -> str:
    store.start_screening(conversation_id, "consent-test", CRITERIA.version)
    return store.complete_screening(conversation_id, evaluate(CRITERIA, {"age": 62}), LOG, **stored)  # type: ignore[arg-type]


def with_wechat(store: LeadStore, conversation_id: str) -> None:
    screened(store, conversation_id, language="zh", text_versions=VERSIONS)
    store.save_contact(conversation_id, ContactDetails("李伟", phone=None, wechat=WECHAT))


@pytest.mark.parametrize(
    ("stored", "language", "versions"),
    [
        ({"language": "zh", "text_versions": VERSIONS}, "zh", VERSIONS),
        ({"language": "en", "text_versions": {}}, "en", {}),
        ({}, "en", {}),  # an older caller: English, no versions
        ({"language": "fr"}, "en", {}),  # not a language of the study: never stored as such
    ],
)
def test_language_and_text_versions_are_stored_as_given(store: LeadStore, stored: dict, language: str,
                                                        versions: dict) -> None:
    screened(store, "conv-1", **stored)
    lead = store.get_lead("conv-1")
    assert (lead.language, lead.text_versions) == (language, versions)


def test_scoring_again_without_a_language_keeps_the_stored_one(store: LeadStore) -> None:
    """A correction after an early exit re-scores the screening without knowing the language."""
    screened(store, "conv-1", language="zh", text_versions=VERSIONS)
    store.complete_screening("conv-1", evaluate(CRITERIA, {"age": 63}), LOG)
    lead = store.get_lead("conv-1")
    assert (lead.language, lead.text_versions) == ("zh", VERSIONS)


def test_wechat_is_encrypted_and_found_by_search(store: LeadStore) -> None:
    with_wechat(store, "conv-wx")
    screened(store, "conv-other")
    assert store.get_lead("conv-wx").contact == ContactDetails("李伟", wechat=WECHAT)
    with store.database.session() as session:
        [row] = session.execute(select(Contact)).scalars().all()
        assert row.wechat_encrypted and WECHAT not in row.wechat_encrypted
    for typed in (WECHAT, "LiWei_1962", f"  {WECHAT} "):
        found = store.search_leads(LeadQuery(search=" ".join(typed.split())), 1, 25).leads
        assert [lead.conversation_id for lead in found] == ["conv-wx"], typed
    assert store.search_leads(LeadQuery(search="liwei_1963"), 1, 25).leads == []


def test_exports_carry_wechat_language_and_versions(store: LeadStore) -> None:
    with_wechat(store, "conv-wx")
    [record] = store.find_leads(LeadQuery())
    [row] = json.loads(leads_as_json([record]))
    assert (row["wechat"], row["language"], row["text_versions"]) == (WECHAT, "zh", VERSIONS)
    [columns] = csv.DictReader(io.StringIO(leads_as_csv([record])))
    assert (columns["wechat"], columns["language"]) == (WECHAT, "zh")
    assert json.loads(columns["text_versions"]) == VERSIONS


def test_key_rotation_rotates_the_wechat_id(store: LeadStore) -> None:
    with_wechat(store, "conv-wx")
    fresh = new_key()
    store.cipher = FieldCipher(fresh, old_keys=(TEST_KEY,))
    rotate_keys(store, store.cipher)
    store.cipher = FieldCipher(fresh)  # the old key retired: the WeChat ID still reads and is still found
    assert store.get_lead("conv-wx").contact.wechat == WECHAT  # type: ignore[union-attr]
    assert len(store.search_leads(LeadQuery(search=WECHAT), 1, 25).leads) == 1


def test_purge_and_erasure_remove_the_wechat_id(store: LeadStore, tmp_path: Path) -> None:
    with_wechat(store, "old")
    with_wechat(store, "withdrawn")
    with store.database.transaction() as session:
        session.execute(update(Screening).where(Screening.conversation_id == "old")
                        .values(started_at=datetime.now(timezone.utc) - timedelta(days=200)))
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    assert purge(store, 180, "cli:test", tracker_url) == PurgeResult(["old"], [])
    assert store.erase_conversation("withdrawn")
    with store.database.session() as session:
        assert session.execute(select(Contact.wechat_encrypted, Contact.wechat_index)).all() == []


def test_spooled_writes_keep_language_versions_and_wechat(store: LeadStore, tmp_path: Path) -> None:
    store.start_screening("conv-spooled", "consent-test", CRITERIA.version)
    spool = Spool(tmp_path / "spool", store.cipher)  # type: ignore[arg-type]
    spool.put("complete", {"conversation_id": "conv-spooled", "answers": {"age": 62}, "answer_log": LOG,
                           "reference_code": "PS-ABCDEF", "language": "zh", "text_versions": VERSIONS})
    spool.put("contact", {"conversation_id": "conv-spooled",
                          "contact": {"name": "李伟", "phone": None, "email": None, "preferred_time": None,
                                      "wechat": WECHAT}})
    assert spool.replay(store) == 2
    lead = store.get_lead("conv-spooled")
    assert (lead.language, lead.text_versions, lead.contact.wechat) == ("zh", VERSIONS, WECHAT)  # type: ignore[union-attr]


def test_migration_0005_keeps_existing_leads_and_accounts_english(database_url: str) -> None:
    """An existing database: 0004 with a lead (and its answer) and an account, then 0005 and back."""
    command.downgrade(alembic_config(database_url), "0004")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO screenings (id, conversation_id, started_at, consented_at, consent_version, "
                "criteria_version, review_status, updated_at) VALUES (1, 'old-conv', CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP, 'consent-old', 'v1', 'new', CURRENT_TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO answers (screening_id, check_id, patient_text, value, answered_at) "
                "VALUES (1, 'age', 'sixty', '60', CURRENT_TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO coordinators (username, password_hash, failed_logins, session_epoch, created_at, "
                "password_changed_at) VALUES ('alice', 'x', 0, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        upgrade(database_url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT language, text_versions FROM screenings")).all() == [("en", "{}")]
            assert connection.execute(text("SELECT language FROM coordinators")).scalars().all() == ["en"]
        command.downgrade(alembic_config(database_url), "0004")
        with engine.connect() as connection:  # going back keeps the lead and its answer
            assert connection.execute(text("SELECT count(*) FROM answers")).scalar_one() == 1
        upgrade(database_url)
    finally:
        engine.dispose()


def test_leads_show_prints_the_language_and_wechat(store: LeadStore, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main as cli

    with_wechat(store, "conv-wx")
    monkeypatch.setattr(cli, "open_store", lambda settings=None: store)
    assert cli.main(["leads", "show", "conv-wx"]) == 0
    out = capsys.readouterr().out
    assert "language zh" in out and f"WeChat {WECHAT}" in out
