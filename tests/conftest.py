"""Shared fixtures: settings for tests, a migrated lead database on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never read the developer's .env, and never reach the network.
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
TEST_KEY = "kW0w0u3Q4yq3vE3u8a2m8a2K9vXcY6q7pM5nB1tR0sQ="
os.environ["PRESCREEN_DATA_KEY"] = TEST_KEY

from bot.leads.crypto import FieldCipher  # noqa: E402
from bot.leads.database import Database  # noqa: E402
from bot.leads.migrate import upgrade  # noqa: E402
from bot.leads.store import LeadStore  # noqa: E402

pytest_plugins = ["tests.postgres"]
_db_names = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated lead database: SQLite in a temp file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'prescreen.db'}"
    else:
        from tests.postgres import create_database

        server = request.getfixturevalue("postgres_server")
        url = create_database(server, f"prescreen_test_{next(_db_names)}")
    upgrade(url)
    yield url


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(TEST_KEY)


@pytest.fixture
def store(database_url: str, cipher: FieldCipher) -> Iterator[LeadStore]:
    lead_store = LeadStore(Database(database_url), cipher)
    yield lead_store
    lead_store.database.engine.dispose()


# ---------------------------------------------------------------- the real servers, once per session


class LiveStack:
    """The product's servers on free loopback ports, with their own databases."""

    def __init__(self, stack, settings) -> None:  # type: ignore[no-untyped-def]
        self.stack = stack
        self.settings = settings
        self.rest_url = f"{settings.rasa_url}/webhooks/rest/webhook"
        self.chat_url = f"http://127.0.0.1:{settings.chat_port}"
        self.coordinator_url = f"http://127.0.0.1:{settings.coordinator_port}"

    def say(self, sender: str, message: str) -> list[dict]:
        import requests

        response = requests.post(self.rest_url, json={"sender": sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def store(self) -> LeadStore:
        return LeadStore(Database(self.settings.database_url), FieldCipher(self.settings.data_key))

    def stop_actions(self) -> None:
        self.stack.stop(["actions"])

    def start_actions(self) -> None:
        self.stack.start(["actions"])

    def stop_rasa(self) -> None:
        self.stack.stop(["rasa"])

    def start_rasa(self) -> None:
        self.stack.start(["rasa"])


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """Action server, Rasa, chat page and coordinator app, as `make run` starts them."""
    from bot.ops.run import Stack, prepare
    from tools.stack import throwaway_settings

    settings = throwaway_settings(tmp_path_factory.mktemp("live"), data_key=TEST_KEY, spool_replay_interval_s=2)
    prepare(settings)
    stack = Stack(settings)
    stack.start()
    try:
        yield LiveStack(stack, settings)
    finally:
        stack.stop()
