"""How real patients and their families write: the readers on phrasings found by playing whole conversations
(tests/e2e/patient_conversations.yml). Each row was misread before it was added here."""

from __future__ import annotations

from datetime import date

import pytest

from bot.reading import (
    asks_what_is_meant,
    belief_about_records,
    declines_to_answer,
    is_skip,
    read_age,
    read_email,
    read_name,
    read_phone,
    read_yes_no,
)
from bot.trial.criteria import load_criteria

CRITERIA = load_criteria()
TODAY = date(2026, 11, 25)


def words(check_id: str) -> dict:
    return CRITERIA.check(check_id).words


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # symbols, Chinese, keys held down, typed for someone else
        ("👍", "yes"), ("👍🏻", "yes"), ("✅", "yes"), ("👎", "no"), ("❌", "no"), ("🤷", "unsure"), ("🤷‍♀️", "unsure"),
        ("是的", "yes"), ("是", "yes"), ("有", "yes"), ("不是", "no"), ("没有", "no"), ("无", "no"),
        ("我没有做过", "no"),
        ("不知道", "unsure"), ("我不清楚", "unsure"), ("不确定", "unsure"),
        ("yesss", "yes"), ("yeahhh", "yes"), ("noooo", "no"), ("YSE", "yes"),
        ("yes he has", "yes"), ("she did yes", "yes"), ("he doesn't", "no"), ("no she hasn't", "no"),
        # the answer first, then a story
        ("No. I did have a cold last week though", "no"), ("No, but my sister has lupus", "no"),
        ("Yes, in 2023.", "yes"), ("well, no", "no"),
        # declining is not a "no"
        ("I'd rather not say", "unsure"), ("skip", "unsure"), ("prefer not to answer", "unsure"),
        ("I don't want to answer that one", "unsure"), ("pass", "unsure"), ("that's private", "unsure"),
        # not knowing, in many words
        ("dont no", "unsure"), ("no one ever told me anything about that", "unsure"),
        ("the doctors never really said", "unsure"), ("I'd need to look at my papers", "unsure"),
        ("have to ask my wife she keeps the papers", "unsure"), ("yes and no", "unsure"), ("sort of", "unsure"),
        ("hmm", "unsure"),
        # and what must not change
        ("no i havent", "no"), ("not that i know of", "no"), ("nope", "no"), ("yeah i think so", "yes"),
        ("No, I never had that, as I said", "no"), ("ok then yes", "yes"),
    ],
)
def test_everyday_answers(text: str, value: str) -> None:
    reading = read_yes_no(text)
    assert reading is not None and reading.value == value, reading


@pytest.mark.parametrize("text", ["有一个问题", "我想用中文聊天", "thanks", "sorry", "I'm scared about all this"])
def test_not_an_answer(text: str) -> None:
    assert read_yes_no(text) is None


@pytest.mark.parametrize(
    ("check_id", "text", "value"),
    [
        ("crc_liver_mets", "we were told it spread to the liver in 2021", "yes"),
        ("crc_liver_mets", "it hasn't spread to the liver", "no"),
        ("primary_resected", "he had surgery in march, they said they got it all", "yes"),
        ("liver_mets_resected", "the bowel part yes, the liver part no", "unsure"),
        ("primary_resected", "surgery is booked for next month", "no"),
        ("primary_resected", "they haven't operated yet", "no"),
        ("liver_mets_resected", "I don't think they got all of it", "no"),  # hedged: the form makes it unsure
        ("liver_mets_resected", "they did surgery and ablation on the liver", "unsure"),
        ("liver_mets_resected", "they removed it but I'm not sure if completely", "unsure"),
        ("residual_disease", "no, last CT was clear", "no"),
        ("residual_disease", "the last scan wasn't clear, they are watching a spot", "unsure"),
        ("residual_disease", "I'm not sure it was clear", "unsure"),
        ("residual_disease", "I am fine now", "no"),
        ("residual_disease", "yes unfortunately it came back in the lung", "yes"),
        ("ctdna_positive", "my oncologist said the signatera test came back positive after chemo", "yes"),
        ("ctdna_positive", "no, I didn't have that test", "unsure"),
        ("ctdna_positive", "I don't think it was positive", "no"),
        ("ctdna_positive", "my doctor said the test found cancer DNA", "yes"),
        ("cea_expression", "my CEA is low now", "unsure"),
        ("cea_expression", "my blood CEA level was high", "unsure"),
        ("self_care", "yes i can do all that myself", "yes"),
        ("self_care", "mostly in bed these days", "no"),
        ("self_care", "can't complain", "yes"), ("self_care", "not too bad, I manage", "yes"),
        ("self_care", "I can't look after myself any more", "no"),
        ("viral_infection", "i had hepatitus b years ago but its gone now", "unsure"),
        ("viral_infection", "all my blood tests were negative", "no"),
        ("uncontrolled_infection", "no, not any more, it's under control", "no"),
        ("uncontrolled_infection", "it's not under control", "unsure"),
        ("immunosuppressants", "only dexamethasone with my chemo", "unsure"),
        ("lung_disease", "i have mild asthma but nothing serious", "unsure"),
        ("pregnant_or_breastfeeding", "no, I'm a man", "no"),
        ("pregnant_or_breastfeeding", "male", "no"),
        ("pregnancy_plan", "no we are done having kids", "no"),
    ],
)
def test_question_words(check_id: str, text: str, value: str) -> None:
    reading = read_yes_no(text, words=words(check_id))
    assert reading is not None and reading.value == value, reading


