"""The leads list and one lead: filters, search, sort, pages, evidence, decisions and their audit trail."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.leads.store import ContactDetails, LeadStore
from tests.web.coordinator.seed import CRITERIA, ELIGIBLE, csrf_token, seed_lead

ROW_RE = re.compile(r'<td class="mono"><a href="/leads/(\d+)">')


def listed(client: FlaskClient, default_order: bool = False, **query: str | int) -> list[int]:
    """Lead ids on the list page, in order: newest first unless the query sorts (or `default_order`:
    the app's own default, needs action first)."""
    if not default_order and "sort" not in query:
        query = {"sort": "completed", "dir": "desc", **query}
    response = client.get("/leads", query_string=query)
    assert response.status_code == 200
    return [int(i) for i in ROW_RE.findall(response.get_data(as_text=True))]


@pytest.fixture
def three(store: LeadStore) -> dict[str, int]:
    """An eligible lead, one that needs review and one ruled out, completed on different days."""
    return {
        "li": seed_lead(store, "conv-li", ContactDetails("Li Wei", "+8613812345678", "li.wei@example.com", "mornings"),
                        completed_at=datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)),
        "wang": seed_lead(store, "conv-wang", ContactDetails("Wang Fang", "13900001111", None, "after 6pm"),
                          answers={**ELIGIBLE, "ctdna_positive": "unsure"},
                          completed_at=datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc)),
        "zhang": seed_lead(store, "conv-zhang", ContactDetails("Zhang Min", None, "zhang@example.com"),
                           answers={**ELIGIBLE, "other_cancer": "yes"},
                           completed_at=datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)),
    }


def test_list_shows_leads_needing_action_first_with_the_funnel(client: FlaskClient, store: LeadStore,
                                                               three: dict[str, int]) -> None:
    store.record_conversation_start()
    store.start_screening("conv-unfinished", "consent-test", CRITERIA.version)
    # All three are past their contact deadline (the real clock): the longest overdue first.
    assert listed(client, default_order=True) == [three["li"], three["wang"], three["zhang"]]
    assert listed(client) == [three["zhang"], three["wang"], three["li"]]
    page = client.get("/leads").get_data(as_text=True)
    assert "Li Wei" in page and "+86 138 1234 5678" in page and "li.wei@example.com" in page
    funnel = {label: int(count) for count, label in re.findall(
        r'<span class="funnel-count">(\d+)</span>\s*<span class="funnel-label">([^<]+)</span>', page)}
    assert funnel == {"Conversations started": 1, "Consented": 4, "Completed": 3, "Likely eligible": 1,
                      "Needs review": 1, "Likely ineligible": 1, "Contacted": 0, "Confirmed eligible": 0,
                      "Screening visit booked": 0, "Enrolled": 0}
    assert "Showing <strong>1–3</strong> of <strong>3</strong> leads" in page


def test_filter_by_provisional_and_review_status(client: FlaskClient, store: LeadStore,
                                                 three: dict[str, int]) -> None:
    assert listed(client, status="needs_review") == [three["wang"]]
    assert listed(client, status="likely_ineligible") == [three["zhang"]]
    store.set_review_status(three["li"], "contacted", "called", "bob")
    assert listed(client, review="contacted") == [three["li"]]
    assert listed(client, review="new") == [three["zhang"], three["wang"]]
    assert listed(client, review="contacted", status="needs_review") == []
    assert listed(client, status="nonsense") == [three["zhang"], three["wang"], three["li"]]


def test_filter_by_date_range_in_the_hospital_time_zone(client: FlaskClient, three: dict[str, int]) -> None:
    assert listed(client, **{"from": "2026-11-21"}) == [three["zhang"], three["wang"]]
    assert listed(client, to="2026-11-22") == [three["wang"], three["li"]]
    assert listed(client, **{"from": "2026-11-21", "to": "2026-11-23"}) == [three["wang"]]
    # 2026-11-20 02:00 UTC is 10:00 in Shanghai: on the 20th there, not the 19th.
    assert listed(client, **{"from": "2026-11-20", "to": "2026-11-20"}) == [three["li"]]
    page = client.get("/leads", query_string={"from": "not a date"}).get_data(as_text=True)
    assert "should look like 2026-11-25" in page


