"""Schema migrations (Alembic), the same for SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from bot.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the lead database's schema up to date."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Take the schema back to `revision` (a roll-back to the version that needs it)."""
    command.downgrade(alembic_config(database_url), revision)


def schema_revisions(database_url: str) -> tuple[str | None, str]:
    """(the database's revision, None when empty; this code's newest revision)."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.leads.database import make_engine

    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head() or ""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision(), head
    finally:
        engine.dispose()
