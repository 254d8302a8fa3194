"""The ethics committee's review sheet: every patient-facing text, the languages side by side, each with its
version, as a printable HTML table and as CSV (UTF-8 with a byte-order mark, so Excel in China opens it)."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping, Sequence
from datetime import date

from bot.languages import FACTS, LANGUAGES
from bot.texts.catalogue import PatientText

# Each language by its own name, and in English where that differs: "English", "中文 (Simplified Chinese)".
LANGUAGE_NAMES: dict[str, str] = {code: FACTS[code].name if FACTS[code].name == FACTS[code].english_name
                  else f"{FACTS[code].name} ({FACTS[code].english_name})" for code in LANGUAGES}
BOM = "\ufeff"


def _name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)


def header(languages: Sequence[str]) -> list[str]:
    return ["key", "where", *(_name(language) for language in languages),
            *(f"version ({language})" for language in languages)]


def rows(texts: Sequence[PatientText], languages: Sequence[str]) -> list[list[str]]:
    """One row per text: key, where, its wording per language (buttons as [titles]), its version per language."""
    return [
        [text.key, text.where,
         *(text.shown(language) if language in text.wording else "" for language in languages),
         *(text.version(language) if language in text.wording else "(missing)" for language in languages)]
        for text in texts
    ]


def as_csv(texts: Sequence[PatientText], languages: Sequence[str], versions: Mapping[str, str], on: date) -> str:
    """The sheet as CSV; the set versions and the date in the first lines."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Patient-facing texts", f"exported {on.isoformat()}",
                     *(f"{key}: {value}" for key, value in versions.items())])
    writer.writerow(header(languages))
    writer.writerows(rows(texts, languages))
    return BOM + out.getvalue()


def as_html(texts: Sequence[PatientText], languages: Sequence[str], versions: Mapping[str, str], on: date) -> str:
    """The sheet as one self-contained, printable HTML page (every text escaped)."""
    esc = html.escape
    head = "".join(f"<th>{esc(column)}</th>" for column in header(languages))
    body = "\n".join(
        "<tr>" + "".join(f'<td class="{"text" if 1 < i <= len(languages) + 1 else "meta"}">{esc(cell)}</td>'
                         for i, cell in enumerate(row)) + "</tr>"
        for row in rows(texts, languages)
    )
    set_versions = "".join(f"<li><code>{esc(key)}</code>: <code>{esc(value)}</code></li>"
                           for key, value in versions.items())
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Patient-facing texts, {esc(on.isoformat())}</title>
<style>
body {{ font-family: "Noto Sans", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; width: 100%; font-size: 10pt; }}
th, td {{ border: 1px solid #999; padding: 4px 6px; vertical-align: top; text-align: left; }}
th {{ background: #eee; }}
thead {{ display: table-header-group; }}
tr {{ page-break-inside: avoid; }}
td.meta {{ font-family: monospace; font-size: 8.5pt; }}
@page {{ size: A4 landscape; margin: 12mm; }}
</style>
</head>
<body>
<h1>Patient-facing texts: review sheet</h1>
<p>Exported {esc(on.isoformat())}. {len(texts)} texts. Each text's version is a short hash of its wording
(buttons in [brackets]); a set version changes when any text of that language changes.</p>
<ul>{set_versions}</ul>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
</body>
</html>
"""
