"""Each text's version and the set version per language: stored with every screening."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.texts import catalogue, consent_version, text_versions
from bot.texts.catalogue import PatientText, set_version
from bot.texts.responses import DOMAIN_FILE


def test_text_versions_names_the_set_and_the_consent_per_language() -> None:
    versions = text_versions(["zh", "en"])
    assert set(versions) == {"texts-en", "texts-zh", "consent-en", "consent-zh"}
    assert re.fullmatch(r"texts-zh-[0-9a-f]{8}", versions["texts-zh"])
    assert re.fullmatch(r"texts-en-[0-9a-f]{8}", versions["texts-en"])
    assert versions["consent-en"] == "consent-4d4209c4015b" == consent_version("en")
    assert versions["consent-zh"] == consent_version("zh") != versions["consent-en"]
    assert text_versions(["zh"]) == {"texts-zh": versions["texts-zh"], "consent-zh": versions["consent-zh"]}


def test_a_changed_word_changes_its_version_and_its_languages_set_only() -> None:
    texts = list(catalogue())
    intro = next(text for text in texts if text.key == "response.utter_intro")
    changed = PatientText(intro.key, intro.where, {**intro.wording, "zh": intro.wording["zh"] + "。"}, intro.buttons)
    edited = [changed if text.key == intro.key else text for text in texts]
    assert changed.version("zh") != intro.version("zh") and changed.version("en") == intro.version("en")
    assert set_version(edited, "zh") != set_version(texts, "zh")
    assert set_version(edited, "en") == set_version(texts, "en")


def test_a_button_title_is_part_of_the_version() -> None:
    one = PatientText("k", "w", {"zh": "好吗？"}, {"zh": (("是", "/affirm"),)})
    other = PatientText("k", "w", {"zh": "好吗？"}, {"zh": (("对", "/affirm"),)})
    assert one.version("zh") != other.version("zh")


def test_the_chinese_consent_version_follows_its_own_wording(tmp_path: Path) -> None:
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    zh = domain["responses"]["utter_ask_consent"][0]
    assert zh["condition"] == [{"type": "slot", "name": "language", "value": "zh"}]
    zh["text"] = zh["text"].replace("删除我的信息", "删除我的回答")
    edited = tmp_path / "domain.yml"
    edited.write_text(yaml.safe_dump(domain, allow_unicode=True), encoding="utf-8")
    assert consent_version("zh", edited) != consent_version("zh")
    assert consent_version("en", edited) == consent_version("en")
