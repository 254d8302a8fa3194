"""The coordinator app in headless Chromium (Debian's `chromium`, driven by Playwright).

The app is served by werkzeug in a thread on a free loopback port (AppServer), on a SQLite
database seeded through the LeadStore API. A coordinator signs in, finds a lead by searching,
opens it, overrides a criterion, confirms the lead, exports CSV and signs out; another finds a
lead by the reference code a patient gives on the phone and erases it. Screenshots of the list and
detail pages go to reports/screenshots/.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.leads.migrate import upgrade
from bot.leads.store import ContactDetails, LeadNotFound, LeadStore
from bot.settings import get_settings
from bot.web.coordinator import create_app
from tests.browser.chat_page import AppServer
from tests.conftest import TEST_KEY
from tests.web.coordinator.seed import ELIGIBLE, PASSWORD, XSS_NAME, seed_lead, tracker_senders

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "reports" / "screenshots"
PEOPLE = [
    ("Li Wei", "+8613812345678", "li.wei@example.com", "weekday mornings", {}),
    ("Wang Fang", "+8613900001111", None, "after 6pm", {"ctdna_positive": "unsure", "cea_expression": "unsure"}),
    ("Zhang Min", "+8613700002222", "zhang.min@example.com", None, {"other_cancer": "yes"}),
    ("Liu Yang", "+8613600003333", None, "any time", {}),
    (XSS_NAME, "+8613500004444", None, None, {"cea_expression": "unsure"}),
    ("Chen Jing", "+8613400005555", "chen.jing@example.com", "lunchtime", {"lung_disease": "yes"}),
    ("Huang Xiuying", "+8613300006666", None, "weekends", {}),
    ("Zhou Qiang", "+8613200007777", "zhou@example.com", None, {"residual_disease": "unsure"}),
]


@pytest.fixture(scope="module")
def tracker_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The app's tracker store (never the developer's var/tracker.db), with a Rasa-like `events` table."""
    url = f"sqlite:///{tmp_path_factory.mktemp('tracker') / 'tracker.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("create table events (id integer primary key, sender_id text, data text)"))
        connection.execute(text("insert into events (sender_id, data) values "
                                "('conv-7', '{}'), ('conv-7', '{}'), ('conv-0', '{}')"))
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def coordinator_app(tmp_path_factory: pytest.TempPathFactory, tracker_url: str) -> Iterator[tuple[str, LeadStore]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('coordinator') / 'prescreen.db'}"
    upgrade(url)
    settings = dataclasses.replace(get_settings(), database_url=url, tracker_store_url=tracker_url, data_key=TEST_KEY,
                                   old_data_keys=(), coordinator_secret_key="browser-test-secret-key-0123456789abcdef")
    app = create_app(settings, url)
    app.config["LOGIN_FAILURE_DELAY"] = 0
    services = app.extensions["coordinator"]
    services.accounts.add("alice", PASSWORD, language="en")  # the assertions read the English app
    store: LeadStore = services.store
    now = datetime.now(timezone.utc)
    for n, (name, phone, email, when, answers) in enumerate(PEOPLE):
        for _ in range(3):
            store.record_conversation_start()
        lead = seed_lead(store, f"conv-{n}", ContactDetails(name, phone, email, when), {**ELIGIBLE, **answers},
                         completed_at=now - timedelta(hours=9 * n + 1))
        if n in (3, 6):
            store.set_review_status(lead, "contacted", "Called; pathology report requested", "alice")
    server = AppServer(app)
    yield server.url, store
    server.stop()
    store.database.engine.dispose()


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()


