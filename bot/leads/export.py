"""Leads as files: CSV (one row per lead, for spreadsheets) and JSON (everything, for programs).

The one home of the export formats: `prescreen leads export` and the coordinator app's CSV
download both write through here, so their columns cannot drift apart.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from bot.leads.records import LeadRecord

FORMATS = ("json", "csv")
CSV_FIELDS = (
    "id", "reference_code", "conversation_id", "created_at", "completed_at", "provisional_status",
    "review_status", "name", "phone", "email", "preferred_time", "criteria_version", "consent_version",
    # added with the Chinese conversation (issue 13): after the older columns, so their positions hold
    "wechat", "language", "text_versions",
    # added with the pipeline (issue 14); never an attempt's or a status change's note (staff free text)
    "first_attempt_at", "contact_attempts", "callback_at", "visit_at", "screen_failure_reason",
    "failed_criteria",
)


def leads_as_csv(records: Sequence[LeadRecord]) -> str:
    """One row per lead; each criterion's verdict and reason in its own columns."""
    check_ids: list[str] = []
    for record in records:
        for item in record.criteria:
            if item["check_id"] not in check_ids:
                check_ids.append(item["check_id"])
    return "".join(csv_lines(records, check_ids))


def csv_lines(records: Iterable[LeadRecord], check_ids: Sequence[str]) -> Iterator[str]:
    """The CSV as lines, the header first, for a file written as the leads are read (the app streams it).

    `check_ids` are the criteria columns, in order; a lead's criteria outside them are left out.
    """
    out = io.StringIO()
    writer = csv.writer(out)

    def line(cells: Sequence[Any]) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(cells)
        return out.getvalue()

    yield line([*CSV_FIELDS, *(f"{c}_{part}" for c in check_ids for part in ("verdict", "reason"))])
    for record in records:
        row = record.as_export()
        by_check = {item["check_id"]: item for item in record.criteria}
        row["text_versions"] = json.dumps(row["text_versions"], ensure_ascii=False, sort_keys=True)
        row["contact_attempts"] = len(row["contact_attempts"])  # how many; the JSON export lists them
        row["failed_criteria"] = ",".join(row["failed_criteria"])
        cells = [csv_safe(row[field]) for field in CSV_FIELDS]
        for check_id in check_ids:
            item = by_check.get(check_id, {})
            cells += [csv_safe(item.get("verdict")), csv_safe(item.get("reason"))]
        yield line(cells)


def csv_safe(value: Any) -> str:
    """Text as a spreadsheet shows it, never as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not text[1:2].isdigit() else text


def leads_as_json(records: Sequence[LeadRecord]) -> str:
    """A JSON array of every lead with its criteria and answers (non-ASCII kept readable)."""
    return json.dumps([r.as_export() for r in records], indent=2, ensure_ascii=False) + "\n"


def leads_as(export_format: str, records: Sequence[LeadRecord]) -> str:
    """The leads in one of FORMATS."""
    if export_format == "json":
        return leads_as_json(records)
    if export_format == "csv":
        return leads_as_csv(records)
    raise ValueError(f"export format must be one of: {', '.join(FORMATS)}")
