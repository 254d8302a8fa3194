"""`prescreen texts export`: the review sheet of every patient-facing text for the ethics committee.

The catalogue and the sheet's formats live in bot/texts/; this module is the command: where the files go.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from bot.cli.common import write_export
from bot.texts import catalogue, text_versions
from bot.texts.review_sheet import as_csv, as_html
from bot.trial.criteria import load_criteria

SHEET_NAME = "patient-texts"


def cmd_texts_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    languages = load_criteria().languages
    texts = catalogue()
    versions = text_versions(languages)
    today = date.today()
    write_export(as_html(texts, languages, versions, today), str(out / f"{SHEET_NAME}.html"), f"{len(texts)} texts")
    write_export(as_csv(texts, languages, versions, today), str(out / f"{SHEET_NAME}.csv"), f"{len(texts)} texts")
    return 0


def add_texts_commands(groups: argparse._SubParsersAction) -> None:
    texts = groups.add_parser("texts", help="the patient-facing texts").add_subparsers(dest="command", required=True)
    export = texts.add_parser("export", help="write the review sheet (HTML and CSV) of every text, per language")
    export.add_argument("--out", default=".", metavar="DIR",
                        help=f"directory for {SHEET_NAME}.html and {SHEET_NAME}.csv (default: here)")
    export.set_defaults(run=cmd_texts_export)