def test_review_a_lead_from_search_to_export(page: Page, coordinator_app: tuple[str, LeadStore]) -> None:
    base, store = coordinator_app
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, base)
    # The patient's name is shown as text, never as markup.
    expect(page.get_by_role("link", name=XSS_NAME)).to_be_visible()
    assert page.locator("img").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "coordinator-list.png"), full_page=True)

    page.get_by_label("Search").fill("139 0000 1111")  # Wang Fang's phone, typed differently
    page.get_by_role("button", name="Apply").click()
    rows = page.locator("table.leads-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Wang Fang")
    rows.first.get_by_role("link", name="Wang Fang").click()

    expect(page.get_by_role("heading", name="Wang Fang")).to_be_visible()
    criterion = page.locator("#criterion-ctdna_positive")
    expect(criterion).to_contain_text("I'm not sure")
    expect(criterion).to_contain_text("Patients with ctDNA MRD still positive")
    criterion.get_by_text("Override verdict").click()
    criterion.get_by_label("Your verdict").select_option("meets")
    criterion.get_by_label("Reason").fill("Lab report 2026-11-02: ctDNA positive after adjuvant chemotherapy")
    criterion.get_by_role("button", name="Save override").click()
    expect(page.locator(".flash-success")).to_contain_text("set to “Meets”")
    criterion = page.locator("#criterion-ctdna_positive")
    expect(criterion).to_contain_text("Overridden by alice")
    expect(criterion.locator(".verdict-now")).to_contain_text("Meets")

    records = page.locator("#records")
    item = "CEA IHC > 50% in primary tumour and liver metastasis tissue"
    records.get_by_role("textbox", name=item, exact=True).fill("80% (path 2026-10-02)")
    records.get_by_role("checkbox", name=f"Checked: {item}").check()
    records.get_by_role("button", name="Save checklist").click()
    expect(page.locator(".flash-success")).to_contain_text("1 item updated")

    decision = page.locator("#decision")
    decision.get_by_label("Confirmed eligible").check()
    decision.get_by_role("textbox", name=re.compile("Note")).fill("Spoke to patient; records confirm eligibility")
    decision.get_by_role("button", name="Save decision").click()
    expect(page.locator(".flash-success")).to_contain_text("Confirmed eligible")
    expect(page.locator(".head-badges")).to_contain_text("Confirmed eligible")
    page.screenshot(path=str(SCREENSHOTS / "coordinator-detail.png"), full_page=True)
    lead = store.get_lead("conv-1")
    assert lead.review_status == "confirmed"
    assert store.criterion_overrides(lead.id)[-1]["verdict"] == "meets"

    page.get_by_role("link", name="Agreement").click()
    expect(page.locator("table.agreement-table")).to_contain_text("ctDNA (MRD) blood test positive")

    page.get_by_role("link", name="Leads", exact=True).click()
    page.get_by_label("Review status").select_option("confirmed")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("table.leads-table tbody tr")).to_have_count(1)
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile("Export CSV")).click()
    download = download_info.value
    assert re.fullmatch(r"prescreen-leads-\d{8}-\d{4}\.csv", download.suggested_filename)
    rows_out = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert [(r["name"], r["review_status"]) for r in rows_out] == [("Wang Fang", "confirmed")]

    actions = [entry["action"] for entry in store.audit_entries(lead.id)]
    assert {"view_lead", "override", "record_checks", "set_status"} <= set(actions)
    assert any(entry["action"] == "export" and entry["actor"] == "alice" for entry in store.audit_entries())

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Prescreen coordinator")).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("You are signed out")
    page.goto(base + f"/leads/{lead.id}")
    assert page.url.startswith(base + "/login")
    expect(page.get_by_text("Wang Fang")).to_have_count(0)


def test_pages_without_signing_in_go_to_the_sign_in_page(page: Page, coordinator_app: tuple[str, LeadStore]) -> None:
    base, _ = coordinator_app
    for path in ("/leads", "/leads/1", "/insights/agreement", "/insights/audit"):
        page.goto(base + path)
        assert page.url == f"{base}/login?next={path}", page.url
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        assert "Li Wei" not in page.content()
    # Signing in from there lands on the page asked for.
    page.goto(base + "/insights/agreement")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="How often the bot agreed with you")).to_be_visible()


def test_wrong_password_is_refused(page: Page, coordinator_app: tuple[str, LeadStore]) -> None:
    base, _ = coordinator_app
    page.goto(base + "/login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".flash-error")).to_contain_text("do not match")
    assert page.url.startswith(base + "/login")


def test_erase_a_lead_by_the_code_the_patient_gives(page: Page, coordinator_app: tuple[str, LeadStore],
                                                    tracker_url: str) -> None:
    """"Please delete my data, my code is PS-...": find the lead by its code, type it again, erase."""
    base, store = coordinator_app
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lead = store.get_lead("conv-7")
    code = lead.reference_code
    assert code and lead.contact and lead.contact.name == "Zhou Qiang"
    sign_in(page, base)
    page.get_by_label("Search").fill(code.lower())
    page.get_by_role("button", name="Apply").click()
    rows = page.locator("table.leads-table tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link", name="Zhou Qiang").click()
    expect(page.get_by_role("heading", name="Zhou Qiang")).to_be_visible()

    erase = page.locator("#erase")
    expect(erase.get_by_role("heading", name="Erase this patient's data")).to_be_visible()
    expect(erase).to_contain_text("cannot be undone")
    # A mistyped code erases nothing.
    erase.get_by_label("Patient asked").check()
    wrong = code[:-1] + ("B" if code[-1] != "B" else "C")
    erase.get_by_label(re.compile("type the reference code")).fill(wrong)
    erase.get_by_role("button", name=f"Erase {code} permanently").click()
    expect(page.locator(".flash-error")).to_contain_text("does not match this lead's reference code")
    expect(page.get_by_role("heading", name="Zhou Qiang")).to_be_visible()
    assert store.get_lead(code).contact is not None

    erase = page.locator("#erase")
    erase.get_by_label("Patient asked").check()
    erase.get_by_label(re.compile("type the reference code")).fill(code.lower().replace("-", ""))
    erase.screenshot(path=str(SCREENSHOTS / "coordinator-erase.png"))
    erase.get_by_role("button", name=f"Erase {code} permanently").click()

    expect(page.locator(".flash-success")).to_contain_text(f"{code} erased")
    expect(page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
    assert page.url == base + "/leads"
    expect(page.get_by_text("Zhou Qiang")).to_have_count(0)
    with pytest.raises(LeadNotFound):
        store.get_lead(code)
    assert tracker_senders(tracker_url) == ["conv-0"]
    assert page.request.get(base + f"/leads/{lead.id}").status == 404

    page.get_by_role("link", name="Audit trail").click()
    row = page.locator("table.audit-table tbody tr", has_text="Erased the patient's data")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("alice")
    expect(row).to_contain_text(f"{code}; reason: Patient asked")  # the reason as the erase form names it
    expect(page.get_by_text("Zhou Qiang")).to_have_count(0)
