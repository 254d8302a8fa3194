"""Fixtures for the coordinator app: the app on the `database_url` databases, an account, a signed-in client."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from bot.leads.accounts import Accounts
from bot.leads.store import LeadStore
from bot.settings import Settings, get_settings
from bot.web.coordinator import create_app
from bot.web.coordinator.core import Services
from tests.conftest import TEST_KEY
from tests.web.coordinator.seed import PASSWORD, sign_in

SECRET = "test-secret-key-for-the-coordinator-app-0123456789"
# Cheap argon2 parameters keep the suite fast; test_default_password_hashes_are_argon2id checks
# the parameters the app really uses.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # Never the developer's var/tracker.db: on PostgreSQL the tracker's `events` table sits in the
    # throwaway lead database (as it may in production), on SQLite in a file of its own.
    tracker = database_url if database_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'tracker.db'}"
    return dataclasses.replace(
        get_settings(), database_url=database_url, tracker_store_url=tracker, data_key=TEST_KEY, old_data_keys=(),
        coordinator_secret_key=SECRET,
    )


@pytest.fixture
def app(settings: Settings, database_url: str) -> Iterator[Flask]:
    application = create_app(settings, database_url)
    application.config.update(TESTING=True, LOGIN_FAILURE_DELAY=0)
    real = services(application)
    application.extensions["coordinator"] = dataclasses.replace(
        real, accounts=Accounts(real.store.database, hasher=FAST_HASHER,
                                default_language=real.accounts.default_language)
    )
    yield application
    services(application).store.database.engine.dispose()


def services(app: Flask) -> Services:
    return app.extensions["coordinator"]  # type: ignore[no-any-return]


@pytest.fixture
def app_store(app: Flask) -> LeadStore:
    """The app's own lead store (same database as the `store` fixture)."""
    return services(app).store


@pytest.fixture
def alice(app: Flask) -> str:
    """An account that reads the app in English (new accounts default to Chinese; test_chinese.py has those)."""
    services(app).accounts.add("alice", PASSWORD, language="en")
    return "alice"


@pytest.fixture
def client(app: Flask, alice: str) -> FlaskClient:
    """A client signed in as alice."""
    test_client = app.test_client()
    response = sign_in(test_client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return test_client


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    return app.test_client()
