"""One way to open the lead store and the spool (bot/leads/factory.py), one behaviour without a key."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from bot.leads.crypto import MissingKeyError
from bot.leads.factory import open_lead_store, open_spool
from bot.leads.records import ContactDetails
from bot.leads.store import StoreError
from bot.settings import Settings, get_settings
from tests.conftest import TEST_KEY
from tests.leads.test_store import complete


def settings_for(database_url: str, tmp_path: Path, key: str) -> Settings:
    return dataclasses.replace(get_settings(), database_url=database_url, data_key=key, old_data_keys=(),
                               var_dir=tmp_path)


def test_with_a_key_the_store_reads_and_writes_contact_details(database_url: str, tmp_path: Path) -> None:
    store = open_lead_store(settings_for(database_url, tmp_path, TEST_KEY))
    complete(store, "conv-f1")
    store.save_contact("conv-f1", ContactDetails("Li Wei", "+8613812345678"))
    assert store.get_lead("conv-f1").contact == ContactDetails("Li Wei", "+8613812345678")
    spool = open_spool(settings_for(database_url, tmp_path, TEST_KEY), store, replay=False)
    assert spool is not None and spool.directory == tmp_path / "spool"
    store.database.engine.dispose()


@pytest.mark.parametrize("key", ["", "not-a-fernet-key"])
def test_a_required_key_that_is_missing_or_wrong_stops_with_the_reason(database_url: str, tmp_path: Path,
                                                                       key: str) -> None:
    with pytest.raises(MissingKeyError, match="PRESCREEN_DATA_KEY|valid Fernet key"):
        open_lead_store(settings_for(database_url, tmp_path, key), require_key=True)


def test_without_a_required_key_answers_are_stored_and_contact_details_refused(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(database_url, tmp_path, "")
    with caplog.at_level(logging.WARNING, logger="bot.leads.factory"):
        store = open_lead_store(settings, require_key=False)
    assert store.cipher is None
    assert "PRESCREEN_DATA_KEY is not set" in caplog.text  # the same message as when the key is required
    complete(store, "conv-f2")
    assert store.get_lead("conv-f2").contact is None
    with pytest.raises(StoreError, match="no data key configured"):
        store.save_contact("conv-f2", ContactDetails("Li Wei"))
    assert open_spool(settings, store) is None  # the spool is encrypted: none without a key
    store.database.engine.dispose()


def test_every_caller_opens_the_store_through_the_factory() -> None:
    """The actions, the CLI and the coordinator app build no Database or FieldCipher of their own."""
    root = Path(__file__).resolve().parents[2]
    for path in ("actions/services.py", "bot/cli/main.py", "bot/cli/common.py", "bot/web/coordinator/app.py"):
        source = (root / path).read_text(encoding="utf-8")
        assert "FieldCipher(" not in source and "LeadStore(" not in source, path
