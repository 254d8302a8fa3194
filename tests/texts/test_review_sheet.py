"""`prescreen texts export`: one review sheet, HTML and CSV, every text in both languages with its version."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from bot.cli.main import main
from bot.texts import catalogue, text_versions
from bot.texts.catalogue import PatientText
from bot.texts.review_sheet import as_csv, as_html

LANGUAGES = ("en", "zh")


def test_the_export_writes_both_sheets(tmp_path: Path, capsys) -> None:
    assert main(["texts", "export", "--out", str(tmp_path / "sheet")]) == 0
    html_sheet = (tmp_path / "sheet" / "patient-texts.html").read_text(encoding="utf-8")
    raw_csv = (tmp_path / "sheet" / "patient-texts.csv").read_bytes()
    assert raw_csv.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel in China reads it as UTF-8
    lines = list(csv.reader(io.StringIO(raw_csv.decode("utf-8-sig"))))
    versions = text_versions(LANGUAGES)
    assert lines[0][:2] == ["Patient-facing texts", f"exported {date.today().isoformat()}"]
    assert {f"{key}: {value}" for key, value in versions.items()} <= set(lines[0])
    assert lines[1] == ["key", "where", "English", "中文 (Simplified Chinese)", "version (en)", "version (zh)"]
    rows = {row[0]: row for row in lines[2:]}
    assert set(rows) == {text.key for text in catalogue()}
    consent = rows["response.utter_ask_consent"]
    assert "delete my answers" in consent[2] and "删除我的信息" in consent[3]
    assert consent[3].endswith("[是，我同意] [不，谢谢]")  # buttons as the patient sees them
    assert "上海长海医院" in consent[3] and "{study_site" not in consent[3]
    intro = next(text for text in catalogue() if text.key == "response.utter_intro")
    assert rows["response.utter_intro"][4:] == [intro.version("en"), intro.version("zh")]
    assert rows["criteria.age.question"][3].startswith("首先，请问您今年多大年纪")
    assert "<table>" in html_sheet and versions["texts-zh"] in html_sheet and "删除我的信息" in html_sheet
    assert "Exported" in capsys.readouterr().err


def test_the_html_escapes_every_text() -> None:
    hostile = PatientText("response.utter_x", "the assistant's message",
                          {"en": "<script>alert(1)</script> & \"quotes\"", "zh": "<b>粗体</b>"})
    page = as_html([hostile], LANGUAGES, {"texts-en": "texts-en-<x>"}, date(2026, 12, 2))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page and "texts-en-&lt;x&gt;" in page


def test_a_text_missing_in_one_language_shows_as_missing() -> None:
    only_english = PatientText("chat.x", "the chat page", {"en": "Hello"})
    sheet = as_csv([only_english], LANGUAGES, {}, date(2026, 12, 2))
    row = list(csv.reader(io.StringIO(sheet.removeprefix("\ufeff"))))[2]
    assert row[2:] == ["Hello", "", only_english.version("en"), "(missing)"]
