"""The LeadStore methods behind the coordinator app, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from bot.leads.models import CriterionOverride, RecordCheckResult
from bot.leads.store import ContactDetails, LeadNotFound, LeadQuery, LeadStore, phone_variants
from tests.web.coordinator.seed import ELIGIBLE, seed_lead


def test_phone_variants_cover_the_ways_a_number_is_stored() -> None:
    assert {"+8613812345678", "13812345678"} <= phone_variants("+86 138 1234 5678")
    assert {"+8613812345678", "8613812345678", "13812345678"} <= phone_variants("138-1234-5678")
    assert "13812345678" in phone_variants("0086 138 1234 5678")
    assert phone_variants("Li Wei") == set() and phone_variants("12") == set()


def test_search_leads_pages(store: LeadStore) -> None:
    for n in range(7):
        seed_lead(store, f"conv-{n}", ContactDetails(f"Patient {n}"),
                  completed_at=datetime(2026, 11, 1, n, tzinfo=timezone.utc))
    page = store.search_leads(LeadQuery(sort="name", descending=False), page=2, per_page=3)
    assert [lead.contact.name for lead in page.leads] == ["Patient 3", "Patient 4", "Patient 5"]
    assert (page.total, page.page, page.pages, page.first, page.last) == (7, 2, 3, 4, 6)
    empty = store.search_leads(LeadQuery(search="nobody"))
    assert (empty.leads, empty.total, empty.pages, empty.first, empty.last) == ([], 0, 1, 0, 0)


def test_leads_without_contact_details_are_listed_and_sorted_last_by_name(store: LeadStore) -> None:
    nameless = seed_lead(store, "conv-anon")
    named = seed_lead(store, "conv-li", ContactDetails("Li Wei"))
    for descending in (False, True):
        ids = [lead.id for lead in store.find_leads(LeadQuery(sort="name", descending=descending))]
        assert ids == [named, nameless]
    assert [lead.id for lead in store.find_leads(LeadQuery(search="li"))] == [named]


def test_search_by_reference_code_or_its_start(store: LeadStore) -> None:
    lead = seed_lead(store, "conv-li", ContactDetails("Li Wei"))
    other = seed_lead(store, "conv-wang", ContactDetails("Wang Fang"))
    code = store.get_lead(lead).reference_code
    for search in (code, code.lower(), code[3:], "ps-" + code[3:6].lower()):
        assert [r.id for r in store.find_leads(LeadQuery(search=search))] == [lead], search
    assert {r.id for r in store.find_leads(LeadQuery(search="PS-"))} == {lead, other}
    assert store.find_leads(LeadQuery(search="PS-%")) == [] and store.find_leads(LeadQuery(search="PS-_")) == []


def test_override_validation(store: LeadStore) -> None:
    lead = seed_lead(store, "conv-1")
    with pytest.raises(ValueError, match="verdict must be"):
        store.override_criterion(lead, "age", "maybe", "reason", "alice")
    with pytest.raises(ValueError, match="reason"):
        store.override_criterion(lead, "age", "meets", " ", "alice")
    with pytest.raises(ValueError, match="too long"):
        store.override_criterion(lead, "age", "meets", "x" * 2001, "alice")
    with pytest.raises(ValueError, match="no criterion"):
        store.override_criterion(lead, "nope", "meets", "reason", "alice")
    with pytest.raises(LeadNotFound):
        store.override_criterion(999, "age", "meets", "reason", "alice")
    store.override_criterion(lead, "age", "does_not_meet", "ID card: 77", "alice")
    store.override_criterion(lead, "age", "meets", "ID card misread: 57", "bob")
    assert [(o["verdict"], o["actor"]) for o in store.criterion_overrides(lead)] == [
        ("does_not_meet", "alice"), ("meets", "bob")]


def test_record_checks_keep_their_history(store: LeadStore) -> None:
    lead = seed_lead(store, "conv-1")
    assert store.save_record_checks(lead, {"haemoglobin": ("98 g/L", False)}, "alice") == ["haemoglobin"]
    assert store.save_record_checks(lead, {"haemoglobin": ("98  g/L", False), "pbmc": ("", False)}, "bob") == []
    assert store.save_record_checks(lead, {"haemoglobin": ("98 g/L", True)}, "bob") == ["haemoglobin"]
    history = store.record_check_results(lead)
    assert [(r["result"], r["checked"], r["actor"]) for r in history] == [
        ("98 g/L", False, "alice"), ("98 g/L", True, "bob")]
    with pytest.raises(ValueError, match="too long"):
        store.save_record_checks(lead, {"haemoglobin": ("x" * 1001, True)}, "bob")


def test_erasing_a_lead_erases_its_overrides_and_checklist_but_not_the_audit_trail(store: LeadStore) -> None:
    lead = seed_lead(store, "conv-1", ContactDetails("Li Wei"))
    store.override_criterion(lead, "age", "unknown", "check ID", "alice")
    store.save_record_checks(lead, {"haemoglobin": ("98 g/L", True)}, "alice")
    assert store.erase_conversation("conv-1")
    with store.database.session() as session:
        assert session.execute(select(func.count(CriterionOverride.id))).scalar_one() == 0
        assert session.execute(select(func.count(RecordCheckResult.id))).scalar_one() == 0
    assert [e["action"] for e in store.audit_entries(lead)] == ["erase", "record_checks", "override"]


def test_agreement_counts_only_reviewed_leads(store: LeadStore) -> None:
    assert store.agreement().reviewed_leads == 0 and store.agreement().criteria == []
    unreviewed = seed_lead(store, "conv-1")
    store.set_review_status(unreviewed, "contacted", "called", "alice")  # not a decision on eligibility
    assert store.agreement().reviewed_leads == 0
    rejected = seed_lead(store, "conv-2", answers={**ELIGIBLE, "lung_disease": "yes"})
    store.set_review_status(rejected, "rejected", "COPD on records", "alice",
                            screen_failure_reason="exclusion_met", failed_criteria=["lung_disease"])
    report = store.agreement()
    assert report.reviewed_leads == 1
    assert all(row.rate == 1.0 and row.reviewed == 1 for row in report.criteria)
    assert report.outcomes == {"likely_ineligible": {"not_eligible": 1}}
