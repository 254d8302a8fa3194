"""Read an age from what a patient typed: digits, words, Chinese numerals, birth years and dates. No Rasa here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.reading.age_zh import ChineseAge, parse_chinese_age
from bot.reading.chinese import has_han
from bot.reading.normaliser import normalise_spoken, prepare
from bot.reading.text import normalise
from bot.trial.criteria import load_criteria

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_MONTHS = {
    name: number
    for number, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")),
        start=1,
    )
    for name in names
}
_VAGUE_AGE = re.compile(
    r"\b(early|mid|late|in my|about|around|roughly|nearly|almost|over|under)\b.*\b(\d0s|twenties|thirties|"
    r"forties|fifties|sixties|seventies|eighties|nineties)\b|\b\d0s\b|\b(twenties|thirties|forties|fifties|"
    r"sixties|seventies|eighties|nineties)\b"
)
_OLDEST_PLAUSIBLE_AGE = 120
_YOUNGEST_PLAUSIBLE_AGE = 10  # nobody younger is prescreening themselves for this study
_LOOKS_LIKE_CODE = re.compile(r"[<>{}=;$\\]|\w\(")


@dataclass(frozen=True)
class AgeReading:
    """An age in years, or why none could be read."""

    age: int | None
    problem: str | None = None  # "vague", "impossible", "several", "birthday" or "unreadable"


def _words_to_number(text: str) -> int | None:
    tokens = [t for t in re.split(r"[\s-]+", text) if t and t != "and"]
    total, seen = 0, False
    for token in tokens:
        if token in _TENS:
            total += _TENS[token]
            seen = True
        elif token in _UNITS:
            total += _UNITS[token]
            seen = True
        elif token == "hundred" and seen:
            total *= 100
        elif seen:
            break
    return total if seen else None


_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, "hundred"], key=len, reverse=True))
_SPELLED_RUN = re.compile(rf"\b(?:{_NUMBER_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_NUMBER_WORD}))*\b")
_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ORDINAL = r"(?:st|nd|rd|th)?"
_DATES = (
    # 23/08/1962, 23.8.1962, 8-23-1962 (day and month told apart only when one is over 12)
    re.compile(r"(?<![\d.])(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<year>\d{4})(?!\d)"),
    # 1962-08-23
    re.compile(r"(?<![\d.])(?P<year>\d{4})[/.\-](?P<month_number>\d{1,2})[/.\-](?P<day>\d{1,2})(?![\d.])"),
    # 23 August 1962, 5th of May 1970, 23-aug-1962
    re.compile(rf"(?<![\d.])(?P<day>\d{{1,2}}){_ORDINAL}(?:\s+of)?[\s\-]+(?P<month>{_MONTH_WORD})\b\.?,?[\s\-]+"
               rf"(?P<year>\d{{4}})(?!\d)"),
    # August 23rd, 1962 / March 1960 / Oct. 1961
    re.compile(rf"\b(?P<month>{_MONTH_WORD})\b\.?(?:\s+(?P<day>\d{{1,2}}){_ORDINAL})?,?(?:\s+of)?\s+(?P<year>\d{{4}})(?!\d)"),
)
_BORN_TWO_DIGITS = re.compile(r"\b(?:born|dob|d o b|birth)\b(?:\s+(?:in|on|year|is|was))*\s+'?(\d{2})(?![\d'])")
_APOSTROPHE_YEAR = re.compile(r"(?<![\w'])'(\d{2})\b")
_NUMBER = re.compile(r"(?<![\d.])\d{1,4}(?![\d.])")
# A number followed by one of these is a duration, a time or a dose, not an age.
_NOT_AN_AGE_AFTER = re.compile(
    r"^\s*(?:(?:years?|yrs?)\s+ago\b|(?:months?|weeks?|days?|hours?|cycles?|rounds?|times|sessions|kgs?|kilos?|lbs?|"
    r"pounds|cm|mm|am|pm|st|nd|rd|th|mg)\b)"
)
# "forty-something", "60ish", "60 odd", "60 plus": not an exact age.
_APPROXIMATE_AFTER = re.compile(r"^\s*(?:-?\s*something|ish|odd|plus|\+|or so|or something)\b|^\+")
_APPROXIMATE_BEFORE = re.compile(
    r"\b(?:over|under|above|below|more than|less than|at least|about|around|roughly|approximately|approx|nearly|"
    r"almost|close to|maybe|probably|perhaps|or so)\s*$"
)
_FUTURE_BEFORE = re.compile(r"(?:\bwill be|'ll be|\bll be|\bturning|\bturn|\bturns|\bgoing to be|\bgonna be)\s*$")
_FUTURE_AFTER = re.compile(
    rf"^\s*(?:next\b|in\s+(?:{_MONTH_WORD})\b|in\s+a\s+(?:few\s+)?(?:days?|weeks?|months?)\b|"
    r"in\s+\d+\s+(?:days?|weeks?|months?)\b|on\s+my\s+(?:next\s+)?birthday\b|this\s+coming\b|soon\b)"
)


def _spelled_to_digits(text: str) -> str:
    """ "sixty-eight" -> "68", "nineteen fifty eight" -> "1958"; single words under ten stay words."""

    def replace(match: re.Match[str]) -> str:
        tokens = [t for t in re.split(r"[\s-]+", match.group(0)) if t and t != "and"]
        if tokens[0] == "nineteen" and len(tokens) > 1 and tokens[1] in _TENS:
            rest = _words_to_number(" ".join(tokens[1:]))
            return str(1900 + (rest or 0))
        value = _words_to_number(match.group(0))
        if value is None or (value < 10 and not any(t in _TENS or t == "hundred" for t in tokens)):
            return match.group(0)
        return str(value)

    return _SPELLED_RUN.sub(replace, text)


def _birth_dates(text: str, today: date) -> tuple[list[tuple[int, int | None, int | None]], str]:
    """Dates of birth written as dates ("23/08/1962", "5th May 1970", "March 1960"), and the text without them."""
    found: list[tuple[int, int | None, int | None]] = []
    for pattern in _DATES:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            year, month, day = int(parts["year"]), None, None
            if parts.get("a"):
                a, b = int(parts["a"]), int(parts["b"])
                if a > 12 >= b:
                    month, day = b, a
                elif b > 12 >= a:
                    month, day = a, b
            elif parts.get("month_number"):
                month, day = int(parts["month_number"]), int(parts["day"])
            else:
                month = _MONTHS[parts["month"]]
                day = int(parts["day"]) if parts.get("day") else None
            if month is not None and not 1 <= month <= 12:
                month, day = None, None
            if day is not None and not 1 <= day <= 31:
                day = None
            found.append((year, month, day))
        text = pattern.sub(" ", text)
    return found, text


def _age_on(today: date, year: int, month: int | None, day: int | None,
            boundaries: tuple[int, int]) -> AgeReading:
    age = today.year - year
    if month is not None and (month < today.month or (month == today.month and day is not None and day <= today.day)):
        return _checked_age(age)
    if month is not None and (month > today.month or day is not None):
        return _checked_age(age - 1)
    low, high = boundaries
    if age - 1 < low <= age or age - 1 <= high < age:
        return AgeReading(None, "birthday")
    return _checked_age(age)


def read_age(text: str, today: date | None = None, boundaries: tuple[int, int] | None = None) -> AgeReading:
    """Age from "68", "I'm 68", "sixty-eight", "born in 1964", "born 5th March 1960" or "23/08/1962".

    A birth year alone is refused when the birthday decides which side of an age limit the
    patient is on; "mid-sixties" and "over 60" are refused as vague; "I'll be 70 in May" is 69;
    numbers that are durations ("2 years ago", "3 cycles") or other years ("surgery in 2023",
    when an age is also given) are not the age.
    The `boundaries` are the study's age limits (by default the criteria file's `age_range`).
    """
    today = today or date.today()
    boundaries = boundaries or load_criteria().age_range
    if _LOOKS_LIKE_CODE.search(text):
        return AgeReading(None, "unreadable")
    text = normalise_spoken(text)  # "六十五歲" as "六十五岁", "嗯，六十八" as "六十八"
    if has_han(text):
        return _from_chinese(parse_chinese_age(text, today), today, boundaries)
    if _VAGUE_AGE.search(normalise(text)) or re.search(r"(?<![\d+])\d{2}\s*\+(?!\s*\d)", text):
        return AgeReading(None, "vague")  # "mid-sixties", "60+"
    lowered = _spelled_to_digits(prepare(text))
    births, rest = _birth_dates(lowered, today)
    rest = re.sub(r"\d+[.,]\d+", " ", rest)  # decimals: a lab value, never an age
    normal = normalise(rest)
    born_years: list[int] = []
    for pattern in (_BORN_TWO_DIGITS, _APOSTROPHE_YEAR):
        for match in pattern.finditer(normal):
            two = int(match.group(1))
            born_years.append(2000 + two if 2000 + two <= today.year else 1900 + two)
        normal = pattern.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)].rstrip("'") + " ", normal)
    ages: list[int] = []
    future: list[int] = []
    approximate: list[int] = []
    out_of_range = False
    for match in _NUMBER.finditer(normal):
        number = int(match.group(0))
        before, after = normal[: match.start()], normal[match.end():]
        if _NOT_AN_AGE_AFTER.match(after):
            continue
        if number >= 1000:
            if 1900 <= number <= today.year:
                born_years.append(number)
            else:
                out_of_range = True
            continue
        if _APPROXIMATE_BEFORE.search(before) or _APPROXIMATE_AFTER.match(after):
            approximate.append(number)
        elif _FUTURE_BEFORE.search(before) or _FUTURE_AFTER.match(after):
            future.append(number)
        else:
            ages.append(number)
    if ages:
        return AgeReading(None, "several") if len(set(ages)) > 1 else _checked_age(ages[0])
    if future:
        return AgeReading(None, "several") if len(set(future)) > 1 else _checked_age(future[0] - 1)
    if approximate:
        return AgeReading(None, "vague")
    candidates = [(year, month, day) for year, month, day in births] + [(year, None, None) for year in born_years]
    if candidates:
        if len({year for year, _, _ in candidates}) > 1:
            return AgeReading(None, "several")
        dated = [c for c in candidates if c[1] is not None] or candidates
        return _age_on(today, *dated[0], boundaries)
    if out_of_range:
        return AgeReading(None, "impossible")
    return AgeReading(None, "unreadable")


def _checked_age(age: int) -> AgeReading:
    if age < _YOUNGEST_PLAUSIBLE_AGE or age > _OLDEST_PLAUSIBLE_AGE:
        return AgeReading(None, "impossible")
    return AgeReading(age)


def _from_chinese(parts: ChineseAge, today: date, boundaries: tuple[int, int]) -> AgeReading:
    """The age in a Chinese answer, by the English rules: an age said wins over a birth year."""
    if parts.vague:
        return AgeReading(None, "vague")
    for ages, offset in ((parts.ages, 0), (parts.future, 1)):
        if ages:
            return AgeReading(None, "several") if len(set(ages)) > 1 else _checked_age(ages[0] - offset)
    if parts.nominal:
        if len(set(parts.nominal)) > 1:
            return AgeReading(None, "several")
        # 虚岁 N is N-1 after this year's birthday and N-2 before it: ask when a limit lies between.
        older, younger = parts.nominal[0] - 1, parts.nominal[0] - 2
        low, high = boundaries
        if younger < low <= older or younger <= high < older:
            return AgeReading(None, "birthday")
        return _checked_age(older)
    if parts.births:
        if len({year for year, _, _ in parts.births}) > 1:
            return AgeReading(None, "several")
        dated = [birth for birth in parts.births if birth[1] is not None] or parts.births
        return _age_on(today, *dated[0], boundaries)
    return AgeReading(None, "impossible" if parts.impossible_year else "unreadable")
