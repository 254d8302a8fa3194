"""Chinese text helpers shared by the readers: Han detection and Chinese numerals to digits. No Rasa here."""

from __future__ import annotations

import re
import unicodedata

from bot.languages import SCRIPTS

# Any Han character (CJK unified, extension A, compatibility ideographs): the one class every reader uses.
HAN_CHARS = SCRIPTS["han"]
HAN = re.compile(f"[{HAN_CHARS}]")
DIGIT_CHARS = {
    "〇": 0, "零": 0, "洞": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9,
}
_DIGIT = "〇零一二两三四五六七八九"
_HUNDREDS = re.compile(rf"([一二两三四五六七八九])百(?:零?([{_DIGIT}]?)十)?([一二三四五六七八九]?)")
_TENS = re.compile(r"([一二两三四五六七八九]?)十有?([一二三四五六七八九]?)")
# Digit by digit before 年 or 后: 一九六二年, 五八年, 二〇〇〇年, 八零后.
_YEAR_DIGITS = re.compile(rf"[{_DIGIT}]{{2,4}}(?=年|后)")
# A single numeral before a unit: 三个月, 八次, 九月份, 两年.
_SINGLE = re.compile(rf"[{_DIGIT}](?=个|次|月|号|日|年|周|天|岁|点|期)")


def has_han(text: str) -> bool:
    """Whether the text holds any Chinese character."""
    return bool(HAN.search(text))


def fold_width(text: str) -> str:
    """Full-width digits, letters and punctuation (１３８，？) as ASCII; 、 as a comma, 。 as a full stop."""
    return unicodedata.normalize("NFKC", text).replace("、", ",").replace("。", ".")


def numerals_to_digits(text: str) -> str:
    """ "六十五岁" -> "65岁", "一九六四年" -> "1964年", "两千年" -> "2000年", "一百五十" -> "150", "三个月" -> "3个月".

    Only numerals that count something are converted, so words such as 一下 or 一样 stay as they are.
    """

    def digits(match: re.Match[str]) -> str:
        return "".join(str(DIGIT_CHARS[ch]) for ch in match.group(0))

    def hundreds(match: re.Match[str]) -> str:
        high, tens, units = match.groups()
        value = DIGIT_CHARS[high] * 100 + (DIGIT_CHARS[tens] if tens else 0) * 10
        return str(value + (DIGIT_CHARS[units] if units else 0))

    def tens(match: re.Match[str]) -> str:
        high, low = match.groups()
        return str((DIGIT_CHARS[high] if high else 1) * 10 + (DIGIT_CHARS[low] if low else 0))

    text = re.sub(r"两千(?=年)", "2000", text)
    text = _YEAR_DIGITS.sub(digits, text)
    text = _HUNDREDS.sub(hundreds, text)
    text = _TENS.sub(tens, text)
    return _SINGLE.sub(digits, text)


def spoken_digits(text: str, at_least: int = 7) -> str:
    """A number read out digit by digit (一三九，一二三四，五六七八; 幺 for one) as ASCII digits."""
    run = re.compile(rf"[{_DIGIT}幺洞](?:[，,\s]*[{_DIGIT}幺洞]){{{at_least - 1},}}")
    return run.sub(lambda m: "".join(str(DIGIT_CHARS[ch]) for ch in m.group(0) if ch in DIGIT_CHARS), text)
