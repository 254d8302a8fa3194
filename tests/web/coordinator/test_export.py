"""CSV export of the filtered list: its content, its guard against formulas, and its audit entry."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient

from bot.leads.store import ContactDetails, LeadStore
from tests.web.coordinator.seed import ELIGIBLE, csrf_token, seed_lead


def export(client: FlaskClient, **filters: str) -> tuple[list[dict[str, str]], object]:
    token = csrf_token(client, "/leads")
    response = client.post("/export/leads.csv", data={"csrf_token": token, **filters})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")))), response


def test_export_the_filtered_list(client: FlaskClient, store: LeadStore) -> None:
    li = seed_lead(store, "conv-li", ContactDetails("Li Wei", "+8613812345678", "li@example.com", "mornings"))
    seed_lead(store, "conv-wang", ContactDetails("王芳", "13900001111"),
              answers={**ELIGIBLE, "ctdna_positive": "unsure"})
    rows, response = export(client, status="likely_eligible")
    assert response.mimetype == "text/csv"  # type: ignore[attr-defined]
    disposition = response.headers["Content-Disposition"]  # type: ignore[attr-defined]
    assert disposition.startswith('attachment; filename="prescreen-leads-') and disposition.endswith('.csv"')
    assert response.headers["Cache-Control"] == "no-store"  # type: ignore[attr-defined]
    [row] = rows
    assert row["id"] == str(li) and row["name"] == "Li Wei" and row["phone"] == "+8613812345678"
    assert row["email"] == "li@example.com" and row["preferred_time"] == "mornings"
    assert row["provisional_status"] == "likely_eligible" and row["review_status"] == "new"
    assert row["age_verdict"] == "meets" and row["age_reason"].startswith("Patient is 60")
    rows, _ = export(client)
    assert sorted(r["name"] for r in rows) == ["Li Wei", "王芳"]
    rows, _ = export(client, q="王")
    assert [r["name"] for r in rows] == ["王芳"]


def test_export_defuses_spreadsheet_formulas(client: FlaskClient, store: LeadStore) -> None:
    seed_lead(store, "conv-evil", ContactDetails('=HYPERLINK("http://evil.example","click")', "+8613812345678",
                                                 None, "@SUM(1+1)"))
    [row], _ = export(client)
    assert row["name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["preferred_time"] == "'@SUM(1+1)"
    assert row["phone"] == "+8613812345678"  # a phone number is not a formula


def test_export_is_audited_without_personal_data(client: FlaskClient, store: LeadStore) -> None:
    seed_lead(store, "conv-li", ContactDetails("Li Wei", "+8613812345678"))
    export(client, q="Li Wei", review="new")
    [entry] = [e for e in store.audit_entries() if e["action"] == "export"]
    assert entry["actor"] == "alice"
    assert entry["detail"] == "csv, 1 leads; filters: review=new, search"
    assert "Li Wei" not in repr(store.audit_entries())


def test_export_button_carries_the_list_filters(client: FlaskClient, store: LeadStore) -> None:
    seed_lead(store, "conv-li", ContactDetails("Li Wei"))
    page = client.get("/leads", query_string={"status": "likely_eligible", "q": "Li"}).get_data(as_text=True)
    form = page.split('action="/export/leads.csv"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="status" value="likely_eligible">' in form
    assert '<input type="hidden" name="q" value="Li">' in form
    assert "Export CSV (1)" in form