def test_a_no_then_the_topic_again_is_left_for_review() -> None:
    reading = read_yes_no("no steroids but I drink herbal tea", words=words("immunosuppressants"), topic_mentioned=True)
    assert reading is not None and reading.value == "unsure"
    reading = read_yes_no("No, I had chemo but no CAR-T", words=words("prior_car_t"), topic_mentioned=True)
    assert reading is not None and reading.value == "no"


@pytest.mark.parametrize("text", ["no, my lungs are fine", "No. My heart is OK", "no, my liver tests were normal",
                                  "no - kidneys are healthy, no problems"])
def test_a_no_then_the_topic_said_to_be_well_is_a_no(text: str) -> None:
    reading = read_yes_no(text, topic_mentioned=True)
    assert reading is not None and reading.value == "no", reading


def test_beliefs_are_marked_as_hedged() -> None:
    for text in ("not that I know of", "I don't think so", "probably not", "I think it was negative",
                 "never heard of it"):
        reading = read_yes_no(text, words=words("ctdna_positive"))
        assert reading is not None and reading.hedged, text
    for text in ("no", "it was negative", "nope"):
        reading = read_yes_no(text, words=words("ctdna_positive"))
        assert reading is not None and not reading.hedged, text


@pytest.mark.parametrize(
    ("check_id", "text", "value"),
    [
        # a belief about a record-based result is not sure whichever way it leans (README, three-state rule)
        ("viral_infection", "I don't think so", "unsure"),
        ("residual_disease", "probably not", "unsure"),
        ("viral_infection", "not that I know of", "unsure"),
        ("liver_mets_resected", "I think they got it all", "unsure"),
        # a plain answer stands; so does a belief about something the patient knows first-hand
        ("viral_infection", "no", "no"),
        ("residual_disease", "no, last CT was clear", "no"),
        ("lung_disease", "I don't think so", "no"),
    ],
)
def test_a_belief_about_the_records_is_not_sure(check_id: str, text: str, value: str) -> None:
    reading = read_yes_no(text, words=words(check_id))
    assert reading is not None and belief_about_records(CRITERIA.check(check_id), reading).value == value, reading


def test_declining_and_asking_what_is_meant() -> None:
    assert declines_to_answer("I'd rather not say") and declines_to_answer("skip this one")
    assert not declines_to_answer("I skipped a chemo cycle") and not declines_to_answer("no")
    assert asks_what_is_meant("what do you mean by up and about?") and asks_what_is_meant("does a mini stroke count")
    assert asks_what_is_meant("can you repeat the question") and asks_what_is_meant("huh?")
    assert not asks_what_is_meant("no") and not asks_what_is_meant("I don't understand the result")


@pytest.mark.parametrize(
    ("text", "age"),
    [("my dad is 67", 67), ("62yo", 62), ("he's 70 y.o.", 70), ("Mum is seventy one this year", 71),
     ("六十五岁", 65), ("我父亲今年六十七岁", 67), ("62岁", 62), ("fine, 59", 59), ("58, diagnosed in 2022", 58)],
)
def test_ages_as_families_write_them(text: str, age: int) -> None:
    assert read_age(text, today=TODAY).age == age


@pytest.mark.parametrize("text", ["forty something", "60ish", "sixty odd", "60+"])
def test_approximate_ages_are_vague(text: str) -> None:
    assert read_age(text, today=TODAY).problem == "vague"


def test_contact_details_in_a_sentence() -> None:
    assert read_name("my dad's name is Wang Jun") == "Wang Jun"
    assert read_name("her name is Li Na") == "Li Na"
    assert read_name("Mr. Zhang") == "Mr. Zhang"
    for text in ("I'd rather not say", "why do you need my name", "skip"):
        assert read_name(text) is None, text
    assert read_phone("it's 138 1234 5678") == "13812345678"
    assert read_phone("you can call me on 138 1234 5678") == "13812345678"
    assert read_phone("call me maybe") is None
    assert read_email("you can email me at li.na@example.com") == "li.na@example.com"
    assert read_email("a b@c.com") is None
    assert is_skip("email only please") and is_skip("no phone") and is_skip("by email")
    assert not is_skip("call me on 138 1234 5678") and not is_skip("mornings")
