"""The README's upgrade and roll-back steps, run as written with the `prescreen` command (on .venv-web),
from the previous schema with leads in it, on SQLite and PostgreSQL.

    prescreen backup  ->  prescreen db upgrade (once, before the new version starts)  ->  new version
    roll back: prescreen db downgrade PREVIOUS --yes, or restore the pre-upgrade backup into an empty database
"""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.leads.crypto import FieldCipher
from bot.leads.database import Database, make_engine
from bot.leads.migrate import alembic_config, schema_revisions, upgrade
from bot.leads.models import Base
from bot.leads.store import LeadStore
from bot.ops.run import WEB_VENV_PYTHON
from tests.conftest import TEST_KEY
from tests.notify.conftest import CONTACT
from tests.web.coordinator.seed import seed_lead

ROOT = Path(__file__).resolve().parents[2]
_names = itertools.count()


def previous_revision(url: str) -> str:
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_revision(script.get_current_head())
    assert isinstance(head.down_revision, str), "the newest migration has one parent"
    return head.down_revision


def matches_the_models(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_upgrade_and_both_roll_backs_as_the_readme_says(kind: str, tmp_path: Path,
                                                        request: pytest.FixtureRequest) -> None:
    def fresh(name: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'{name}.db'}"
        from tests.postgres import create_database

        return create_database(request.getfixturevalue("postgres_server"), f"upgrade_{name}_{next(_names)}")

    database_url, tracker_url = fresh("leads"), fresh("tracker")
    # A site on the previous version: its schema, with leads in it.
    upgrade(database_url)
    store = LeadStore(Database(database_url), FieldCipher(TEST_KEY))
    lead_id = seed_lead(store, "conv-upgrade-1", CONTACT)
    store.database.engine.dispose()
    previous = previous_revision(database_url)
    command.downgrade(alembic_config(database_url), previous)
    assert schema_revisions(database_url)[0] == previous

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(DATABASE_URL=database_url, TRACKER_STORE_URL=tracker_url, PRESCREEN_DATA_KEY=TEST_KEY,
               PRESCREEN_VAR_DIR=str(tmp_path), PRESCREEN_BACKUP_DIR=str(tmp_path / "backups"),
               COORDINATOR_SECRET_KEY="upgrade-test-secret-key-0123456789abcdef")

    def prescreen(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(WEB_VENV_PYTHON.with_name("prescreen")), *args], cwd=ROOT, env={**env, **extra},
                              capture_output=True, text=True, timeout=180)

    # The new version will not serve an old schema, and says what to run.
    behind = prescreen("db", "current")
    assert behind.returncode == 1 and "prescreen db upgrade" in behind.stdout
    # 1. Back up. 2. Migrate, once. 3. Start the new version.
    if kind == "sqlite":
        (tmp_path / "tracker.db").touch()  # Rasa made it on the old version (on PostgreSQL: the database)
    assert prescreen("backup").returncode == 0
    [backup] = (tmp_path / "backups").glob("*.backup")
    assert prescreen("db", "upgrade").returncode == 0
    assert prescreen("db", "upgrade").returncode == 0  # a second run changes nothing
    assert prescreen("db", "current").returncode == 0 and matches_the_models(database_url)
    listed = prescreen("leads", "list")
    assert listed.returncode == 0 and listed.stdout.count("PS-") == 1

    # Roll back, way 1: the schema back to the previous revision, the data kept.
    assert prescreen("db", "downgrade", previous).returncode == 2  # asks for --yes
    assert prescreen("db", "downgrade", previous, "--yes").returncode == 0
    assert schema_revisions(database_url)[0] == previous
    upgrade(database_url)
    assert LeadStore(Database(database_url), FieldCipher(TEST_KEY)).get_lead(lead_id).contact == CONTACT

    # Roll back, way 2: the pre-upgrade backup into empty databases gives the previous schema and its leads.
    target = {"DATABASE_URL": fresh("restored_leads"), "TRACKER_STORE_URL": fresh("restored_tracker")}
    restored = subprocess.run(
        [str(WEB_VENV_PYTHON.with_name("python")), "-c",
         "import sys; from pathlib import Path; from bot.leads.backup import restore_backup; "
         "restore_backup(Path(sys.argv[1]), sys.argv[2], sys.argv[3], (sys.argv[4],))",
         str(backup), target["DATABASE_URL"], target["TRACKER_STORE_URL"], TEST_KEY],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert restored.returncode == 0, restored.stderr
    assert schema_revisions(target["DATABASE_URL"])[0] == previous  # as the old version left it
