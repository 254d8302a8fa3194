"""Erasing a patient's data from the lead's page: the same erasure as `prescreen leads erase`
(lead, answers, contact details and the conversation's events in the tracker store), confirmed
by typing the reference code, with a fixed reason in the audit trail and no personal data left."""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text
from werkzeug.test import TestResponse

from bot.cli import main as cli
from bot.leads.erasure import TrackerStoreError, erase_lead
from bot.leads.models import Answer, AuditEntry, Contact, CriterionResultRow, Screening
from bot.leads.store import ContactDetails, LeadNotFound, LeadStore, StoreError
from bot.settings import Settings
from bot.web.coordinator.core import Services
from tests.web.coordinator.seed import csrf_token, seed_lead, tracker_senders

NAME, PHONE, EMAIL = "Li Wei", "+8613812345678", "li.wei@example.com"
PERSONAL = ("Li Wei", "13812345678", "1234 5678", "li.wei@example.com", "mornings")


def add_tracker_events(url: str, events: dict[str, int]) -> None:
    """Rows in a Rasa-like `events` table: {conversation id: how many events}."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("create table if not exists events (id integer primary key, "
                                "sender_id varchar(255) not null, type_name varchar(255) not null, data text)"))
        next_id = connection.execute(text("select coalesce(max(id), 0) from events")).scalar_one()
        for sender, count in events.items():
            for _ in range(count):
                next_id += 1
                data = json.dumps({"event": "user", "text": f"I'm {NAME}, call me on {PHONE}"})
                connection.execute(text("insert into events (id, sender_id, type_name, data) "
                                        "values (:id, :sender, 'user', :data)"),
                                   {"id": next_id, "sender": sender, "data": data})
    engine.dispose()


def closed_port_url() -> str:
    """A PostgreSQL URL nothing listens on: a tracker store that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql+psycopg2://prescreen@127.0.0.1:{port}/tracker"


@pytest.fixture
def lead(store: LeadStore, settings: Settings) -> tuple[int, str]:
    """Li Wei's lead (answers, contact details, 3 tracker events) and another patient's; (id, code)."""
    lead_id = seed_lead(store, "conv-li", ContactDetails(NAME, PHONE, EMAIL, "mornings"))
    seed_lead(store, "conv-other", ContactDetails("Wang Fang", "+8613900001111"))
    add_tracker_events(settings.tracker_store_url, {"conv-li": 3, "conv-other": 2})
    code = store.get_lead(lead_id).reference_code
    assert code and code.startswith("PS-")
    return lead_id, code


def post_erase(client: FlaskClient, lead_id: int, confirm: str, reason: str = "patient_asked",
               token: str | None = "from the page") -> TestResponse:
    data = {"reason": reason, "confirm": confirm}
    if token == "from the page":
        token = csrf_token(client, f"/leads/{lead_id}")
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/leads/{lead_id}/erase", data=data)


def rows_of(store: LeadStore, lead_id: int) -> dict[str, int]:
    with store.database.session() as session:
        return {
            table.__tablename__: session.execute(
                select(func.count()).select_from(table).where(table.screening_id == lead_id)
            ).scalar_one()
            for table in (Answer, Contact, CriterionResultRow)
        } | {"screenings": session.execute(
            select(func.count()).select_from(Screening).where(Screening.id == lead_id)).scalar_one()}


def assert_nothing_erased(store: LeadStore, settings: Settings, lead_id: int) -> None:
    kept = store.get_lead(lead_id)
    assert kept.contact == ContactDetails(NAME, PHONE, EMAIL, "mornings") and kept.answers and kept.criteria
    assert tracker_senders(settings.tracker_store_url) == ["conv-li"] * 3 + ["conv-other"] * 2
    assert "erase" not in [entry["action"] for entry in store.audit_entries()]


def test_the_lead_page_explains_erasure_and_asks_for_the_code(client: FlaskClient, lead: tuple[int, str]) -> None:
    lead_id, code = lead
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    section = page[page.index('id="erase"'):]
    assert "Erase this patient's data" in section
    assert "answers, contact details and conversation transcript" in section
    assert "audit entry without personal data" in section and "cannot be undone" in section
    assert f'action="/leads/{lead_id}/erase"' in section and 'name="csrf_token"' in section
    assert f"type the reference code <span class=\"mono\">{code}</span>" in section
    for value in ("patient_asked", "duplicate", "entered_in_error"):
        assert f'name="reason" value="{value}"' in section
    assert "<textarea" not in section  # no free-text reason: it could hold personal data


