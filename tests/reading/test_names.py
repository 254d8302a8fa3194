"""Names as patients and family members type them, in English and Chinese (no Rasa)."""

from __future__ import annotations

import pytest

from bot.reading import declines_name, keeps_nothing, read_name, read_name_and_contact

NAMES = [
    # English and other Latin names, as typed, without "my name is"
    ("Li Wei", "Li Wei"), ("my name is Mary Smith", "Mary Smith"), ("I'm O'Brien", "O'Brien"),
    ("María José García", "María José García"), ("Jean-Luc Picard", "Jean-Luc Picard"),
    # pinyin, with or without a Chinese or English prefix
    ("Wang Jianguo", "Wang Jianguo"), ("wang jianguo", "wang jianguo"), ("我叫Wang Jianguo", "Wang Jianguo"),
    ("我叫 Mary Smith", "Mary Smith"),
    # two to four Han characters
    ("李娜", "李娜"), ("王建国", "王建国"), ("欧阳娜娜", "欧阳娜娜"), ("王芳", "王芳"), ("李娜。", "李娜"),
    ("王 建国", "王建国"),
    # the prefix goes, the name stays
    ("我叫王建国", "王建国"), ("我是王建国", "王建国"), ("叫我老王", "老王"), ("你好，我叫李娜", "李娜"),
    ("本人王建国", "王建国"), ("名字：张伟", "张伟"), ("我的名字是张伟", "张伟"), ("姓名：欧阳娜娜", "欧阳娜娜"),
    ("我爸叫王建国", "王建国"), ("我妈妈的名字叫李秀英", "李秀英"), ("病人叫王建国", "王建国"),
    ("my name is 王建国", "王建国"), ("I am 李娜", "李娜"),
    # a surname with a title, as typed; a surname alone after 姓
    ("王先生", "王先生"), ("李阿姨", "李阿姨"), ("王建国先生", "王建国先生"), ("欧阳女士", "欧阳女士"),
    ("张老师", "张老师"), ("我姓王", "王"), ("姓欧阳", "欧阳"), ("我姓李。", "李"),
    # names with a middle dot (Uyghur, transliterated)
    ("阿卜杜·热合曼", "阿卜杜·热合曼"),
    # the name in a sentence's last clause, after 叫
    ("联系我就行，我是他女儿，叫刘婷", "刘婷"), ("叫刘婷", "刘婷"), ("我是他儿子，名字叫王强", "王强"),
]


@pytest.mark.parametrize(("text", "name"), NAMES)
def test_names(text: str, name: str) -> None:
    assert read_name(text) == name


NOT_NAMES = [
    # sentences, answers and refusals
    "我不想告诉你名字", "不想说", "没有", "是的", "好的", "你好", "谢谢", "跳过", "不知道", "我是他女儿",
    "张三丰是我爸", "我是王建国的女儿", "王建国（患者）", "我叫王建国，电话13800138000", "我叫王", "先生",
    "联系我就行，我是他女儿", "好的，叫什么都行",
    "I'd rather not say", "skip", "why do you need my name", "no",
    # digits, a phone number, an email address, HTML, too long
    "13812345678", "138 1234 5678", "王建国1962", "a@b.com", "<img src=x onerror=alert(1)>", "<b>王建国</b>",
    "", "x" * 200, "王" * 12,
]


@pytest.mark.parametrize("text", NOT_NAMES)
def test_not_names(text: str) -> None:
    assert read_name(text) is None


@pytest.mark.parametrize(
    ("text", "declines"),
    [
        ("I'd rather not say", True), ("prefer not to give my name", True), ("skip", True),
        ("that's private", True), ("我不想告诉你名字", True), ("不想说", True), ("保密", True), ("不方便透露", True),
        ("匿名", True), ("跳过", True), ("名字就不留了吧", True), ("名字还是不写了", True),
        ("王建国", False), ("Li Wei", False), ("我叫李娜", False), ("why do you need my name", False), ("没有", False),
    ],
)
def test_declines_name(text: str, declines: bool) -> None:
    assert declines_name(text) is declines


@pytest.mark.parametrize(("text", "language", "name", "contact"), [
    # a name and an e-mail or phone typed together at the other-studies offer (v_offer_name_and_email)
    ("Margaret Hill, mhill@outlook.com", "en", "Margaret Hill", "mhill@outlook.com"),
    ("Margaret Hill mhill@outlook.com", "en", "Margaret Hill", "mhill@outlook.com"),
    ("mhill@outlook.com - Margaret Hill", "en", "Margaret Hill", "mhill@outlook.com"),
    ("my name is Tan Ah Kow and my email is tan.ahkow@gmail.com", "en", "Tan Ah Kow", "tan.ahkow@gmail.com"),
    ("I'm Priya Sharma, phone +91 98765 43210", "en", "Priya Sharma", "+919876543210"),
    ("张美华 13812345678", "zh", "张美华", "+8613812345678"),
    ("张美华，电话：138 1234 5678", "zh", "张美华", "+8613812345678"),
    ("我叫陳美玲，手機13812345678", "zh", "陳美玲", "+8613812345678"),
    ("王建国 wangjg@163.com", "zh", "王建国", "wangjg@163.com"),
])
def test_a_name_and_a_contact_typed_together(text: str, language: str, name: str, contact: str) -> None:
    assert read_name_and_contact(text, language) == (name, contact)


@pytest.mark.parametrize(("text", "language"), [
    ("mhill@outlook.com", "en"),  # the contact alone: read as a contact, asked for the name after
    ("Margaret Hill", "en"),
    ("yes please, mhill@outlook.com or 07700 900123", "en"),  # two contacts
    ("yes please, you can email me at mhill@outlook.com", "en"),  # a sentence, no name
    ("no thanks, I don't want to be contacted", "en"),
    ("13812345678", "zh"),
    ("好的，13812345678", "zh"),
])
def test_no_name_and_contact_read_where_there_is_none(text: str, language: str) -> None:
    assert read_name_and_contact(text, language) is None


@pytest.mark.parametrize(("text", "nothing_kept"), [
    # the other-studies read-back: a no that takes the permission back (v_offer_email_then_no) ...
    ("no actually don't keep it", True), ("no, don't store my details", True), ("forget it", True),
    ("never mind, I changed my mind", True), ("not interested any more, sorry", True),
    ("算了，不要保存了", True), ("不用留了", True), ("算了，不要了", True), ("唔好保存", True), ("唔使留喇", True),
    ("唔好留我啲資料", True),
    # ... and a no that asks to fix the details, or brings new ones, or says yes
    ("no, the email is wrong", False), ("no it's a typo", False), ("no, change the number", False),
    ("写错了", False), ("no, it's mhill@outlook.com", False), ("yes", False), ("no", False), ("keep them", False),
])
def test_keeping_nothing_at_the_other_studies_read_back(text: str, nothing_kept: bool) -> None:
    assert keeps_nothing(text) is nothing_kept
