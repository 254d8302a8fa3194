"""Readers of what patients type: yes/no/not sure, ages, contact details, requests (no Rasa).

One module per thing read (`yes_no`, `age`, `contact`, `requests`, `text` for cleaning, `words` for
the word lists kept as data); everything a caller needs is importable from `bot.reading` itself.
"""

from bot.reading.age import AgeReading, read_age
from bot.reading.contact import (
    MAX_CONTACT_TIME_CHARS,
    MAX_NAME_CHARS,
    declines_name,
    is_skip,
    read_contact_time,
    read_email,
    read_email_named,
    read_name,
    read_name_and_contact,
    read_phone,
    read_wechat,
    read_wechat_named,
)
from bot.reading.language import language_request
from bot.reading.requests import (
    QUESTION_INTENTS,
    REQUEST_INTENTS,
    asks_to_start_over,
    asks_to_withdraw,
    asks_why,
    clearly_requested,
    is_question,
    is_side_request,
    is_tapped,
)
from bot.reading.text import MAX_ANSWER_CHARS, clean_text, normalise
from bot.reading.words import (
    consent_words,
    contact_confirmation_words,
    contact_ok_words,
    keeps_nothing,
    other_studies_words,
    says_yes_in_words,
)
from bot.reading.yes_no import (
    INTENT_VALUES,
    MIN_INTENT_CONFIDENCE,
    YesNoReading,
    asks_what_is_meant,
    belief_about_records,
    declines_to_answer,
    read_yes_no,
)

__all__ = [
    "INTENT_VALUES", "MAX_ANSWER_CHARS", "MAX_CONTACT_TIME_CHARS", "MAX_NAME_CHARS", "MIN_INTENT_CONFIDENCE",
    "QUESTION_INTENTS", "REQUEST_INTENTS", "AgeReading", "YesNoReading", "asks_to_start_over", "asks_to_withdraw",
    "asks_what_is_meant", "asks_why", "belief_about_records", "clean_text", "clearly_requested", "consent_words",
    "contact_confirmation_words", "contact_ok_words", "declines_name", "declines_to_answer", "is_question",
    "is_side_request", "is_skip", "is_tapped", "keeps_nothing", "language_request", "normalise",
    "other_studies_words", "read_age", "read_contact_time", "read_email", "read_email_named", "read_name",
    "read_name_and_contact", "read_phone", "read_wechat", "read_wechat_named", "read_yes_no", "says_yes_in_words",
]
