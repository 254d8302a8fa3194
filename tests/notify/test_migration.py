"""Migration 0003: from 0002 (with a lead in it) up to the notification tables, and back, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.leads.database import make_engine
from bot.leads.migrate import alembic_config, upgrade
from bot.leads.models import Base
from bot.leads.store import LeadStore
from tests.notify.conftest import seed_contact_lead

NEW_TABLES = {"notifications", "notification_attempts"}


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_0002_keeps_leads_and_matches_the_models(store: LeadStore, database_url: str) -> None:
    lead_id = seed_contact_lead(store)
    store.database.engine.dispose()
    command.downgrade(alembic_config(database_url), "0002")
    assert not NEW_TABLES & tables(database_url)

    upgrade(database_url)
    assert NEW_TABLES <= tables(database_url)
    assert store.get_lead(lead_id).contact is not None
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()
