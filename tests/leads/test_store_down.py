"""With the lead database unreachable, every store method raises StoreError saying what failed."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from bot.leads.crypto import FieldCipher
from bot.leads.database import Database
from bot.leads.records import ContactDetails, LeadQuery
from bot.leads.store import LeadStore, OtherStudiesDetails, StoreError
from bot.trial.criteria import load_criteria
from bot.trial.eligibility import evaluate
from tests.conftest import TEST_KEY

CRITERIA = load_criteria()
RESULT = evaluate(CRITERIA, {"age": 60})
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)


def closed_port_url() -> str:
    """A real PostgreSQL URL on a port nothing listens on: the database server is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql+psycopg2://prescreen@127.0.0.1:{port}/prescreen"


@pytest.fixture(scope="module")
def down() -> Iterator[LeadStore]:
    store = LeadStore(Database(closed_port_url()), FieldCipher(TEST_KEY))
    yield store
    store.database.engine.dispose()


NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
CALLS: list[tuple[str, Callable[[LeadStore], Any], str]] = [
    ("record_conversation_start", lambda s: s.record_conversation_start(), "recording a conversation start"),
    ("start_screening", lambda s: s.start_screening("c", "consent", CRITERIA.version), "recording consent"),
    ("complete_screening", lambda s: s.complete_screening("c", RESULT, {}), "completing a screening"),
    ("save_contact", lambda s: s.save_contact("c", ContactDetails("Li Wei")), "saving contact details"),
    ("erase_conversation", lambda s: s.erase_conversation("c"), "erasing a conversation"),
    ("list_leads", lambda s: s.list_leads(), "listing leads"),
    ("get_lead", lambda s: s.get_lead("PS-7K3F9Q"), "reading a lead"),
    ("search_leads", lambda s: s.search_leads(LeadQuery(search="Li")), "searching leads"),
    ("find_leads", lambda s: s.find_leads(LeadQuery()), "finding leads"),
    ("matching_ids", lambda s: s.matching_ids(LeadQuery()), "finding leads"),
    ("iter_leads", lambda s: list(s.iter_leads(LeadQuery())), "exporting leads"),
    ("count_matching", lambda s: s.count_matching(LeadQuery()), "counting leads"),
    ("iter_records", lambda s: list(s.iter_records([1])), "exporting leads"),
    ("export_check_ids", lambda s: s.export_check_ids(LeadQuery()), "listing criteria for an export"),
    ("set_review_status", lambda s: s.set_review_status(1, "contacted", "called", "t"), "changing a review status"),
    ("override_criterion", lambda s: s.override_criterion(1, "age", "meets", "seen", "t"), "overriding a verdict"),
    ("criterion_overrides", lambda s: s.criterion_overrides(1), "reading verdict overrides"),
    ("record_check_results", lambda s: s.record_check_results(1), "reading the records checklist"),
    ("save_record_checks", lambda s: s.save_record_checks(1, {"cea": ("ok", True)}, "t"),
     "saving the records checklist"),
    ("log_contact_attempt", lambda s: s.log_contact_attempt(1, NOW, "phone", "no_answer", "", "t", now=NOW),
     "logging a contact attempt"),
    ("set_callback", lambda s: s.set_callback(1, NOW, "t"), "setting a call-back"),
    ("audit", lambda s: s.audit("t", "view_list"), "writing the audit log"),
    ("audit_entries", lambda s: s.audit_entries(), "reading the audit log"),
    ("agreement", lambda s: s.agreement(), "counting agreement"),
    ("agreement_summary", lambda s: s.agreement_summary(), "counting agreement"),
    ("funnel", lambda s: s.funnel(), "counting the funnel"),
    ("leads_per_week", lambda s: s.leads_per_week(NOW, timezone.utc), "counting leads per week"),
    ("first_contact", lambda s: s.first_contact(NOW, 24), "measuring time to first contact"),
    ("lead_counts", lambda s: s.lead_counts(), "counting the funnel"),
    ("screen_failures", lambda s: s.screen_failures(), "counting screen failures"),
    ("misreads_caught", lambda s: s.misreads_caught(), "counting misreads caught"),
    ("save_other_studies_contact",
     lambda s: s.save_other_studies_contact("c", OtherStudiesDetails("Li Wei", phone="+8613812345678"), "v"),
     "saving an other-studies contact"),
    ("other_studies_contacts", lambda s: s.other_studies_contacts(), "reading other-studies contacts"),
    ("has_other_studies_contact", lambda s: s.has_other_studies_contact("c"), "reading an other-studies contact"),
    ("delete_other_studies_contact", lambda s: s.delete_other_studies_contact(1, "t", "PS-7K3F9Q"),
     "erasing an other-studies contact"),
    ("purge_other_studies_contacts", lambda s: s.purge_other_studies_contacts(180, "t"),
     "purging other-studies contacts"),
]


@pytest.mark.parametrize(("name", "call", "what"), CALLS, ids=[c[0] for c in CALLS])
def test_every_method_raises_store_error_naming_what_failed(down: LeadStore, name: str,
                                                            call: Callable[[LeadStore], Any], what: str) -> None:
    with pytest.raises(StoreError) as raised:
        call(down)
    assert str(raised.value) == f"{what} failed: the lead database is unavailable"


def test_every_public_method_is_covered() -> None:
    public = {name for name in dir(LeadStore) if not name.startswith("_") and callable(getattr(LeadStore, name))}
    assert public == {name for name, _, _ in CALLS}
