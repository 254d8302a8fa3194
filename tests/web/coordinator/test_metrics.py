"""The metrics page and its SVG charts: English and Chinese, the numbers in the tables and in the images,
the charts' own security policy, the audit entry."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from bot.leads import lead_facts
from bot.leads.models import ContactAttempt, Screening, StatusChange
from bot.leads.store import ContactDetails, LeadStore
from bot.web.coordinator.insights import CHART_SECURITY_POLICY
from tests.web.coordinator.conftest import services
from tests.web.coordinator.seed import ELIGIBLE, PASSWORD, seed_lead, sign_in

CHARTS = ("leads-per-week", "first-contact", "funnel", "failure-reasons", "failed-criteria")
SVG = "{http://www.w3.org/2000/svg}"


def set_history(store: LeadStore, lead_id: int, *statuses: str, reason: str | None = None, failed: str = "") -> None:
    with store.database.transaction() as session:
        for status in statuses:
            session.add(StatusChange(screening_id=lead_id, status=status, note="", actor="alice"))
        session.execute(update(Screening).where(Screening.id == lead_id).values(
            review_status=statuses[-1], screen_failure_reason=reason, failed_criteria=failed))
        lead_facts.refresh(session, [lead_id])  # as the store's set_review_status keeps the furthest step


@pytest.fixture
def seeded(store: LeadStore) -> None:
    """Seven conversations started, six consented, five leads: one enrolled, one not eligible, one overdue,
    one waiting in time, one without contact details."""
    now = datetime.now(timezone.utc)
    for _ in range(7):
        store.record_conversation_start()
    phone = ContactDetails("Li Wei", "+8613812345678")
    enrolled = seed_lead(store, "conv-1", phone, completed_at=now - timedelta(days=10))
    with store.database.transaction() as session:
        session.add(ContactAttempt(screening_id=enrolled, at=now - timedelta(days=10) + timedelta(hours=2),
                                   channel="phone", outcome="reached", actor="alice"))
        session.flush()
        lead_facts.refresh(session, [enrolled])  # as the store's log_contact_attempt keeps the first attempt
    set_history(store, enrolled, "contacted", "confirmed", "visit_booked", "consented", "enrolled")
    rejected = seed_lead(store, "conv-2", phone, {**ELIGIBLE, "lung_disease": "yes"}, now - timedelta(days=3))
    set_history(store, rejected, "rejected", reason="exclusion_met", failed="lung_disease")
    seed_lead(store, "conv-3", phone, completed_at=now - timedelta(hours=30))  # overdue
    seed_lead(store, "conv-4", phone, completed_at=now - timedelta(hours=2))  # waiting, in time
    seed_lead(store, "conv-5", None, completed_at=now - timedelta(hours=1))
    store.start_screening("conv-6", "consent-test", "v")  # consented, never finished


def svg_texts(body: bytes) -> list[str]:
    root = ET.fromstring(body)
    assert root.tag == f"{SVG}svg"
    return [text.text or "" for text in root.iter(f"{SVG}text")]


def table_rows(page: str) -> dict[str, list[str]]:
    """Each table row's header cell and its numbers."""
    rows = {}
    for header, cells in re.findall(r'<th scope="row">(?:<span[^>]*>)?([^<]+)(?:</span>)?</th>(.*?)</tr>', page, re.S):
        rows[html.unescape(header.strip())] = re.findall(r'<td class="num">([^<]*)</td>', cells)
    return rows


def test_metrics_page_in_english(client: FlaskClient, app_store: LeadStore, seeded: None) -> None:
    response = client.get("/insights/metrics")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>Metrics</h1>" in page
    assert 'aria-current="page">Metrics</a>' in page
    rows = table_rows(page)
    assert rows["Conversations started"] == ["7", "—"]
    assert rows["Completed"] == ["5", "83%"]  # of 6 consented
    assert rows["Left contact details"] == ["4", "80%"]
    assert rows["Contacted"][0] == rows["Confirmed eligible"][0] == rows["Enrolled"][0] == "1"
    assert rows["An exclusion criterion met on the records"] == ["1"] and rows["Investigator's decision"] == ["0"]
    assert [v for k, v in rows.items() if "Lung" in k or "lung" in k] == [["1"]]
    assert rows["12 weeks"] == ["4", "1", "5"]
    assert rows["1–4 h"] == ["1"]
    assert "2.0 h" in page  # the median, of the one lead tried
    assert re.search(r'stat-alert"><span class="stat-value">1</span>', page)  # one overdue
    for name in CHARTS:
        assert f'src="/insights/metrics/{name}.svg' in page
    assert all(alt for alt in re.findall(r'<img src="/insights/metrics/[^"]+"[^>]*alt="([^"]*)"', page))
    assert 'href="/insights/agreement"' in page
    [entry] = [e for e in app_store.audit_entries(None) if e["action"] == "view_metrics"]
    assert entry["actor"] == "alice" and entry["detail"] == "12 weeks"