def test_erasing_deletes_the_lead_everywhere(client: FlaskClient, store: LeadStore, settings: Settings,
                                             lead: tuple[int, str]) -> None:
    lead_id, code = lead
    assert rows_of(store, lead_id) == {"answers": len(store.get_lead(lead_id).answers), "contacts": 1,
                                       "criterion_results": len(store.get_lead(lead_id).criteria), "screenings": 1}
    response = post_erase(client, lead_id, code.lower().replace("-", ""))  # "ps7k3f9q" is fine too
    assert response.status_code == 302 and response.headers["Location"] == "/leads"

    page = client.get("/leads").get_data(as_text=True)
    assert f"{code} erased" in page and "Only an audit entry without personal data remains" in page
    assert "Li Wei" not in page and "Wang Fang" in page  # the other patient is untouched
    assert rows_of(store, lead_id) == {"answers": 0, "contacts": 0, "criterion_results": 0, "screenings": 0}
    with pytest.raises(LeadNotFound):
        store.get_lead(code)
    assert tracker_senders(settings.tracker_store_url) == ["conv-other", "conv-other"]
    assert store.get_lead("conv-other").contact is not None

    gone = client.get(f"/leads/{lead_id}")
    assert gone.status_code == 404 and "may have been erased" in gone.get_data(as_text=True)
    assert post_erase(client, lead_id, code, token=csrf_token(client, "/leads")).status_code == 404


@pytest.mark.parametrize(("reason", "label", "shown"), [
    ("patient_asked", "patient asked", "Patient asked"), ("duplicate", "duplicate", "Duplicate"),
    ("entered_in_error", "entered in error", "Entered in error")])
def test_the_audit_trail_shows_who_when_and_why_without_personal_data(
    client: FlaskClient, store: LeadStore, lead: tuple[int, str], reason: str, label: str, shown: str
) -> None:
    """Stored as written (English), shown as the erase form names the reason (in the app's language)."""
    lead_id, code = lead
    assert post_erase(client, lead_id, code, reason=reason).status_code == 302
    [entry] = [e for e in store.audit_entries() if e["action"] == "erase"]
    assert entry["actor"] == "alice" and entry["screening_id"] == lead_id and entry["at"] is not None
    assert entry["detail"] == f"{code}; reason: {label}"

    page = client.get("/insights/audit").get_data(as_text=True)
    row = next(r for r in page.split("<tr>") if "Erased the patient&#39;s data" in r)
    assert "alice" in row and f"reason: {shown}" in row and code in row and f"#{lead_id}" in row
    assert client.get(f"/insights/audit?lead={lead_id}").get_data(as_text=True).count("Erased the patient") == 1
    with store.database.session() as session:
        audit_log = " ".join(f"{e.actor} {e.action} {e.detail}" for e in session.execute(select(AuditEntry)).scalars())
    for value in PERSONAL:
        assert value not in audit_log and value not in page


@pytest.mark.parametrize("spelling", [str, str.lower, lambda code: code.replace("-", ""),
                                      lambda code: f"  {code.lower()} "])
def test_the_code_may_be_typed_in_any_case_with_or_without_the_dash(
    client: FlaskClient, store: LeadStore, lead: tuple[int, str], spelling: Callable[[str], str]
) -> None:
    lead_id, code = lead
    assert post_erase(client, lead_id, spelling(code)).status_code == 302
    with pytest.raises(LeadNotFound):
        store.get_lead(lead_id)


def test_a_wrong_code_erases_nothing(client: FlaskClient, store: LeadStore, settings: Settings,
                                     lead: tuple[int, str]) -> None:
    lead_id, code = lead
    other_code = store.get_lead("conv-other").reference_code
    for typed, message in ((other_code, "does not match this lead"), (code[:-1], "does not match this lead"),
                           (code[3:], "does not match this lead"), ("", f"Type the reference code {code}"),
                           ("-", "does not match this lead")):
        response = post_erase(client, lead_id, typed)
        assert response.status_code == 302 and response.headers["Location"] == f"/leads/{lead_id}#erase", typed
        page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
        assert message in page and "Nothing was erased" in page, typed
    assert_nothing_erased(store, settings, lead_id)


def test_a_reason_must_be_chosen_from_the_list(client: FlaskClient, store: LeadStore, settings: Settings,
                                               lead: tuple[int, str]) -> None:
    lead_id, code = lead
    for reason in ("", "she phoned on Monday, Li Wei 13812345678"):
        assert post_erase(client, lead_id, code, reason=reason).status_code == 302
        page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
        assert "Choose why this patient&#39;s data is erased. Nothing was erased." in page
    assert_nothing_erased(store, settings, lead_id)


