"""The pipeline in the coordinator app, with a fixed clock: contact attempts, call-backs, statuses that need
a date or a reason, the needs-action order and the overdue mark."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.leads.store import ContactDetails, LeadStore
from bot.settings import get_settings
from bot.web.coordinator.config import ConfigurationError, coordinator_options
from tests.web.coordinator.conftest import services
from tests.web.coordinator.seed import csrf_token, seed_lead

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai
ROW_RE = re.compile(r'<td class="mono"><a href="/leads/(\d+)">')


@pytest.fixture(autouse=True)
def fixed_clock(app: Flask) -> None:
    app.extensions["coordinator"] = dataclasses.replace(services(app), clock=lambda: NOW)


@pytest.fixture
def lead(store: LeadStore) -> int:
    return seed_lead(store, "conv-li", ContactDetails("Li Wei", "+8613812345678"),
                     completed_at=NOW - timedelta(hours=5))


def post(client: FlaskClient, path: str, lead_id: int, **form: str | list[str]):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"/leads/{lead_id}")
    return client.post(f"/leads/{lead_id}/{path}", data={"csrf_token": token, **form})


def test_log_an_attempt_in_local_time(client: FlaskClient, store: LeadStore, lead: int) -> None:
    page = client.get(f"/leads/{lead}").get_data(as_text=True)
    assert 'name="attempt_at" value="2026-12-02T12:00"' in page  # now, in Shanghai
    assert "Contact by" in page
    response = post(client, "attempts", lead, attempt_at="2026-12-02T11:30", channel="wechat", outcome="no_answer",
                    attempt_note="Sent the leaflet")
    assert response.status_code == 302 and response.location.endswith(f"/leads/{lead}#contact-attempts")
    record = store.get_lead(lead)
    assert [(a["at"], a["channel"], a["outcome"], a["note"], a["actor"]) for a in record.contact_attempts] == [
        (datetime(2026, 12, 2, 3, 30, tzinfo=timezone.utc), "wechat", "no_answer", "Sent the leaflet", "alice")]
    page = client.get(f"/leads/{lead}").get_data(as_text=True)
    assert "Contact attempt logged (WeChat, No answer)." in page
    assert "Sent the leaflet" in page and "No answer" in page and "1 contact attempt; first" in page
    activity = [e["action"] for e in store.audit_entries(lead)]
    assert "contact_attempt" in activity and "Logged a contact attempt" in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"channel": "fax", "outcome": "reached"}, "Choose how you tried to reach the patient."),
        ({"channel": "phone", "outcome": "maybe"}, "Choose what came of the attempt."),
        ({"channel": "phone", "outcome": "reached", "attempt_at": "yesterday"}, "could not be read"),
        ({"channel": "phone", "outcome": "reached", "attempt_at": ""}, "Give the date and time of the attempt."),
        ({"channel": "phone", "outcome": "reached", "attempt_at": "2026-12-02T13:00"}, "cannot be in the future"),
        ({"channel": "phone", "outcome": "reached", "attempt_note": "x" * 501}, "too long"),
    ],
)
def test_a_bad_attempt_is_refused_saying_what_to_fix(client: FlaskClient, store: LeadStore, lead: int,
                                                    form: dict[str, str], message: str) -> None:
    form = {"attempt_at": "2026-12-02T11:00", "attempt_note": "Mother answered", **form}
    response = post(client, "attempts", lead, **form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert store.get_lead(lead).contact_attempts == []
    if len(form["attempt_note"]) < 500:
        assert 'value="Mother answered"' in page  # nothing typed is lost


def test_the_third_unanswered_attempt_makes_the_lead_unreachable(client: FlaskClient, store: LeadStore,
                                                                  lead: int) -> None:
    for minute in ("10", "20", "30"):
        post(client, "attempts", lead, attempt_at=f"2026-12-02T11:{minute}", channel="phone", outcome="no_answer")
    record = store.get_lead(lead)
    assert record.review_status == "unreachable" and record.status_changes[-1]["automatic"] is True
    page = client.get(f"/leads/{lead}").get_data(as_text=True)
    assert "set by a contact attempt" in page and "The attempts logged did not reach the patient." in page
    assert record.status_changes[-1]["note"] == "after 3 attempts without reaching the patient"  # for the CLI
    post(client, "attempts", lead, attempt_at="2026-12-02T11:40", channel="sms", outcome="reached")
    assert store.get_lead(lead).review_status == "contacted"


def test_callback_set_cleared_and_refused_in_the_past(client: FlaskClient, store: LeadStore, lead: int) -> None:
    assert post(client, "callback", lead, callback_at="2026-12-03T09:00").status_code == 302
    assert store.get_lead(lead).callback_at == datetime(2026, 12, 3, 1, 0, tzinfo=timezone.utc)
    response = post(client, "callback", lead, callback_at="2026-12-01T09:00")
    assert response.status_code == 422 and "already passed" in response.get_data(as_text=True)
    assert store.get_lead(lead).callback_at == datetime(2026, 12, 3, 1, 0, tzinfo=timezone.utc)
    assert post(client, "callback", lead, callback_at="", clear="1").status_code == 302
    assert store.get_lead(lead).callback_at is None


def test_visit_booked_needs_its_date(client: FlaskClient, store: LeadStore, lead: int) -> None:
    response = post(client, "status", lead, status="visit_booked", note="booked", visit_at="")
    assert response.status_code == 422 and "Give the screening visit" in response.get_data(as_text=True)
    assert store.get_lead(lead).review_status == "new"
    # the quick path: a date and no note
    assert post(client, "status", lead, status="visit_booked", visit_at="2026-12-10T09:30").status_code == 302
    record = store.get_lead(lead)
    assert record.review_status == "visit_booked"
    assert record.visit_at == datetime(2026, 12, 10, 1, 30, tzinfo=timezone.utc)
    page = client.get(f"/leads/{lead}").get_data(as_text=True)
    assert "Screening visit booked" in page and "After the visit, record consent" in page


def test_not_eligible_needs_a_reason(client: FlaskClient, store: LeadStore, lead: int) -> None:
    response = post(client, "status", lead, status="rejected", note="COPD on CT", failed_criteria=["lung_disease"])
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose why screening failed." in page
    assert "COPD on CT" in page and 'value="lung_disease" checked' in page  # nothing typed is lost
    assert store.get_lead(lead).review_status == "new"
    response = post(client, "status", lead, status="rejected", failure_reason="exclusion_met",
                    failed_criteria=["not_a_check"])
    assert response.status_code == 422 and store.get_lead(lead).review_status == "new"
    post(client, "status", lead, status="rejected", failure_reason="exclusion_met", failed_criteria=["lung_disease"])
    record = store.get_lead(lead)
    assert (record.review_status, record.screen_failure_reason, record.failed_criteria) == (
        "rejected", "exclusion_met", ["lung_disease"])
    assert "An exclusion criterion met on the records" in client.get(f"/leads/{lead}").get_data(as_text=True)


def test_other_statuses_still_need_a_note(client: FlaskClient, store: LeadStore, lead: int) -> None:
    assert post(client, "status", lead, status="enrolled", note="").status_code == 422
    assert store.get_lead(lead).review_status == "new"


def test_list_needs_action_first_with_the_overdue_mark(client: FlaskClient, store: LeadStore) -> None:
    contact = ContactDetails("Patient", "+8613800000000")
    fresh = seed_lead(store, "conv-fresh", contact, completed_at=NOW - timedelta(hours=23, minutes=59))
    overdue = seed_lead(store, "conv-overdue", contact, completed_at=NOW - timedelta(hours=29, minutes=30))
    called = seed_lead(store, "conv-called", contact, completed_at=NOW - timedelta(days=3))
    store.log_contact_attempt(called, NOW - timedelta(days=2), "phone", "reached", "", "alice", now=NOW)
    due = seed_lead(store, "conv-due", contact, completed_at=NOW - timedelta(days=4))
    store.log_contact_attempt(due, NOW - timedelta(days=3), "phone", "reached", "", "alice", now=NOW)
    store.set_callback(due, NOW - timedelta(minutes=30), "alice")
    response = client.get("/leads")
    page = response.get_data(as_text=True)
    assert [int(i) for i in ROW_RE.findall(page)] == [overdue, due, fresh, called]
    assert page.count("Overdue 5 h") == 1 and 'title="Not contacted within the deadline' in page
    assert page.count("Call back due") == 1 and "Contact by" in page
    assert 'aria-sort="ascending"' in page  # the needs-action header shows the order
    overdue_only = client.get("/leads", query_string={"need": "overdue"}).get_data(as_text=True)
    assert [int(i) for i in ROW_RE.findall(overdue_only)] == [overdue]
    action = client.get("/leads", query_string={"need": "action"}).get_data(as_text=True)
    assert [int(i) for i in ROW_RE.findall(action)] == [overdue, due]


def test_overdue_on_the_lead_page(client: FlaskClient, store: LeadStore) -> None:
    late = seed_lead(store, "conv-late", ContactDetails("Li Wei", "+8613812345678"),
                     completed_at=NOW - timedelta(hours=24, minutes=1))
    page = client.get(f"/leads/{late}").get_data(as_text=True)
    assert "Overdue 0 h" in page and "Overdue since" in page


@pytest.mark.parametrize("field, env", [("contact_deadline_hours", "CONTACT_DEADLINE_HOURS"),
                                        ("unreachable_after_attempts", "UNREACHABLE_AFTER_ATTEMPTS")])
def test_pipeline_numbers_below_one_stop_the_app_with_the_reason(field: str, env: str) -> None:
    with pytest.raises(ConfigurationError, match=env):
        coordinator_options(dataclasses.replace(get_settings(), **{field: 0}))
    assert coordinator_options(dataclasses.replace(get_settings(), **{field: 1}))
