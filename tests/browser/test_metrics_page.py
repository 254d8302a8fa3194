"""The metrics page in headless Chromium: every chart image loads under the app's real Content-Security-Policy,
its own styles apply (the bars are drawn in colour, not in the black an SVG falls back to when its style
attributes are blocked), and nothing on the page is refused. A screenshot goes to reports/screenshots/."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.leads import lead_facts
from bot.leads.migrate import upgrade
from bot.leads.models import ContactAttempt, Screening, StatusChange
from bot.leads.store import ContactDetails, LeadStore
from bot.settings import get_settings
from bot.web.coordinator import create_app
from tests.browser.chat_page import AppServer
from tests.conftest import TEST_KEY
from tests.web.coordinator.seed import ELIGIBLE, PASSWORD, seed_lead

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"
CHARTS = 5
# How many pixels of a chart are in colour, not grey (drawn on a canvas from the loaded image).
COLOURED_PIXELS = """(img) => {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let coloured = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 100) coloured++;
  }
  return coloured;
}"""


@pytest.fixture(scope="module")
def metrics_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("metrics")
    url = f"sqlite:///{folder / 'prescreen.db'}"
    upgrade(url)
    settings = dataclasses.replace(get_settings(), database_url=url, tracker_store_url=f"sqlite:///{folder / 't.db'}",
                                   data_key=TEST_KEY, old_data_keys=(),
                                   coordinator_secret_key="browser-test-secret-key-0123456789abcdef")
    app = create_app(settings, url)
    app.config["LOGIN_FAILURE_DELAY"] = 0
    services = app.extensions["coordinator"]
    services.accounts.add("alice", PASSWORD, language="en")
    services.accounts.add("wang", PASSWORD, language="zh")
    store: LeadStore = services.store
    now = datetime.now(timezone.utc)
    for n in range(9):
        store.record_conversation_start()
        lead = seed_lead(store, f"conv-{n}", ContactDetails("Li Wei", "+8613812345678") if n % 3 else None,
                         {**ELIGIBLE, "lung_disease": "yes"} if n == 4 else ELIGIBLE,
                         completed_at=now - timedelta(days=4 * n, hours=3))
        with store.database.transaction() as session:
            if n in (1, 2, 4, 5):
                session.add(ContactAttempt(screening_id=lead, at=now - timedelta(days=4 * n) + timedelta(hours=n * 5),
                                           channel="phone", outcome="reached", actor="alice"))
                session.flush()
                lead_facts.refresh(session, [lead])  # as the store's log_contact_attempt keeps the first attempt
            statuses = {1: ["contacted", "confirmed", "visit_booked", "enrolled"], 2: ["contacted", "confirmed"],
                        4: ["contacted", "rejected"]}.get(n, [])
            for status in statuses:
                session.add(StatusChange(screening_id=lead, status=status, note="", actor="alice"))
            if statuses:
                session.execute(update(Screening).where(Screening.id == lead).values(
                    review_status=statuses[-1], screen_failure_reason="exclusion_met" if n == 4 else None,
                    failed_criteria="lung_disease" if n == 4 else ""))
                session.flush()
                lead_facts.refresh(session, [lead])  # as the store's set_review_status keeps the furthest step
    server = AppServer(app)
    yield server.url
    server.stop()
    store.database.engine.dispose()


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.mark.parametrize("username", ["alice", "wang"])
def test_chart_images_load_and_draw_in_colour_under_the_csp(page: Page, metrics_app: str, username: str) -> None:
    sign_in(page, metrics_app, username)
    page.goto(metrics_app + "/insights/metrics")
    images = page.locator("img[src*='/insights/metrics/']")
    expect(images).to_have_count(CHARTS)
    page.wait_for_load_state("load")
    for n in range(CHARTS):
        image = images.nth(n)
        image.scroll_into_view_if_needed()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0"), n
        assert image.get_attribute("alt")
        assert image.evaluate(COLOURED_PIXELS) > 50, f"chart {n} has no coloured bars: its styles were blocked"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"metrics-{username}.png"), full_page=True)


def test_a_chart_opened_on_its_own_keeps_its_policy(page: Page, metrics_app: str) -> None:
    sign_in(page, metrics_app, "alice")
    response = page.goto(metrics_app + "/insights/metrics/funnel.svg")
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert page.locator("svg text", has_text="Conversations started").count() == 1
