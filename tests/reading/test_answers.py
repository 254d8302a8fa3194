"""Reading what patients type: yes/no/not sure, ages, names, phones, emails."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reading import (
    clean_text,
    is_skip,
    read_age,
    read_contact_time,
    read_email,
    read_name,
    read_phone,
    read_yes_no,
)

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"), ("Yeah", "yes"), ("yep", "yes"), ("yse", "yes"), ("I think so", "yes"),
        ("yes, hepatitis B", "yes"), ("I do", "yes"), ("yes I have", "yes"), ("probably", "yes"),
        ("no", "no"), ("nah", "no"), ("Nope.", "no"), ("not that I know of", "no"), ("probably not", "no"),
        ("I've never had CAR-T", "no"), ("i dont think so", "no"), ("I am not pregnant", "no"),
        ("not really", "no"), ("never", "no"), ("no i havent", "no"), ("Not at all", "no"),
        ("not sure", "unsure"), ("I don't know", "unsure"), ("dunno", "unsure"), ("no idea", "unsure"),
        ("I can't remember", "unsure"), ("maybe", "unsure"), ("I'd have to ask my doctor", "unsure"),
        ("haven't been told", "unsure"),
    ],
)
def test_yes_no_unsure(text: str, value: str) -> None:
    reading = read_yes_no(text)
    assert reading is not None and reading.value == value


def test_question_specific_words_win() -> None:
    words = {"no": ["clear"], "yes": ["positive"], "unsure": ["not tested"]}
    assert read_yes_no("my scan was clear", words=words).value == "no"
    assert read_yes_no("it came back positive", words=words).value == "yes"
    assert read_yes_no("it wasn't positive", words=words).value == "no"
    assert read_yes_no("I've not tested", words=words).value == "unsure"


def test_topic_mention_answers_the_question() -> None:
    assert read_yes_no("I had car-t cells in 2023", topic_mentioned=True).value == "yes"
    assert read_yes_no("we never did any car-t", topic_mentioned=True).value == "no"


def test_intent_decides_only_when_words_do_not() -> None:
    assert read_yes_no("absolutely correct", intent="deny", confidence=0.99).value == "yes"
    assert read_yes_no("hmm well", intent="affirm", confidence=0.3) is not None  # "hmm" is unsure
    assert read_yes_no("the thing", intent="affirm", confidence=0.9).value == "yes"
    assert read_yes_no("the thing", intent="affirm", confidence=0.4) is None
    assert read_yes_no("/deny", intent="deny", confidence=1.0).value == "no"


@pytest.mark.parametrize("text", ["asdfgh", "the weather", "", "   "])
def test_unreadable_is_none(text: str) -> None:
    assert read_yes_no(text) is None


@pytest.mark.parametrize(
    ("text", "age"),
    [("68", 68), ("I'm 68", 68), ("I am 68 years old", 68), ("sixty eight", 68), ("Sixty-eight", 68),
     ("seventy two", 72), ("born in 1964", 62), ("1958", 68), ("born in march 1960", 66),
     ("born December 1960", 65), ("age: 17", 17), ("I was born on 12/03/1964", 62), ("eighteen", 18)],
)
def test_ages(text: str, age: int) -> None:
    assert read_age(text, today=TODAY).age == age


@pytest.mark.parametrize(
    ("text", "problem"),
    [("mid-sixties", "vague"), ("in my sixties", "vague"), ("60s", "vague"), ("200", "impossible"),
     ("0", "impossible"), ("3", "impossible"), ("<img src=x onerror=alert(1)>", "unreadable"),
     ("born 1950", "birthday"), ("born 2008", "birthday"), ("I'm 68 or 69", "several"),
     ("old enough", "unreadable")],
)
def test_ages_refused(text: str, problem: str) -> None:
    reading = read_age(text, today=TODAY)
    assert reading.age is None and reading.problem == problem


@pytest.mark.parametrize(
    ("text", "phone"),
    [("138 1234 5678", "13812345678"), ("+86 138-1234-5678", "+8613812345678"), ("(021) 6543 2100", "02165432100"),
     ("my number is 07700 900123", "07700900123")],
)
def test_phones(text: str, phone: str) -> None:
    assert read_phone(text) == phone


@pytest.mark.parametrize("text", ["12345", "call me maybe", "1" * 20, "a@b.com"])
def test_not_phones(text: str) -> None:
    assert read_phone(text) is None


def test_emails() -> None:
    assert read_email("Me@Example.COM") == "Me@example.com"
    assert read_email("my email is li.wei+trial@qq.com") == "li.wei+trial@qq.com"
    assert read_email("邮箱是 li.na@example.com") == "li.na@example.com"
    assert read_email("我的邮箱：wang@163.com") == "wang@163.com"
    for bad in ("me@", "me at example dot com", "<script>@x.com", "a@b", "a b@c.com"):
        assert read_email(bad) is None


def test_skip_and_contact_time() -> None:
    assert is_skip("skip") and is_skip("No thanks") and is_skip("/deny") and not is_skip("mornings")
    assert read_contact_time("  weekday   mornings ") == "weekday mornings"
    assert read_contact_time("x" * 101) is None and read_contact_time("<b>") is None


@given(st.text(max_size=300))
def test_readers_never_crash_and_never_invent(text: str) -> None:
    reading = read_yes_no(text)
    assert reading is None or reading.value in ("yes", "no", "unsure")
    age = read_age(text, today=TODAY)
    assert age.age is None or 10 <= age.age <= 120
    name = read_name(text)
    assert name is None or ("<" not in name and len(name) <= 80)
    phone = read_phone(text)
    assert phone is None or 7 <= len(phone.lstrip("+")) <= 15
    assert len(clean_text(text)) <= 500


@pytest.mark.parametrize(
    ("text", "wechat"),
    [
        ("wxid_abc123", "wxid_abc123"), ("微信号：wxid_abc123", "wxid_abc123"), ("我的微信是 zhang_1962", "zhang_1962"),
        ("13800138000", "13800138000"), ("微信同手机号", "+8613800138000"),
        ("Same as my phone number", "+8613800138000"), ("微信就是这个手机号", "+8613800138000"),
        ("和我的手机号一样", "+8613800138000"), ("就是刚才的电话", "+8613800138000"),
        ("abc", None), ("1abcdefg", None), ("a" * 21, None), ("<script>", None), ("不知道", None),
    ],
)
def test_wechat(text: str, wechat: str | None) -> None:
    from bot.reading.contact import read_wechat

    assert read_wechat(text, phone="+8613800138000") == wechat


@pytest.mark.parametrize(
    ("text", "wechat", "email"),
    [
        # a WeChat ID or an email address named as one, given to another channel's question
        ("加我微信吧，微信号 zhouli_1962", "zhouli_1962", None), ("my WeChat is lina_1966", "lina_1966", None),
        ("邮箱是 li.na@example.com", None, "li.na@example.com"), ("email me at li@qq.com", None, "li@qq.com"),
        ("13912345678", None, None), ("微信就是手机号", None, None), ("li.na@example.com", None, None),
        ("没有邮箱", None, None), ("不用微信", None, None),
    ],
)
def test_channel_named(text: str, wechat: str | None, email: str | None) -> None:
    from bot.reading.contact import read_email_named, read_wechat_named

    assert read_wechat_named(text) == wechat
    assert read_email_named(text) == email


@pytest.mark.parametrize(
    ("text", "value"),
    [("电话号码写错了", "no"), ("名字错了", "no"), ("不对的", "no"), ("没错", "yes"), ("都对", "yes"), ("对", "yes")],
)
def test_contact_read_back_in_chinese(text: str, value: str) -> None:
    from bot.reading.words import contact_confirmation_words

    reading = read_yes_no(text, words=contact_confirmation_words())
    assert reading is not None and reading.value == value


@pytest.mark.parametrize("text", [
    "跳过", "没有", "不用", "不方便", "不用邮箱", "没有邮箱", "我没有微信", "邮箱就不用了",
    "不留电话了", "不用微信了，谢谢",
])
def test_chinese_skip(text: str) -> None:
    assert is_skip(text)


@pytest.mark.parametrize("text", [
    "邮箱是 li.na@example.com", "微信号 zhouli_1962", "我的手机是13912345678", "周末都行",
])
def test_chinese_channel_given_is_not_a_skip(text: str) -> None:
    assert not is_skip(text)