def test_metrics_page_in_chinese(app: Flask, seeded: None) -> None:
    services(app).accounts.add("wang", PASSWORD, language="zh")
    client = app.test_client()
    assert sign_in(client, "wang").status_code == 302
    page = client.get("/insights/metrics").get_data(as_text=True)
    assert '<html lang="zh">' in page
    assert "判定一致率" in page  # the nav's "Agreement"
    rows = table_rows(page)
    assert rows["开始的对话"] == ["7", "—"] and rows["已联系"][0] == "1"
    texts = svg_texts(client.get("/insights/metrics/funnel.svg").data)
    assert "已联系" in texts and "开始的对话" in texts
    week_labels = svg_texts(client.get("/insights/metrics/leads-per-week.svg").data)
    assert any(re.fullmatch(r"\d{1,2}月\d{1,2}日", text) for text in week_labels)


@pytest.mark.parametrize("name", CHARTS)
def test_each_chart_is_an_svg_image_with_its_own_policy(client: FlaskClient, seeded: None, name: str) -> None:
    response = client.get(f"/insights/metrics/{name}.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == CHART_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.data
    assert svg_texts(body)
    assert b"http://" not in body.replace(b"http://www.w3.org/", b"").replace(b"http://purl.org/", b"").replace(
        b"http://creativecommons.org/", b"")  # nothing to fetch
    assert b"<script" not in body and b"dc:date" not in body
    assert client.get(f"/insights/metrics/{name}.svg").data == body  # deterministic


def test_chart_numbers_match_the_tables(client: FlaskClient, seeded: None) -> None:
    funnel = svg_texts(client.get("/insights/metrics/funnel.svg").data)
    for label, count in [("Conversations started", "7"), ("Consented", "6"), ("Left contact details", "4"),
                         ("Enrolled", "1")]:
        assert label in funnel and count in funnel
    reasons = svg_texts(client.get("/insights/metrics/failure-reasons.svg").data)
    assert any(text.startswith("An exclusion criterion met") for text in reasons) and "1" in reasons
    weeks = svg_texts(client.get("/insights/metrics/leads-per-week.svg").data)
    assert "With contact details" in weeks and "No contact details" in weeks
    first = svg_texts(client.get("/insights/metrics/first-contact.svg").data)
    assert "1–4 h" in first and "More than 48 h" in first


def test_weeks_are_kept_within_bounds(client: FlaskClient, seeded: None) -> None:
    page = client.get("/insights/metrics?weeks=4").get_data(as_text=True)
    assert "4 weeks" in page and 'src="/insights/metrics/leads-per-week.svg?weeks=4"' in page
    assert "52 weeks" in client.get("/insights/metrics?weeks=900").get_data(as_text=True)
    assert "12 weeks" in client.get("/insights/metrics?weeks=x").get_data(as_text=True)
    week_labels = svg_texts(client.get("/insights/metrics/leads-per-week.svg?weeks=4").data)
    assert sum(bool(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}", text)) for text in week_labels) == 4


def test_empty_database_and_unknown_chart(client: FlaskClient) -> None:
    page = client.get("/insights/metrics").get_data(as_text=True)
    assert "No failed criteria recorded yet" in page and "failed-criteria.svg" not in page
    for name in CHARTS:
        svg_texts(client.get(f"/insights/metrics/{name}.svg").data)
    assert client.get("/insights/metrics/nope.svg").status_code == 404


def test_metrics_need_a_signed_in_coordinator(anonymous: FlaskClient) -> None:
    for path in ("/insights/metrics", "/insights/metrics/funnel.svg"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_misreads_caught_per_100_conversations(app: Flask, client: FlaskClient, app_store: LeadStore,
                                               seeded: None) -> None:
    """A denied read-back and a correction over six consented conversations: 33.3 per 100, in both languages."""
    from bot.leads.models import AnswerEvent

    lead = app_store.list_leads()[0].id
    with app_store.database.transaction() as session:
        for event in ("corrected", "answered again", "confirmed", "not confirmed"):  # the last two are no misreads
            session.add(AnswerEvent(screening_id=lead, check_id="viral_infection", event=event, patient_text="呒没",
                                    value="yes"))
    caught = app_store.misreads_caught()
    assert (caught.caught, caught.conversations) == (2, 6) and round(caught.per_100 or 0, 1) == 33.3
    page = client.get("/insights/metrics").get_data(as_text=True)
    assert re.search(r'stat-value">33.3</span><span class="stat-label">Misreads caught per 100 conversations', page)
    services(app).accounts.add("wang", PASSWORD, language="zh")
    chinese = app.test_client()
    sign_in(chinese, "wang")
    assert "每 100 次对话发现的误读" in chinese.get("/insights/metrics").get_data(as_text=True)
