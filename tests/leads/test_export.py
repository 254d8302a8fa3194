"""Lead exports (bot/leads/export.py): the CLI and the coordinator app both write through these."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import pytest

from bot.leads.export import CSV_FIELDS, csv_safe, leads_as, leads_as_csv, leads_as_json
from bot.leads.records import ContactDetails, LeadRecord

MOMENT = datetime(2026, 11, 25, 8, 30, tzinfo=timezone.utc)


def record(lead_id: int, name: str | None, criteria: list[dict[str, str]]) -> LeadRecord:
    return LeadRecord(
        id=lead_id, conversation_id=f"conv-{lead_id}", reference_code=f"PS-ABCDE{lead_id}", created_at=MOMENT,
        consented_at=MOMENT, consent_version="consent-x", completed_at=MOMENT, criteria_version="v1",
        provisional_status="needs_review", review_status="new", criteria=criteria,
        contact=ContactDetails(name, "+8613812345678") if name else None,
    )


RECORDS = [
    record(2, "王芳", [{"check_id": "age", "verdict": "meets", "reason": "60 is within 18-75"}]),
    record(3, None, [{"check_id": "hiv", "verdict": "unknown", "reason": "not sure"},
                     {"check_id": "age", "verdict": "meets", "reason": "70 is within 18-75"}]),
]


def test_csv_has_one_row_per_lead_and_columns_per_criterion() -> None:
    rows = list(csv.DictReader(io.StringIO(leads_as_csv(RECORDS))))
    assert list(rows[0])[: len(CSV_FIELDS)] == list(CSV_FIELDS)
    assert list(rows[0])[len(CSV_FIELDS):] == ["age_verdict", "age_reason", "hiv_verdict", "hiv_reason"]
    assert rows[0]["name"] == "王芳" and rows[0]["hiv_verdict"] == "" and rows[0]["created_at"] == MOMENT.isoformat()
    assert rows[1]["name"] == "" and rows[1]["phone"] == "" and rows[1]["hiv_reason"] == "not sure"
    assert rows[0]["phone"] == "+8613812345678"  # a number stays a number


@pytest.mark.parametrize(("value", "shown"), [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("@SUM(A1)", "'@SUM(A1)"), ("-1+2", "-1+2"),
    ("+8613812345678", "+8613812345678"), ("+cmd|x", "'+cmd|x"), ("Li Wei", "Li Wei"), (None, ""), (42, "42"),
])
def test_csv_cells_are_never_formulas(value: object, shown: str) -> None:
    assert csv_safe(value) == shown


def test_json_has_everything_and_keeps_chinese_readable() -> None:
    text = leads_as_json(RECORDS)
    assert "王芳" in text
    data = json.loads(text)
    assert [lead["id"] for lead in data] == [2, 3]
    assert data[0]["criteria"] == RECORDS[0].criteria and data[1]["name"] is None


def test_formats_by_name() -> None:
    assert leads_as("csv", RECORDS) == leads_as_csv(RECORDS)
    assert leads_as("json", RECORDS) == leads_as_json(RECORDS)
    with pytest.raises(ValueError, match="json, csv"):
        leads_as("xlsx", RECORDS)
