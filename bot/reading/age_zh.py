"""What a Chinese answer to "您今年多大年纪？" says: ages, birth dates, 虚岁, vague or future ages. No Rasa here.

`read_age` (bot/reading/age.py) decides from these parts with the same rules as for English; this
module only knows how Chinese writes them: 六十二岁, 1962年3月出生, 62年生的 (a two-digit birth year,
19xx), 民国50年次 (a Minguo year, 1961, as Taiwan writes it), 虚岁63 (nominal age, one more than the real
one), 下个月满七十 (69 today), 六十多岁 (vague).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.reading.chinese import fold_width, numerals_to_digits

# Not an exact age: 六十多岁, 七十出头, 快七十了, 五六十, 六十七八岁, 60后, 超过18, 成年了, 年纪大了.
_VAGUE = re.compile(
    r"多岁|[十\d]多|来岁|出头|好几|[快奔]|将近|接近|差不多|左右|上下|以上|以下|超过|不到|不满|成年|年纪大|岁数大|"
    r"退休|[一二三四五六七八九]{2}十|十[一二三四五六七八九]{2}(?![年月号日])|\d\s*后|[〇零一二三四五六七八九]{2}后"
)
# Typed on a phone: 62遂 / 68随 / 六十八碎 for 岁, 六十把岁 for 六十八岁.
_TYPOS = ((re.compile(r"(?<=[\d十])\s*[遂随碎]"), "岁"), (re.compile(r"(?<=十)把(?=岁)"), "八"))
# 1962年3月5日, 1962.03.05, 1962-3, 1962年, and 62年 (a two-digit birth year, 19xx).
_DATE = re.compile(
    r"(?<!\d)(?:(?P<year>\d{4})\s*(?:年|[./\-](?=\d))|(?P<short>\d{2})\s*年)\s*"
    r"(?:(?P<month>\d{1,2})\s*(?:月份?|[./\-])\s*(?:(?P<day>\d{1,2})\s*[日号]?)?)?"
)
# A Minguo (Republic of China, Taiwan) year: 民国50年次 / 民国五十年生 is 1961 (year 1 is 1912).
_MINGUO = re.compile(r"民[国國]\s*(?P<year>\d{1,3})\s*年\s*(?:(?P<month>\d{1,2})\s*月份?)?")
MINGUO_YEAR_ZERO = 1911
_NUMBER = re.compile(r"(?<!\d)\d{1,4}(?!\d)")
# After a number, a duration, a count, a date part or a dose, not an age.
_NOT_AN_AGE_AFTER = re.compile(
    r"^\s*(?:个|次|月|号|日|天|周(?!岁)|星期|礼拜|点|斤|公斤|万|块|元|期|型|毫克|mg|cm|厘米|%|年)"
)
# Before a number, a time still to come: 下个月满七十, 九月份就满七十, 十二月满七十五.
_FUTURE_BEFORE = re.compile(r"(?:下个?月|下周|下星期|下礼拜|明年|年底|月底|过几天|\d+\s*月份?)[^\d]*$")
_NOMINAL_BEFORE = re.compile(r"虚岁\s*$")


@dataclass
class ChineseAge:
    """The parts of a Chinese answer that can say an age."""

    vague: bool = False
    ages: list[int] = field(default_factory=list)
    future: list[int] = field(default_factory=list)  # the age at a birthday still to come
    nominal: list[int] = field(default_factory=list)  # 虚岁
    births: list[tuple[int, int | None, int | None]] = field(default_factory=list)
    impossible_year: bool = False


def parse_chinese_age(text: str, today: date) -> ChineseAge:
    """The ages, birth dates and hedges in a Chinese answer, numerals read as digits."""
    parts = ChineseAge()
    text = fold_width(text)
    for pattern, replacement in _TYPOS:
        text = pattern.sub(replacement, text)
    if _VAGUE.search(text):
        parts.vague = True
        return parts
    text = numerals_to_digits(text)
    for clause in re.split(r"[,;:!?，；：！？。\s]+", text):
        for match in _MINGUO.finditer(clause):
            year = MINGUO_YEAR_ZERO + int(match.group("year"))
            month = int(match.group("month")) if match.group("month") else None
            if not 1900 <= year <= today.year:
                parts.impossible_year = True
                continue
            parts.births.append((year, month if month is None or 1 <= month <= 12 else None, None))
        clause = _MINGUO.sub(" ", clause)
        for match in _DATE.finditer(clause):
            if match.group("year"):
                year = int(match.group("year"))
            else:
                year = 2000 + int(match.group("short"))
                year = year if year <= today.year else year - 100
            if not 1900 <= year <= today.year:
                parts.impossible_year = True
                continue
            month = int(match.group("month")) if match.group("month") else None
            day = int(match.group("day")) if match.group("day") else None
            if month is not None and not 1 <= month <= 12:
                month, day = None, None
            parts.births.append((year, month, day if day is None or 1 <= day <= 31 else None))
        clause = _DATE.sub(" ", clause)
        for match in _NUMBER.finditer(clause):
            number, before, after = int(match.group(0)), clause[: match.start()], clause[match.end():]
            if _NOT_AN_AGE_AFTER.match(after):
                continue
            if number >= 1000:
                if 1900 <= number <= today.year:
                    parts.births.append((number, None, None))
                else:
                    parts.impossible_year = True
            elif _NOMINAL_BEFORE.search(before):
                parts.nominal.append(number)
            elif _FUTURE_BEFORE.search(before):
                parts.future.append(number)
            else:
                parts.ages.append(number)
    return parts