@pytest.mark.parametrize(
    ("search", "who"),
    [
        ("wang", "wang"),  # part of a name, any case
        ("WEI", "li"),
        ("Zhang Min", "zhang"),
        ("+86 139 0000 1111", "wang"),  # stored without the country code
        ("138-1234-5678", "li"),  # stored with it
        ("+8613812345678", "li"),
        ("LI.WEI@example.com", "li"),  # email through the blind index
        ("zhang@example.com", "zhang"),
    ],
)
def test_search_by_name_phone_or_email(client: FlaskClient, three: dict[str, int], search: str, who: str) -> None:
    assert listed(client, q=search) == [three[who]]


def test_search_by_reference_code(client: FlaskClient, store: LeadStore, three: dict[str, int]) -> None:
    code = store.get_lead(three["wang"]).reference_code
    assert listed(client, q=code) == [three["wang"]]
    assert listed(client, q=code.lower()) == [three["wang"]]
    assert listed(client, q=code.removeprefix("PS-")) == [three["wang"]]


def test_search_with_no_match(client: FlaskClient, three: dict[str, int]) -> None:
    assert listed(client, q="nobody@example.com") == []
    assert listed(client, q="Chen") == []
    assert "No leads match" in client.get("/leads?q=Chen").get_data(as_text=True)


def test_sort_by_name_reference_and_date(client: FlaskClient, store: LeadStore, three: dict[str, int]) -> None:
    assert listed(client, sort="name", dir="asc") == [three["li"], three["wang"], three["zhang"]]
    assert listed(client, sort="name", dir="desc") == [three["zhang"], three["wang"], three["li"]]
    assert listed(client, sort="completed", dir="asc") == [three["li"], three["wang"], three["zhang"]]
    codes = {lead_id: store.get_lead(lead_id).reference_code for lead_id in three.values()}
    assert listed(client, sort="reference") == sorted(codes, key=codes.__getitem__)
    assert listed(client, sort="provisional") == [three["li"], three["zhang"], three["wang"]]


