"""The other-studies list as files: CSV (for spreadsheets) and JSON (for programs).

The coordinator app's download and `prescreen leads export --other-studies` both write through here;
cells go through the leads export's formula defusing (bot.leads.export.csv_safe).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from bot.leads.export import FORMATS, csv_safe
from bot.leads.other_studies import OtherStudiesRecord

CSV_FIELDS = (
    "screening_id", "reference_code", "name", "phone", "email", "language", "consent_version", "consented_at",
)


def other_studies_as_csv(records: Sequence[OtherStudiesRecord]) -> str:
    """One row per patient who agreed to hear about other studies."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for record in records:
        row = record.as_export()
        writer.writerow([csv_safe(row[field]) for field in CSV_FIELDS])
    return out.getvalue()


def other_studies_as_json(records: Sequence[OtherStudiesRecord]) -> str:
    """A JSON array of the entries (non-ASCII kept readable)."""
    return json.dumps([r.as_export() for r in records], indent=2, ensure_ascii=False) + "\n"


def other_studies_as(export_format: str, records: Sequence[OtherStudiesRecord]) -> str:
    """The entries in one of FORMATS (the leads export's: json, csv)."""
    if export_format == "json":
        return other_studies_as_json(records)
    if export_format == "csv":
        return other_studies_as_csv(records)
    raise ValueError(f"export format must be one of: {', '.join(FORMATS)}")
