"""Patients' own questions ("do I have to live in Shanghai?", "要钱吗？") and their topics, and the answers that
only look like questions. The phrasings are in side_questions.yml, beside this file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.reading.side_questions import SideQuestion, SideTopic, is_hesitant_answer, is_question, read_side_question

TABLE = yaml.safe_load(Path(__file__).with_name("side_questions.yml").read_text(encoding="utf-8"))
CJK = re.compile(r"[\u4e00-\u9fff]")
QUESTIONS = [
    (text, topic) for topic, texts in TABLE["questions"].items() if topic != "after_answer" for text in texts
]


@pytest.mark.parametrize(("text", "topic"), QUESTIONS)
def test_a_question_and_its_topic(text: str, topic: str) -> None:
    assert read_side_question(text) == SideQuestion(SideTopic(topic))
    assert is_question(text)


@pytest.mark.parametrize(("text", "topic", "answer"), TABLE["questions"]["after_answer"])
def test_an_answer_then_a_question(text: str, topic: str, answer: str) -> None:
    assert read_side_question(text) == SideQuestion(SideTopic(topic), after_answer=True, answer_text=answer)


@pytest.mark.parametrize("text", TABLE["not_questions"])
def test_an_answer_is_not_a_question(text: str) -> None:
    assert read_side_question(text) is None
    assert not is_question(text)


@pytest.mark.parametrize(("text", "hesitant"), [
    ("yes?", True), ("no??", True), ("not sure?", True), ("negative?", True), ("阴性？", True), ("没有？", True),
    ("yes", False), ("cost?", False), ("is it?", False), ("要钱吗？", False),
])
def test_a_short_answer_with_a_question_mark_is_hesitant(text: str, hesitant: bool) -> None:
    assert is_hesitant_answer(text) is hesitant


def test_full_width_question_mark() -> None:
    assert read_side_question("治疗要多久？") == SideQuestion(SideTopic.DURATION)
    assert read_side_question("how long？") == SideQuestion(SideTopic.DURATION)


def test_topics_are_string_ids() -> None:
    assert {topic.value for topic in SideTopic} == {
        "cost", "payment", "travel", "residence", "duration", "withdrawal", "companion", "other",
    }


def test_the_table_covers_both_languages() -> None:
    """At least 30 questions with their topics and 20 answers that are not questions, per language."""
    questions = [text for text, _ in QUESTIONS] + [row[0] for row in TABLE["questions"]["after_answer"]]
    for texts, least in ((questions, 30), (TABLE["not_questions"], 20)):
        assert sum(1 for text in texts if CJK.search(text)) >= least
        assert sum(1 for text in texts if not CJK.search(text)) >= least
