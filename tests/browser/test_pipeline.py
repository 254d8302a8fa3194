"""The pipeline in headless Chromium: the list puts an overdue lead first with its Overdue mark; a
coordinator opens it, logs a contact attempt, sets a call-back, and the mark is gone from the list."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from bot.leads.migrate import upgrade
from bot.leads.store import ContactDetails, LeadStore
from bot.settings import get_settings
from bot.web.coordinator import create_app
from tests.browser.chat_page import AppServer
from tests.browser.test_coordinator_app import sign_in
from tests.conftest import TEST_KEY
from tests.web.coordinator.seed import PASSWORD, seed_lead

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pipeline_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, LeadStore]]:
    folder = tmp_path_factory.mktemp("pipeline")
    url = f"sqlite:///{folder / 'prescreen.db'}"
    upgrade(url)
    settings = dataclasses.replace(get_settings(), database_url=url, tracker_store_url=f"sqlite:///{folder / 't.db'}",
                                   data_key=TEST_KEY, old_data_keys=(),
                                   coordinator_secret_key="browser-test-secret-key-0123456789abcdef",
                                   contact_deadline_hours=24)
    app = create_app(settings, url)
    app.config["LOGIN_FAILURE_DELAY"] = 0
    services = app.extensions["coordinator"]
    services.accounts.add("alice", PASSWORD, language="en")
    store: LeadStore = services.store
    now = datetime.now(timezone.utc)
    seed_lead(store, "conv-fresh", ContactDetails("Fresh Patient", "+8613800000001"),
              completed_at=now - timedelta(hours=2))
    seed_lead(store, "conv-late", ContactDetails("Late Patient", "+8613800000002"),
              completed_at=now - timedelta(hours=30, minutes=30))
    server = AppServer(app)
    yield server.url, store
    server.stop()
    store.database.engine.dispose()


def test_log_an_attempt_and_the_overdue_mark_goes(page: Page, pipeline_app: tuple[str, LeadStore]) -> None:
    base, store = pipeline_app
    sign_in(page, base)
    rows = page.locator("table.leads-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Late Patient")  # needs action first
    mark = rows.first.locator(".badge-overdue")
    expect(mark).to_have_text("Overdue 6 h")
    assert (mark.get_attribute("title") or "").startswith("Not contacted within the deadline")
    expect(rows.nth(1).locator(".badge-overdue")).to_have_count(0)
    expect(rows.nth(1)).to_contain_text("Contact by")

    rows.first.get_by_role("link", name="Late Patient").click()
    expect(page.locator(".pipeline-bar")).to_contain_text("Overdue since")
    card = page.locator("#contact-attempts")
    card.get_by_label("Channel").select_option("wechat")
    card.get_by_label("Outcome").select_option("left_message")
    card.get_by_label("Short note").fill("Sent the study leaflet")
    card.get_by_role("button", name="Log attempt").click()
    expect(page.locator(".flash-success")).to_contain_text("Contact attempt logged (WeChat, Left a message)")
    expect(page.locator(".attempt-log")).to_contain_text("Sent the study leaflet")
    expect(page.locator(".pipeline-bar")).not_to_contain_text("Overdue")

    tomorrow = (datetime.now(timezone(timedelta(hours=8))) + timedelta(days=1)).strftime("%Y-%m-%dT09:00")
    card = page.locator("#contact-attempts")
    card.get_by_label("Call back at").fill(tomorrow)
    card.get_by_role("button", name="Set call-back").click()
    expect(page.locator(".flash-success")).to_contain_text("Call-back set for")
    expect(page.locator(".pipeline-bar")).to_contain_text("Call back:")

    page.get_by_role("link", name="Leads", exact=True).click()
    rows = page.locator("table.leads-table tbody tr")
    expect(page.locator(".badge-overdue")).to_have_count(0)
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Late Patient")).to_contain_text("Call back")
    expect(rows.filter(has_text="Late Patient")).to_contain_text("1 attempt")
    lead = store.get_lead("conv-late")
    assert [(a["channel"], a["outcome"]) for a in lead.contact_attempts] == [("wechat", "left_message")]
    assert lead.callback_at is not None