def test_pages(client: FlaskClient, store: LeadStore) -> None:
    ids = [seed_lead(store, f"conv-{n:02d}", ContactDetails(f"Patient {n:02d}"),
                     completed_at=datetime(2026, 11, 1 + n // 24, n % 24, tzinfo=timezone.utc)) for n in range(53)]
    newest_first = list(reversed(ids))
    pages = [listed(client, page=1), listed(client, page=2), listed(client, page=3)]
    assert [len(page) for page in pages] == [25, 25, 3]
    assert [*pages[0], *pages[1], *pages[2]] == newest_first
    assert listed(client, page=99) == newest_first[50:]  # past the end: the last page
    assert listed(client, per=50, page=2) == newest_first[50:]
    assert listed(client, per=100) == newest_first
    text = client.get("/leads", query_string={"sort": "name", "dir": "asc", "page": 2}).get_data(as_text=True)
    assert "Showing <strong>26–50</strong> of <strong>53</strong> leads" in text
    assert "Patient 25" in text and "Patient 24" not in text and "Patient 50" not in text
    assert 'href="/leads?sort=name&amp;dir=asc&amp;page=3"' in text  # links keep the filters and order


def test_detail_shows_the_evidence_for_every_criterion(client: FlaskClient, store: LeadStore,
                                                       three: dict[str, int]) -> None:
    page = client.get(f"/leads/{three['wang']}").get_data(as_text=True)
    assert "Wang Fang" in page and 'href="tel:13900001111">139 0000 1111</a>' in page and "after 6pm" in page
    check = CRITERIA.check("ctdna_positive")
    block = page.split('id="criterion-ctdna_positive"', 1)[1].split("</li>", 1)[0]
    assert check.protocol_text in block  # the protocol's own words
    assert check.question.replace('"', "&#34;") in block  # the question asked
    assert "“I&#39;m not sure”" in block  # the patient's own words
    assert "<strong>not sure</strong>" in block  # the value read, in words (never the stored key "unsure")
    assert "badge-verdict-unknown" in block and "result to be checked" in block  # verdict and reason
    assert page.count('class="criterion card') == len(CRITERIA.checks)
    for item in CRITERIA.record_checks:
        assert f'name="result-{item.id}"' in page and f'name="checked-{item.id}"' in page


def test_unknown_lead_is_404(client: FlaskClient) -> None:
    assert client.get("/leads/999").status_code == 404


def test_override_a_criterion(client: FlaskClient, store: LeadStore, three: dict[str, int]) -> None:
    lead_id = three["wang"]
    token = csrf_token(client, f"/leads/{lead_id}")
    response = client.post(f"/leads/{lead_id}/criteria/ctdna_positive/override",
                           data={"csrf_token": token, "verdict": "meets", "reason": "Lab report: ctDNA positive"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#criterion-ctdna_positive")
    [override] = store.criterion_overrides(lead_id)
    assert (override["check_id"], override["verdict"], override["actor"]) == ("ctdna_positive", "meets", "alice")
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    block = page.split('id="criterion-ctdna_positive"', 1)[1].split("</li>", 1)[0]
    assert "Lab report: ctDNA positive" in block and "Overridden by alice" in block
    entry = next(e for e in store.audit_entries(lead_id) if e["action"] == "override")
    assert entry["actor"] == "alice" and entry["detail"] == "ctdna_positive: unknown -> meets"
    assert store.get_lead(lead_id).provisional_status == "needs_review"  # the bot's assessment is kept


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"verdict": "meets", "reason": "  "}, "Give a reason"),
        ({"verdict": "perhaps", "reason": "x"}, "Choose a verdict"),
    ],
)
def test_override_needs_a_verdict_and_a_reason(client: FlaskClient, store: LeadStore, three: dict[str, int],
                                               form: dict[str, str], message: str) -> None:
    lead_id = three["wang"]
    token = csrf_token(client, f"/leads/{lead_id}")
    response = client.post(f"/leads/{lead_id}/criteria/ctdna_positive/override",
                           data={"csrf_token": token, **form}, follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert store.criterion_overrides(lead_id) == []


def test_override_of_an_unknown_criterion_is_404(client: FlaskClient, three: dict[str, int]) -> None:
    token = csrf_token(client, f"/leads/{three['li']}")
    response = client.post(f"/leads/{three['li']}/criteria/nope/override",
                           data={"csrf_token": token, "verdict": "meets", "reason": "x"})
    assert response.status_code == 404


def test_change_the_review_status_with_a_note(client: FlaskClient, store: LeadStore, three: dict[str, int]) -> None:
    lead_id = three["li"]
    token = csrf_token(client, f"/leads/{lead_id}")
    response = client.post(f"/leads/{lead_id}/status",
                           data={"csrf_token": token, "status": "confirmed", "note": "Records check out"})
    assert response.status_code == 302
    lead = store.get_lead(lead_id)
    assert lead.review_status == "confirmed"
    assert lead.status_changes[-1] | {"changed_at": None} == {
        "status": "confirmed", "note": "Records check out", "actor": "alice", "changed_at": None,
        "visit_at": None, "screen_failure_reason": None, "failed_criteria": [], "automatic": False}
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "Confirmed eligible" in page and "Records check out" in page
    assert any(e["action"] == "set_status" and e["detail"] == "confirmed" for e in store.audit_entries(lead_id))


@pytest.mark.parametrize("form", [{"status": "confirmed", "note": ""}, {"status": "maybe", "note": "hm"}])
def test_status_change_needs_a_known_status_and_a_note(client: FlaskClient, store: LeadStore,
                                                       three: dict[str, int], form: dict[str, str]) -> None:
    token = csrf_token(client, f"/leads/{three['li']}")
    client.post(f"/leads/{three['li']}/status", data={"csrf_token": token, **form})
    assert store.get_lead(three["li"]).review_status == "new"


def test_records_checklist(client: FlaskClient, store: LeadStore, three: dict[str, int]) -> None:
    lead_id = three["li"]
    token = csrf_token(client, f"/leads/{lead_id}")
    form = {"csrf_token": token, "result-haemoglobin": "112 g/L (2026-11-20)", "checked-haemoglobin": "on",
            "result-cea_ihc": "requested"}
    response = client.post(f"/leads/{lead_id}/records", data=form, follow_redirects=True)
    assert "2 items updated" in response.get_data(as_text=True)
    results = {r["record_check_id"]: r for r in store.record_check_results(lead_id)}
    assert results["haemoglobin"]["result"] == "112 g/L (2026-11-20)" and results["haemoglobin"]["checked"]
    assert results["cea_ihc"]["result"] == "requested" and not results["cea_ihc"]["checked"]
    assert results["haemoglobin"]["actor"] == "alice"
    # Saving the same again records nothing new.
    response = client.post(f"/leads/{lead_id}/records", data=form, follow_redirects=True)
    assert "Nothing changed" in response.get_data(as_text=True)
    assert len(store.record_check_results(lead_id)) == 2
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert 'value="112 g/L (2026-11-20)"' in page and "1 of 16 checked" in page
    assert [e["detail"] for e in store.audit_entries(lead_id) if e["action"] == "record_checks"] == [
        "cea_ihc, haemoglobin"]


def test_views_are_audited_without_personal_data(client: FlaskClient, store: LeadStore,
                                                 three: dict[str, int]) -> None:
    client.get("/leads", query_string={"q": "Wang Fang", "status": "needs_review"})
    client.get(f"/leads/{three['wang']}")
    entries = store.audit_entries()
    view_list = next(e for e in entries if e["action"] == "view_list")
    assert view_list["actor"] == "alice"
    assert f"ids {three['wang']}" in view_list["detail"] and "status=needs_review" in view_list["detail"]
    view_lead = next(e for e in entries if e["action"] == "view_lead")
    assert view_lead["screening_id"] == three["wang"] and view_lead["actor"] == "alice"
    assert view_lead["detail"] == store.get_lead(three["wang"]).reference_code
    everything = repr(entries)
    for personal in ("Wang", "Fang", "13900001111", "after 6pm"):
        assert personal not in everything


def test_agreement_per_criterion(client: FlaskClient, store: LeadStore, three: dict[str, int]) -> None:
    assert "Nothing reviewed yet" in client.get("/insights/agreement").get_data(as_text=True)
    store.set_review_status(three["li"], "confirmed", "ok", "alice")
    store.override_criterion(three["wang"], "ctdna_positive", "meets", "lab report", "alice")
    store.override_criterion(three["wang"], "age", "meets", "same as the bot: counts as agreement", "alice")
    report = store.agreement()
    assert report.reviewed_leads == 2
    by_check = {row.check_id: row for row in report.criteria}
    assert (by_check["ctdna_positive"].reviewed, by_check["ctdna_positive"].overridden) == (2, 1)
    assert by_check["ctdna_positive"].rate == 0.5 and by_check["ctdna_positive"].overridden_from_unknown == 1
    assert (by_check["age"].reviewed, by_check["age"].overridden, by_check["age"].rate) == (2, 0, 1.0)
    assert [row.check_id for row in report.criteria] == [c.id for c in CRITERIA.checks]
    assert report.outcomes == {"likely_eligible": {"eligible": 1}}
    page = client.get("/insights/agreement").get_data(as_text=True)
    row = page.split("ctDNA (MRD) blood test positive", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["2", "1", "1", "1", "0", "0"] and "50%" in row


def test_audit_trail_page_is_read_only(client: FlaskClient, app: Flask, three: dict[str, int]) -> None:
    client.get(f"/leads/{three['li']}")
    page = client.get("/insights/audit", query_string={"lead": three["li"]}).get_data(as_text=True)
    assert "Opened the lead" in page
    audit_rules = [rule for rule in app.url_map.iter_rules() if "audit" in rule.rule]
    assert [sorted(rule.methods - {"HEAD", "OPTIONS"}) for rule in audit_rules] == [["GET"]]
