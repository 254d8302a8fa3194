"""The other-studies list: ruled-out patients who agreed to hear about other studies, apart from the
leads; shown, exported as CSV and erased one at a time (typed reference code), every step audited
without personal data."""

from __future__ import annotations

import csv
import dataclasses
import io

from flask import Flask
from flask.testing import FlaskClient

from bot.leads.store import LeadStore, OtherStudiesDetails
from bot.settings import Settings
from bot.web.coordinator.core import Services
from tests.web.coordinator.seed import csrf_token, seed_lead, tracker_senders
from tests.web.coordinator.test_erase import add_tracker_events, closed_port_url

VERSION = "other-studies-consent-0123456789ab"
PERSONAL = ("王建国", "13812345678", "1381234", "mary@example.com", "Mary Smith")


def ruled_out_with_consent(store: LeadStore, conversation_id: str, details: OtherStudiesDetails,
                           language: str = "en") -> tuple[int, str]:
    lead_id = seed_lead(store, conversation_id, answers={"age": 90})
    store.save_other_studies_contact(conversation_id, details, VERSION, language)
    code = store.get_lead(lead_id).reference_code
    assert code is not None
    return lead_id, code


def no_personal_data_in_audit(store: LeadStore) -> None:
    for entry in store.audit_entries():
        assert not any(word in entry["detail"] for word in PERSONAL), entry


def test_the_list_shows_each_entry_and_is_audited(client: FlaskClient, store: LeadStore) -> None:
    first, code = ruled_out_with_consent(store, "conv-1", OtherStudiesDetails("王建国", phone="+8613812345678"), "zh")
    second, _ = ruled_out_with_consent(store, "conv-2", OtherStudiesDetails("Mary Smith", email="mary@example.com"))
    seed_lead(store, "conv-3", answers={"age": 90})  # ruled out, said no: not listed
    page = client.get("/other-studies")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "王建国" in body and "+86 138 1234 5678" in body and code in body and "中文" in body
    assert "Mary Smith" in body and "mary@example.com" in body and VERSION in body
    assert body.count("/erase") == 2
    assert 'href="/other-studies"' in body and 'aria-current="page"' in body  # the nav link
    [entry] = [e for e in store.audit_entries() if e["action"] == "view_other_studies"]
    assert entry["actor"] == "alice" and entry["detail"] == f"2 entries (ids {second} {first})"
    no_personal_data_in_audit(store)


def test_an_empty_list_says_so(client: FlaskClient) -> None:
    body = client.get("/other-studies").get_data(as_text=True)
    assert "No one has asked to hear about other studies yet." in body


def test_the_lead_list_does_not_mix_them_in(client: FlaskClient, store: LeadStore) -> None:
    ruled_out_with_consent(store, "conv-1", OtherStudiesDetails("Mary Smith", email="mary@example.com"))
    assert "Mary Smith" not in client.get("/leads").get_data(as_text=True)


def test_csv_export_is_a_post_defused_and_audited(client: FlaskClient, store: LeadStore) -> None:
    ruled_out_with_consent(store, "conv-1", OtherStudiesDetails("=cmd|' /C calc'!A0", email="mary@example.com"))
    ruled_out_with_consent(store, "conv-2", OtherStudiesDetails("王建国", phone="+8613812345678"), "zh")
    assert client.get("/other-studies/export.csv").status_code == 405
    token = csrf_token(client, "/other-studies")
    response = client.post("/other-studies/export.csv", data={"csrf_token": token})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "prescreen-other-studies-" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["name"] for r in rows] == ["王建国", "'=cmd|' /C calc'!A0"]
    assert (rows[0]["phone"], rows[0]["language"], rows[0]["consent_version"]) == ("+8613812345678", "zh", VERSION)
    [entry] = [e for e in store.audit_entries() if e["action"] == "export_other_studies"]
    assert entry["detail"] == "csv, 2 entries"
    no_personal_data_in_audit(store)


def test_erasing_needs_a_reason_and_the_typed_code(client: FlaskClient, store: LeadStore) -> None:
    lead_id, code = ruled_out_with_consent(store, "conv-1", OtherStudiesDetails("Mary Smith", email="mary@example.com"))
    page = client.get(f"/other-studies/{lead_id}/erase").get_data(as_text=True)
    assert code in page and "Mary Smith" not in page  # the confirmation page shows no personal data
    token = csrf_token(client, f"/other-studies/{lead_id}/erase")
    for form in ({"confirm": code}, {"reason": "patient_asked", "confirm": ""},
                 {"reason": "patient_asked", "confirm": "PS-2222222"}):
        response = client.post(f"/other-studies/{lead_id}/erase", data={"csrf_token": token, **form},
                               follow_redirects=True)
        assert "Nothing was erased." in response.get_data(as_text=True)
    assert len(store.other_studies_contacts()) == 1


def test_erasing_one_entry_deletes_it_and_its_transcript_and_keeps_the_count(
        client: FlaskClient, store: LeadStore, settings: Settings) -> None:
    lead_id, code = ruled_out_with_consent(store, "conv-1", OtherStudiesDetails("Mary Smith", email="mary@example.com"))
    ruled_out_with_consent(store, "conv-2", OtherStudiesDetails("王建国", phone="+8613812345678"))
    add_tracker_events(settings.tracker_store_url, {"conv-1": 3, "conv-2": 2})
    token = csrf_token(client, f"/other-studies/{lead_id}/erase")
    response = client.post(f"/other-studies/{lead_id}/erase",
                           data={"csrf_token": token, "reason": "patient_asked", "confirm": code.lower()},
                           follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and f"{code} erased from the other-studies list" in body
    assert [e.name for e in store.other_studies_contacts()] == ["王建国"]
    assert tracker_senders(settings.tracker_store_url) == ["conv-2", "conv-2"]
    assert store.get_lead(lead_id).provisional_status == "likely_ineligible"  # the anonymous count stays
    [entry] = [e for e in store.audit_entries() if e["action"] == "erase_other_studies"]
    assert entry["actor"] == "alice" and entry["detail"] == f"{code}; reason: patient asked"
    no_personal_data_in_audit(store)
    assert client.get(f"/other-studies/{lead_id}/erase").status_code == 404


def test_with_the_tracker_store_down_nothing_is_erased(app: Flask, client: FlaskClient, store: LeadStore) -> None:
    lead_id, code = ruled_out_with_consent(store, "conv-1", OtherStudiesDetails("Mary Smith", email="mary@example.com"))
    real: Services = app.extensions["coordinator"]
    app.extensions["coordinator"] = dataclasses.replace(
        real, settings=dataclasses.replace(real.settings, tracker_store_url=closed_port_url()))
    token = csrf_token(client, f"/other-studies/{lead_id}/erase")
    response = client.post(f"/other-studies/{lead_id}/erase",
                           data={"csrf_token": token, "reason": "duplicate", "confirm": code}, follow_redirects=True)
    assert "was not erased" in response.get_data(as_text=True)
    assert len(store.other_studies_contacts()) == 1

