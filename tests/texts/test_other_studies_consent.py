"""The offer to hear about other studies is a consent of its own: its own version per language, following
its wording and the retention period it names, and a review-sheet text in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.texts import catalogue, consent_version, other_studies_consent_version
from bot.texts.catalogue import missing_languages
from bot.texts.responses import DOMAIN_FILE

OFFER = "utter_ask_other_studies_ok"


def test_each_language_has_its_own_version_apart_from_the_study_consent() -> None:
    english, chinese = other_studies_consent_version("en"), other_studies_consent_version("zh")
    assert re.fullmatch(r"other-studies-consent-[0-9a-f]{12}", english)
    assert english != chinese and len(english) <= 64  # the column's width
    assert english != consent_version("en")


def test_the_retention_period_is_part_of_the_version() -> None:
    assert other_studies_consent_version("en", retention_days=90) != other_studies_consent_version("en",
                                                                                                 retention_days=180)


def test_the_version_follows_its_own_wording_in_its_own_language(tmp_path: Path) -> None:
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    english = domain["responses"][OFFER][1]
    english["text"] = english["text"].replace("then delete them", "then erase them")
    edited = tmp_path / "domain.yml"
    edited.write_text(yaml.safe_dump(domain, allow_unicode=True), encoding="utf-8")
    assert other_studies_consent_version("en", edited) != other_studies_consent_version("en")
    assert other_studies_consent_version("zh", edited) == other_studies_consent_version("zh")


def test_the_offer_says_what_why_how_long_and_how_to_withdraw_in_both_languages() -> None:
    texts = {text.key: text for text in catalogue() if "other_studies" in text.key}
    assert f"response.{OFFER}" in texts and "response.utter_other_studies_saved" in texts
    assert missing_languages(texts.values(), ["en", "zh"]) == {}
    offer = texts[f"response.{OFFER}"]
    for words in ("name", "phone number or e-mail", "other studies", "{retention_days} days", "optional",
                  "separate", "withdraw", "reference code"):
        assert words in offer.wording["en"], words
    for words in ("姓名", "电话号码或邮箱", "其他研究", "{retention_days} 天", "可选", "单独", "撤回", "编号"):
        assert words in offer.wording["zh"], words