def test_posts_without_a_valid_csrf_token_erase_nothing(app: Flask, client: FlaskClient, store: LeadStore,
                                                        settings: Settings, lead: tuple[int, str]) -> None:
    lead_id, code = lead
    for token in (None, "forged-token", csrf_token(app.test_client(), "/login")):  # the last: another session's
        response = post_erase(client, lead_id, code, token=token)
        assert response.status_code == 400
        assert "This form has expired or did not come from this app" in response.get_data(as_text=True)
    assert_nothing_erased(store, settings, lead_id)


def test_erasing_needs_a_signed_in_coordinator(anonymous: FlaskClient, store: LeadStore, settings: Settings,
                                               lead: tuple[int, str]) -> None:
    lead_id, code = lead
    for token in (None, csrf_token(anonymous, "/login")):
        response = post_erase(anonymous, lead_id, code, token=token)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        assert "Li Wei" not in response.get_data(as_text=True)
    assert_nothing_erased(store, settings, lead_id)
    assert store.audit_entries() == []


def test_erasing_is_post_only(client: FlaskClient, store: LeadStore, settings: Settings,
                              lead: tuple[int, str]) -> None:
    lead_id, code = lead
    for method in ("GET", "PUT", "DELETE"):
        response = client.open(f"/leads/{lead_id}/erase", method=method,
                               query_string={"reason": "patient_asked", "confirm": code})
        assert response.status_code == 405, method
    assert_nothing_erased(store, settings, lead_id)


def use_tracker_store(app: Flask, url: str) -> None:
    real: Services = app.extensions["coordinator"]
    app.extensions["coordinator"] = dataclasses.replace(
        real, settings=dataclasses.replace(real.settings, tracker_store_url=url))


def test_tracker_store_down_erases_nothing_and_says_so(app: Flask, client: FlaskClient, store: LeadStore,
                                                       settings: Settings, lead: tuple[int, str]) -> None:
    lead_id, code = lead
    use_tracker_store(app, closed_port_url())
    response = post_erase(client, lead_id, code)
    assert response.status_code == 302 and response.headers["Location"] == f"/leads/{lead_id}#erase"
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert f"{code} was not erased: the conversation store" in page and "Nothing was erased" in page
    assert f"{code} erased" not in page
    assert_nothing_erased(store, settings, lead_id)

    use_tracker_store(app, settings.tracker_store_url)  # back up: the same form now erases everything
    assert post_erase(client, lead_id, code).status_code == 302
    assert tracker_senders(settings.tracker_store_url) == ["conv-other", "conv-other"]
    with pytest.raises(LeadNotFound):
        store.get_lead(lead_id)


def test_lead_database_failure_during_erasure_is_not_claimed_as_done(
    app: Flask, client: FlaskClient, store: LeadStore, lead: tuple[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lead_id, code = lead

    def down(*args: object, **kwargs: object) -> bool:
        raise StoreError("erasing a conversation failed: the lead database is unavailable")

    monkeypatch.setattr(app.extensions["coordinator"].store, "erase_conversation", down)
    response = post_erase(client, lead_id, code)
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert f"{code} was not erased: the lead database cannot be written" in body and f"{code} erased" not in body
    assert store.get_lead(lead_id).contact is not None


def test_erase_lead_touches_nothing_when_the_tracker_store_is_down(store: LeadStore, lead: tuple[int, str]) -> None:
    lead_id, code = lead
    with pytest.raises(TrackerStoreError):
        erase_lead(store, closed_port_url(), code, "cli:test")
    assert store.get_lead(lead_id).contact is not None
    assert store.audit_entries() == []


def test_the_cli_says_plainly_when_the_tracker_store_is_down(store: LeadStore, settings: Settings,
                                                             lead: tuple[int, str], monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    lead_id, code = lead
    monkeypatch.setattr(cli, "get_settings", lambda: dataclasses.replace(settings, tracker_store_url=closed_port_url()))
    assert cli.main(["leads", "erase", code, "--yes"]) == 1
    out = capsys.readouterr()
    assert "conversation store (TRACKER_STORE_URL) is unavailable, so nothing was erased" in out.err
    assert "Erased" not in out.out
    assert_nothing_erased(store, settings, lead_id)
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    assert cli.main(["leads", "erase", code, "--yes"]) == 0
    assert tracker_senders(settings.tracker_store_url) == ["conv-other", "conv-other"]
    [entry] = [e for e in store.audit_entries() if e["action"] == "erase"]
    assert entry["detail"] == "withdrawn" and entry["actor"].startswith("cli:")
