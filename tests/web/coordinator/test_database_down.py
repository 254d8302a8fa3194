"""The database goes away under a signed-in coordinator: every page says so plainly (503), never a bare 500."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.leads.database import Database
from bot.leads.store import ContactDetails, LeadStore
from tests.leads.test_store_down import closed_port_url
from tests.web.coordinator.seed import csrf_token, seed_lead

PAGES = ["/leads", "/leads?q=Li", "/leads/1", "/insights/agreement", "/insights/audit", "/insights/audit?lead=1"]
UNAVAILABLE = "The lead database cannot be read right now"


def assert_unavailable_page(response: object) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)  # type: ignore[attr-defined]
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert UNAVAILABLE in page and "Try again" in page
    assert "Traceback" not in page and "OperationalError" not in page
    assert response.headers["Cache-Control"] == "no-store"  # type: ignore[attr-defined]


@pytest.fixture
def lead_store_down(app: Flask, client: FlaskClient, store: LeadStore) -> FlaskClient:
    """Signed in with a lead to look at; then the lead store's database server stops answering."""
    seed_lead(store, "conv-li", ContactDetails("Li Wei", "+8613812345678"))
    real = app.extensions["coordinator"]
    unreachable = LeadStore(Database(closed_port_url()), real.store.cipher)
    app.extensions["coordinator"] = dataclasses.replace(real, store=unreachable)
    return client


@pytest.mark.parametrize("path", PAGES)
def test_pages_say_the_database_cannot_be_reached(lead_store_down: FlaskClient, path: str) -> None:
    assert_unavailable_page(lead_store_down.get(path))


@pytest.mark.parametrize(("path", "form"), [
    ("/leads/1/status", {"status": "contacted", "note": "called"}),
    ("/leads/1/criteria/age/override", {"verdict": "unknown", "reason": "checking"}),
    ("/leads/1/records", {}),
    ("/export/leads.csv", {}),
])
def test_forms_say_the_database_cannot_be_reached(lead_store_down: FlaskClient, path: str,
                                                  form: dict[str, str]) -> None:
    response = lead_store_down.post(path, data={"csrf_token": csrf_token(lead_store_down, "/login"), **form})
    assert_unavailable_page(response)


def test_sqlite_file_gone_every_page_is_a_503(app: Flask, client: FlaskClient, store: LeadStore,
                                              database_url: str) -> None:
    """The whole database (accounts too) cannot be opened: the signed-in session gets the same page."""
    if not database_url.startswith("sqlite"):
        pytest.skip("a file-based database made unreachable; the server case is covered above")
    seed_lead(store, "conv-li", ContactDetails("Li Wei"))
    path = Path(database_url.removeprefix("sqlite:///"))
    store.database.engine.dispose()
    app.extensions["coordinator"].store.database.engine.dispose()
    shutil.move(path, path.with_suffix(".moved"))
    path.mkdir()  # a directory where the database file was: SQLite cannot open it
    for page in PAGES:
        assert_unavailable_page(client.get(page))
