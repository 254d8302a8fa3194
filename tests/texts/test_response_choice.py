"""Rasa chooses the variation in the conversation's language, for every response and every state of the
other slots a condition names: checked with Rasa's own response generator, not a copy of its rules."""

from __future__ import annotations

import pytest
from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

from bot.texts.responses import language_of_variation, load_domain

DOMAIN = load_domain()
GENERATOR = TemplatedNaturalLanguageGenerator(DOMAIN["responses"])
CANDIDATES = ResponseVariationFilter(DOMAIN["responses"])  # what Rasa picks one of at random


@pytest.mark.parametrize("language", ["en", "zh", None])
@pytest.mark.parametrize("reference_code", [None, "PS-ABC123"])
@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_exactly_one_variation_in_the_conversations_language(name: str, language: str | None,
                                                             reference_code: str | None) -> None:
    slots = {"language": language, "reference_code": reference_code}
    chosen = CANDIDATES.responses_for_utter_action(name, "rest", slots)
    expected = "en" if language is None else language
    # one candidate: Rasa picks among several at random
    assert [language_of_variation(v) for v in chosen] == [expected]


def test_a_code_and_no_code_condition_cannot_be_combined_with_languages() -> None:
    """Why the hand-off quoting the code is a response of its own: with the language as a second condition,
    a "no code yet" variation and a "code" variation both match when there is no code, and Rasa picks at
    random."""
    zh = {"type": "slot", "name": "language", "value": "zh"}
    responses = {"utter_x": [
        {"condition": [zh, {"type": "slot", "name": "reference_code", "value": None}], "text": "没有编号"},
        {"condition": [zh], "text": "编号 {reference_code}"},
        {"text": "code {reference_code}"},
    ]}
    chosen = ResponseVariationFilter(responses).responses_for_utter_action(
        "utter_x", "rest", {"language": "zh", "reference_code": None})
    assert len(chosen) == 2


@pytest.mark.parametrize(("language", "words"), [("zh", "上海长海医院"), ("en", "Changhai Hospital")])
def test_the_hospital_is_named_in_the_patients_language(language: str, words: str) -> None:
    slots = {"language": language, "study_site": "Changhai Hospital", "study_site_zh": "上海长海医院"}
    message = GENERATOR.generate_from_slots("utter_intro", slots, "rest")
    assert message is not None and words in message["text"]
