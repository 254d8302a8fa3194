"""Which reply a message gets when it does not simply answer the open question: an answer that cannot be
taken, a question only the study team can answer, "what do you mean?", "why was I ruled out?".

Replies are named by their response in domain.yml (or come from the criteria files): no patient text here.
"""

from __future__ import annotations

from typing import Any

from bot.languages import Language
from bot.reading.language import looks_unsupported
from bot.reading.requests import STOPPING_TREATMENT_TOPIC, stops_something_else
from bot.reading.side_questions import SideTopic, read_side_question
from bot.reading.text import MAX_ANSWER_CHARS
from bot.reading.yes_no import asks_what_is_meant, declines_to_answer
from bot.trial.criteria import Check, Criteria
from bot.trial.eligibility import evaluate

# Small talk that gets its own short reply when the answer can't be read; anything else
# unreadable (off-topic, gibberish) gets the question's own hint, which helps more.
UNREADABLE_REPLIES = {
    "greet": "utter_greet_again",
    "thank": "utter_welcome",
    "goodbye": "utter_goodbye_midway",
}
SIDE_QUESTION_OTHER = "utter_side_question_other"  # a question the assistant cannot answer during the questions
WHY_AND_EXAMPLE = "why_and_example"  # not a response: the question's own "why" and example (why_with_example)


def unreadable_reply(text: str, intent: str | None, default_response: str) -> str:
    """Why an answer was not taken: another language, too long, small talk, or the question's own hint."""
    if looks_unsupported(text):
        return "utter_language_not_supported"
    if len(text) > MAX_ANSWER_CHARS:
        return "utter_answer_too_long"
    return UNREADABLE_REPLIES.get(intent or "", default_response)


def is_small_talk(intent: str | None) -> bool:
    """Small talk with a reply of its own when it comes instead of an answer ("hello", "thanks", "bye")."""
    return intent in UNREADABLE_REPLIES


def age_reply(problem: str | None, text: str, intent: str | None) -> str:
    """The reply to an age that cannot be taken (`problem` as bot.reading.age reports it)."""
    if problem == "unreadable" and (declines_to_answer(text) or asks_what_is_meant(text)):
        return WHY_AND_EXAMPLE  # "I'd rather not say", "why?": why the age matters, then the question again
    if looks_unsupported(text) or (is_small_talk(intent) and problem == "unreadable"):
        return unreadable_reply(text, intent, "utter_invalid_age")
    if problem == "vague":  # "六十多岁", "快七十了": the limits are the reason to ask exactly
        return "utter_invalid_age_vague"
    if problem in ("impossible", "birthday", "several"):
        return f"utter_invalid_age_{problem}"
    return unreadable_reply(text, intent, "utter_invalid_age")


def side_topic(text: str, topic: SideTopic) -> str:
    """The topic's id, except that "must I stop my chemo tablets?" is about the patient's treatment, not
    about leaving the study one day."""
    return STOPPING_TREATMENT_TOPIC if stops_something_else(text) else topic.value


def study_team_reply(topic: str) -> str:
    """ "The study team will tell you" for a topic only they can answer (cost, travel, duration...)."""
    return f"utter_study_team_will_tell_{topic}"


def study_team_topic(text: str) -> str | None:
    """The topic of a question only the study team can answer (cost, payment, travel, living in Shanghai,
    duration, stopping, a family member, stopping a treatment); None for any other message."""
    side = read_side_question(text)
    if side is None:
        return None
    topic = side_topic(text, side.topic)
    return None if topic == SideTopic.OTHER.value else topic


def joined_sentences(sentences: list[str]) -> str:
    """Sentences as one text: a space after an English sentence, none after a Chinese one (。？)."""
    text = ""
    for sentence in filter(None, sentences):
        text += sentence if not text or not text[-1].isascii() else " " + sentence
    return text


def why_with_example(check: Check, language: Language) -> str:
    """ "What do you mean?": why the question is asked, then how to answer it."""
    texts = check.texts(language)
    return joined_sentences([texts.why, texts.example])


def rule_out_reasons(criteria: Criteria, answers: dict[str, Any], language: Language) -> str | None:
    """Which rules of the study the answers met, in the patient's language; None when none did."""
    failed = evaluate(criteria, answers).failed
    if not failed:
        return None
    return joined_sentences([criteria.check(result.check_id).texts(language).why for result in failed])
