"""Migration 0002 on SQLite and PostgreSQL: the schema matches the models, the audit log is append-only."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.leads.database import make_engine
from bot.leads.migrate import alembic_config, upgrade
from bot.leads.models import Base
from bot.leads.store import LeadStore
from tests.postgres import create_database
from tools.stack import PostgresServer


def test_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"])
def test_audit_log_rejects_update_and_delete(store: LeadStore, statement: str) -> None:
    store.audit("coordinator:alice", "view_lead", 1, "detail page")
    with pytest.raises(DBAPIError, match="append-only"):
        with store.database.engine.begin() as connection:
            connection.execute(text(statement))
    with store.database.engine.connect() as connection:
        assert connection.execute(text("SELECT actor FROM audit_log")).scalars().all() == ["coordinator:alice"]


@pytest.mark.postgres
def test_audit_log_rejects_truncate_on_postgresql(postgres_server: PostgresServer) -> None:
    url = create_database(postgres_server, "prescreen_test_truncate")
    upgrade(url)
    engine = make_engine(url)
    try:
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text("TRUNCATE audit_log"))
    finally:
        engine.dispose()


def test_downgrade_and_upgrade_again(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0001")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:  # the trigger went with the downgrade
            connection.execute(text("INSERT INTO audit_log (at, actor, action, detail) "
                                    "VALUES (CURRENT_TIMESTAMP, 'a', 'b', '')"))
            connection.execute(text("DELETE FROM audit_log"))
    finally:
        engine.dispose()
    upgrade(database_url)
