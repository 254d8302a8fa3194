"""The criteria's Chinese texts: one per check and field, refused at load when one is missing or wrong."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from bot.trial.criteria import CRITERIA_FILE, CheckTexts, load_criteria, parse_criteria, translation_files
from bot.trial.eligibility import read_back

CRITERIA = load_criteria()
ENGLISH = yaml.safe_load(CRITERIA_FILE.read_text(encoding="utf-8"))
CHINESE = yaml.safe_load(CRITERIA_FILE.with_name("nct05240950.zh.yml").read_text(encoding="utf-8"))


def test_the_chinese_file_is_found_beside_the_criteria() -> None:
    assert translation_files() == {"zh": CRITERIA_FILE.with_name("nct05240950.zh.yml")}
    assert CRITERIA.languages == ("en", "zh")


@pytest.mark.parametrize("check", CRITERIA.checks, ids=lambda check: check.id)
def test_every_check_has_its_chinese_texts(check) -> None:
    english, chinese = check.texts("en"), check.texts("zh")
    assert english == CheckTexts(check.question, check.why, check.example, check.read_back, check.buttons)
    for name in ("question", "why", "example", "read_back"):
        assert bool(getattr(english, name)) == bool(getattr(chinese, name)), name
        # written in Chinese, not left in English (the terms kept in Latin letters and placeholders aside)
        assert not re.search(r"[a-z]", re.sub(r"ctDNA|CAR-T|\{\w+\}", "", getattr(chinese, name))), name
    assert [b.payload for b in chinese.buttons] == [b.payload for b in english.buttons]
    assert "  " not in chinese.question and " ，" not in chinese.why  # folded YAML lines joined without spaces


def test_an_unknown_language_is_an_error_not_english() -> None:
    with pytest.raises(KeyError, match="fr"):
        CRITERIA.check("age").texts("fr")


def test_the_read_back_is_in_the_language_asked() -> None:
    assert read_back(CRITERIA, "age", 80) == "you are 80 years old"
    assert read_back(CRITERIA, "age", 80, "zh") == "您今年 80 岁"


def broken(change) -> dict[str, Any]:
    chinese = copy.deepcopy(CHINESE)
    change(chinese)
    return chinese


@pytest.mark.parametrize(("change", "message"), [
    (lambda zh: zh["checks"].pop("self_care"), "missing \\['self_care'\\]"),
    (lambda zh: zh["checks"].__setitem__("unknown_check", {"question": "？", "why": "。"}),
     "unknown \\['unknown_check'\\]"),
    (lambda zh: zh["checks"]["self_care"].pop("why"), "`why` is missing"),
    (lambda zh: zh["checks"]["prior_car_t"].pop("read_back"), "`read_back` is missing"),
    (lambda zh: zh["checks"]["age"].pop("example"), "`example` is missing"),
    (lambda zh: zh.pop("yes_no_example"), "`example` is missing"),
    (lambda zh: zh["checks"]["age"].__setitem__("read_back", "您今年岁"), "placeholders"),
    (lambda zh: zh["checks"]["ctdna_positive"]["buttons"].pop(), "payloads"),
    (lambda zh: zh["yes_no_buttons"].reverse(), "payloads"),
    (lambda zh: zh.__setitem__("language", "en"), "language: zh"),
    # the study team's words (issue 22): a label, what each answer says, the reasons and the status names
    (lambda zh: zh["checks"]["self_care"].pop("label"), "`label` is missing"),
    (lambda zh: zh["checks"]["self_care"]["says"].pop("unsure"), "`says` needs exactly"),
    (lambda zh: zh["reasons"].pop("not_asked"), "`reasons` needs exactly"),
    (lambda zh: zh["reasons"].__setitem__("age", "患者岁"), "placeholders"),
    (lambda zh: zh["statuses"].pop("needs_review"), "`statuses` needs a name"),
])
def test_a_missing_or_wrong_chinese_text_is_refused_at_load(change, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_criteria(copy.deepcopy(ENGLISH), {"zh": broken(change)})


def test_the_english_buttons_come_from_the_criteria_file() -> None:
    assert [b.title for b in CRITERIA.check("self_care").buttons] == ["Yes", "No", "Not sure"]
    with pytest.raises(ValueError, match="yes_no_buttons"):
        parse_criteria({key: value for key, value in ENGLISH.items() if key != "yes_no_buttons"})


def test_the_study_teams_words_are_in_the_language_asked() -> None:
    """The engine's reasons in English are the ones it stores; in Chinese from nct05240950.zh.yml."""
    from bot.trial.eligibility import Verdict, explain, score_check

    age = CRITERIA.check("age")
    assert score_check(age, 59, CRITERIA).reason == explain(CRITERIA, age, 59, Verdict.MEETS, "en") == (
        "Patient is 59; the study takes ages 18 to 75.")
    assert explain(CRITERIA, age, 59, Verdict.MEETS, "zh") == "患者 59 岁；本研究接收 18 至 75 岁的患者。"
    check = CRITERIA.check("liver_mets_resected")
    assert explain(CRITERIA, check, "unsure", Verdict.UNKNOWN, "zh").endswith("需要查阅病历核实。")
    assert check.for_coordinator("zh").label == "肝转移灶已切除（R0 切除）"
    assert [CRITERIA.status_name("needs_review", lang) for lang in ("en", "zh")] == ["Needs review", "需人工审核"]
