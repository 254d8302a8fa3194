"""Which language a conversation is in: requests, scripts, and the rule for switching."""

from __future__ import annotations

import pytest

from bot.reading.language import choose_language, language_request, looks_chinese, looks_unsupported, pick_language

REQUESTS = [
    ("说中文", "zh"), ("请用中文", "zh"), ("能说中文吗？", "zh"), ("中文", "zh"), ("中文吧", "zh"), ("用中文吧", "zh"),
    ("我看不懂英文", "zh"), ("可以换成中文吗", "zh"), ("讲普通话", "zh"),
    ("Chinese please", "zh"), ("in Chinese", "zh"),
    ("English please", "en"), ("english", "en"), ("in English please", "en"), ("Can we do this in English?", "en"),
    ("用英文", "en"), ("说英语", "en"), ("英文", "en"), ("do you speak English", "en"), ("请用英语", "en"),
    ("能说中文吗", "zh"), ("可以讲普通话吗？", "zh"),
    ("in English", "en"), ("can you speak English?", "en"), ("英语", "en"), ("换成英文吧", "en"),
    # not a request: a negation, a question about both, an answer
    ("不用说中文", None), ("中文还是英文？", None), ("是的", None), ("yes", None), ("I'm 62", None),
    ("don't switch to English", None), ("没有", None), ("/affirm", None),
    # a story that mentions a language in passing switches nothing
    ("my daughter reads English and Chinese", None),
    ("我女儿在英国读书，英语很好，她说这个研究很好，让我来问问，我现在已经做完了化疗，想知道能不能参加", None),
    ("我是中国人，在上海住了很多年，看病都是在长海医院，医生说我英文很好" * 2, None),
]


@pytest.mark.parametrize(("text", "wanted"), REQUESTS)
def test_language_request(text: str, wanted: str | None) -> None:
    assert language_request(text) == wanted


CHINESE = [
    ("是的", True), ("我做过CAR-T吗？不确定", True), ("CEA 阳性", True), ("６２岁", True), ("我爸今年67", True),
    ("yes", False), ("I live in 上海", False), ("CAR-T", False), ("62", False), ("はい、そうです", False),
]


@pytest.mark.parametrize(("text", "chinese"), CHINESE)
def test_looks_chinese(text: str, chinese: bool) -> None:
    assert looks_chinese(text) is chinese


@pytest.mark.parametrize(("text", "unsupported"), [
    ("はい、そうです", True), ("네 맞아요", True), ("да", True), ("日本語で話してください、お願いします", True),
    ("是的", False), ("yes", False), ("👍", False), ("62", False),
])
def test_looks_unsupported(text: str, unsupported: bool) -> None:
    assert looks_unsupported(text) is unsupported


# (text, current, page, first typed, tapped) -> language
CHOICES = [
    # the page's greeting sets the page's language; a tapped button changes nothing
    ("/greet", None, "zh", False, True, "zh"),
    ("/greet", None, None, False, True, "en"),
    ("/affirm", "zh", "en", False, True, "zh"),
    # a first message in Chinese on an English page, and the other way round
    ("你好", "en", "en", True, False, "zh"),
    ("hello", "zh", "zh", True, False, "en"),
    ("Hi, I'd like to know about the study", "zh", "zh", True, False, "en"),
    # mid-way: Chinese switches, a short English word does not, an English sentence does
    ("没有", "en", "en", False, False, "zh"),
    ("ok", "zh", "zh", False, False, "zh"),
    ("CAR-T", "zh", "zh", False, False, "zh"),
    ("yes", "zh", "zh", False, False, "zh"),
    ("62", "zh", "zh", False, False, "zh"),
    ("I have not had the surgery yet", "zh", "zh", False, False, "en"),
    # asking
    ("English please", "zh", "zh", False, False, "en"),
    ("说中文", "en", "en", False, False, "zh"),
    # another language keeps the conversation's
    ("はい", "zh", "en", False, False, "zh"),
]


@pytest.mark.parametrize(("text", "current", "page", "first", "tapped", "wanted"), CHOICES)
def test_choose_language(text: str, current: str | None, page: str | None, first: bool, tapped: bool,
                         wanted: str) -> None:
    assert choose_language(text, current=current, page=page, first_typed=first, tapped=tapped) == wanted  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "wanted"), [
    ("zh", "zh"), ("zh-CN", "zh"), ("ZH_cn", "zh"), ("en-GB", "en"), ("fr", None), (None, None), (3, None), ("", None),
])
def test_pick_language(value: object, wanted: str | None) -> None:
    assert pick_language(value) == wanted
