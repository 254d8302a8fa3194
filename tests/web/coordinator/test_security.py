"""Every route needs a signed-in coordinator; every form needs its CSRF token; patient text is
escaped; security headers on every response."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.leads.store import ContactDetails, LeadStore
from tests.web.coordinator.seed import ELIGIBLE, XSS_NAME, csrf_token, seed_lead, words_for

PUBLIC = {"static", "auth.login", "metrics"}  # metrics: internal clients only (tests/ops/test_metrics.py)
PLACEHOLDERS = {"lead_id": "1", "check_id": "age", "filename": "coordinator.css", "name": "funnel",
                "screening_id": "1"}


def every_route(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for each rule of the app, with its arguments filled in."""
    routes = []
    for rule in app.url_map.iter_rules():
        url = rule.rule
        for argument in rule.arguments:
            url = re.sub(rf"<(?:[^:<>]+:)?{argument}>", PLACEHOLDERS[argument], url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, url))
    return routes


def test_every_route_refuses_anonymous_requests(app: Flask, anonymous: FlaskClient, store: LeadStore) -> None:
    seed_lead(store, "conv-1", ContactDetails("Li Wei", "+8613812345678", "li@example.com"))
    routes = [route for route in every_route(app) if route[0] not in PUBLIC]
    endpoints = {endpoint for endpoint, _, _ in routes}
    assert {"leads.index", "leads.detail", "leads.set_status", "leads.override", "leads.record_checks",
            "leads.erase", "export.leads_csv", "insights.agreement", "insights.audit_trail", "auth.logout",
            "other_studies.index", "other_studies.export_csv", "other_studies.erase"} <= endpoints
    for endpoint, method, url in routes:
        response = anonymous.open(url, method=method, data={"status": "confirmed", "note": "x"})
        assert response.status_code == 302, (endpoint, method, url, response.status_code)
        assert response.headers["Location"].startswith("/login"), (endpoint, method, url)
        body = response.get_data(as_text=True)
        assert "Li Wei" not in body and "13812345678" not in body and "1234 5678" not in body
    assert store.get_lead(1).review_status == "new"  # the anonymous POSTs changed nothing
    assert store.audit_entries() == []


def test_unknown_pages_refuse_anonymous_requests_too(anonymous: FlaskClient) -> None:
    response = anonymous.get("/no/such/page")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_stylesheet_and_sign_in_page_are_public(anonymous: FlaskClient) -> None:
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/static/coordinator.css").status_code == 200


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/leads/1/status", {"status": "confirmed", "note": "no token"}),
        ("/leads/1/criteria/age/override", {"verdict": "does_not_meet", "reason": "no token"}),
        ("/leads/1/records", {"result-haemoglobin": "100", "checked-haemoglobin": "on"}),
        ("/leads/1/erase", {"reason": "patient_asked", "confirm": "the lead's code"}),
        ("/export/leads.csv", {}),
        ("/other-studies/export.csv", {}),
        ("/other-studies/1/erase", {"reason": "patient_asked", "confirm": "the lead's code"}),
        ("/logout", {}),
    ],
)
def test_posts_without_csrf_token_are_rejected(client: FlaskClient, store: LeadStore, path: str,
                                               form: dict[str, str]) -> None:
    seed_lead(store, "conv-1", ContactDetails("Li Wei"))
    for token in (None, "forged-token"):
        data = form if token is None else {**form, "csrf_token": token}
        response = client.post(path, data=data)
        assert response.status_code == 400
        assert "This form has expired or did not come from this app" in response.get_data(as_text=True)
    lead = store.get_lead(1)
    assert lead.review_status == "new"
    assert store.criterion_overrides(1) == [] and store.record_check_results(1) == []
    assert [e["action"] for e in store.audit_entries()] == ["sign_in"]
    assert client.get("/leads").status_code == 200  # still signed in


def test_a_token_from_another_session_is_rejected(app: Flask, client: FlaskClient, store: LeadStore) -> None:
    seed_lead(store, "conv-1", ContactDetails("Li Wei"))
    other_token = csrf_token(app.test_client(), "/login")
    response = client.post("/leads/1/status", data={"status": "confirmed", "note": "x", "csrf_token": other_token})
    assert response.status_code == 400
    assert store.get_lead(1).review_status == "new"


def test_patient_text_is_escaped_everywhere(client: FlaskClient, store: LeadStore) -> None:
    words = words_for(ELIGIBLE)
    words["age"] = {"text": "<script>alert('age')</script> 60", "value": "60", "how": "<b>x</b>"}
    lead_id = seed_lead(store, "conv-xss", ContactDetails(XSS_NAME, "+8613812345678", "x@example.com",
                                                          '"><svg onload=alert(2)>'), patient_words=words)
    escaped = "&lt;img src=x onerror=alert(1)&gt;"
    for path in ("/leads", f"/leads/{lead_id}", "/leads?q=onerror"):
        page = client.get(path).get_data(as_text=True)
        assert escaped in page, path
        assert "<img" not in page and "<svg" not in page and "<script" not in page, path
    detail = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;age&#39;)&lt;/script&gt; 60" in detail
    assert "&#34;&gt;&lt;svg onload=alert(2)&gt;" in detail
    assert "&lt;b&gt;x&lt;/b&gt;" in detail


def test_no_template_marks_data_safe() -> None:
    from pathlib import Path

    import bot.web.coordinator

    templates = Path(bot.web.coordinator.__file__).with_name("templates")
    for template in templates.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, template.name
        assert "<script" not in text and "style=" not in text and "<style" not in text, template.name


@pytest.mark.parametrize("path", ["/login", "/leads", "/leads/1", "/insights/agreement", "/insights/audit", "/nope"])
def test_security_headers_on_every_page(client: FlaskClient, store: LeadStore, path: str) -> None:
    seed_lead(store, "conv-1", ContactDetails("Li Wei"))
    response = client.get(path)
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"


def test_security_headers_on_redirects_and_static_files(anonymous: FlaskClient) -> None:
    redirect = anonymous.get("/leads")
    assert redirect.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in redirect.headers["Content-Security-Policy"]
    css = anonymous.get("/static/coordinator.css")
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in css.headers["Content-Security-Policy"]
    assert css.headers.get("Cache-Control") != "no-store"  # no personal data: may be cached


def test_pages_load_no_third_party_assets(client: FlaskClient, store: LeadStore) -> None:
    seed_lead(store, "conv-1", ContactDetails("Li Wei"))
    for path in ("/login", "/leads", "/leads/1", "/insights/agreement"):
        page = client.get(path).get_data(as_text=True)
        for url in re.findall(r'(?:src|href)="([^"]+)"', page):
            assert not url.startswith(("http:", "https:", "//")), (path, url)


def test_database_trouble_is_a_clear_503_page(client: FlaskClient, app: Flask,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.leads.store import StoreError

    def down(*args: object, **kwargs: object) -> None:
        raise StoreError("the lead database is unavailable")

    monkeypatch.setattr(app.extensions["coordinator"].store, "search_leads", down)
    response = client.get("/leads")
    assert response.status_code == 503
    assert "The lead database cannot be read right now" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
