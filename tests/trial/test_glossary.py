"""Every Chinese patient text uses the glossary's one term per concept (bot/trial/glossary.yml)."""

from __future__ import annotations

import pytest
import yaml

from bot.texts import catalogue
from bot.trial.criteria import CRITERIA_FILE

GLOSSARY = yaml.safe_load(CRITERIA_FILE.with_name("glossary.yml").read_text(encoding="utf-8"))["terms"]
CHINESE = {text.key: text.wording["zh"] for text in catalogue() if "zh" in text.wording}
TERMS = [term["zh"] for term in GLOSSARY]


def without_chosen_terms(text: str) -> str:
    """The text with every chosen term blanked, so that 微小残留病 inside 微小残留病灶（MRD） is not a variant."""
    for term in sorted(TERMS, key=len, reverse=True):
        text = text.replace(term, "□")
    return text


def test_the_glossary_is_well_formed() -> None:
    assert len(TERMS) == len(set(TERMS))
    for term in GLOSSARY:
        assert term["en"] and term["zh"] and term["avoid"], term
        assert term["zh"] not in term["avoid"], term


@pytest.mark.parametrize("term", GLOSSARY, ids=[t["en"] for t in GLOSSARY])
def test_no_chinese_text_uses_an_avoided_variant(term: dict) -> None:
    found = {key: variant for key, text in CHINESE.items() for variant in term["avoid"]
             if variant in without_chosen_terms(text)}
    assert not found, f"use {term['zh']!r} instead: {found}"


@pytest.mark.parametrize("term", GLOSSARY, ids=[t["en"] for t in GLOSSARY])
def test_every_term_is_used_by_some_chinese_text(term: dict) -> None:
    # a term nobody uses is a stale glossary entry (or a text that drifted to another word)
    assert any(term["zh"] in text for text in CHINESE.values()), term["zh"]


def test_the_check_catches_a_variant() -> None:
    assert "微小残留病" not in without_chosen_terms("也叫微小残留病灶（MRD）检测")
    assert "类固醇" in without_chosen_terms("您在用类固醇吗？")


def test_the_chinese_texts_are_read() -> None:
    assert len(CHINESE) > 150  # responses, the questions' texts and the chat page's words
