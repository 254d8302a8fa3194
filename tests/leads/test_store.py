"""The lead store on a real database: SQLite, and PostgreSQL (marked `postgres`)."""

from __future__ import annotations

import sqlite3

import pytest

from bot.leads.database import Database
from bot.leads.store import ContactDetails, LeadNotFound, LeadStore, StoreError
from bot.trial.criteria import load_criteria
from bot.trial.eligibility import evaluate

CRITERIA = load_criteria()
ELIGIBLE = {c.id: ("yes" if c.meets == "yes" else "no") for c in CRITERIA.checks if c.answer == "yes_no"} | {"age": 60}
LOG = {"age": {"text": "I'm 60", "value": "60", "how": "read age 60"}}


def complete(store: LeadStore, conversation_id: str, answers: dict = ELIGIBLE) -> str:
    store.start_screening(conversation_id, "consent-test", CRITERIA.version)
    return store.complete_screening(conversation_id, evaluate(CRITERIA, answers), LOG)


def test_completed_screening_is_listed_with_results_and_answers(store: LeadStore) -> None:
    code = complete(store, "conv-1")
    [lead] = store.list_leads()
    assert lead.reference_code == code and code.startswith("PS-") and len(code) == 9
    assert lead.provisional_status == "likely_eligible"
    assert lead.review_status == "new"
    assert len(lead.criteria) == len(CRITERIA.checks)
    assert lead.answers == [{"check_id": "age", "patient_text": "I'm 60", "value": "60", "read_how": "read age 60"}]
    assert lead.consent_version == "consent-test"


def test_unfinished_screening_is_not_a_lead(store: LeadStore) -> None:
    store.start_screening("conv-2", "consent-test", CRITERIA.version)
    assert store.list_leads() == []
    assert store.funnel()["consented"] == 1 and store.funnel()["completed"] == 0


def test_contact_round_trip_and_encrypted_at_rest(store: LeadStore, database_url: str) -> None:
    complete(store, "conv-3")
    store.save_contact("conv-3", ContactDetails("Li Wei", "+8613812345678", "li@example.com", "mornings"))
    lead = store.get_lead("conv-3")
    assert lead.contact == ContactDetails("Li Wei", "+8613812345678", "li@example.com", "mornings")
    if database_url.startswith("sqlite"):
        rows = sqlite3.connect(database_url[10:]).execute("select * from contacts")
        raw = b"".join(bytes(str(row), "utf-8") for row in rows)
        assert b"13812345678" not in raw and b"li@example.com" not in raw and b"Li Wei" not in raw


def test_erase_leaves_only_an_audit_entry(store: LeadStore) -> None:
    complete(store, "conv-4")
    store.save_contact("conv-4", ContactDetails("Li Wei", "+8613812345678"))
    assert store.erase_conversation("conv-4") is True
    assert store.list_leads() == []
    with pytest.raises(LeadNotFound):
        store.get_lead("conv-4")
    assert store.erase_conversation("conv-4") is False


def test_review_status_change_is_kept_with_its_note(store: LeadStore) -> None:
    complete(store, "conv-5")
    lead = store.get_lead("conv-5")
    store.set_review_status(lead.id, "contacted", "called, left a message", "cli:tester")
    lead = store.get_lead(lead.reference_code)
    assert lead.review_status == "contacted"
    assert lead.status_changes[0]["note"] == "called, left a message"
    with pytest.raises(ValueError):
        store.set_review_status(lead.id, "maybe", "", "cli:tester")


def test_database_down_raises_store_error() -> None:
    nobody_listens = LeadStore(Database("postgresql+psycopg2://prescreen@127.0.0.1:9/prescreen"))
    with pytest.raises(StoreError):
        nobody_listens.start_screening("conv-6", "consent-test", CRITERIA.version)


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{lower_no_dash}", " {code} ", "PS {body}"])
def test_a_lead_is_found_by_its_reference_code_as_typed(store: LeadStore, typed: str) -> None:
    code = complete(store, "conv-7")
    body = code.removeprefix("PS-")
    key = typed.format(code=code, lower=code.lower(), lower_no_dash=code.lower().replace("-", ""), body=body)
    assert store.get_lead(key).conversation_id == "conv-7"
