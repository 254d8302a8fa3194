"""Mainland China phone numbers as patients type them, in E.164 (+86...). No Rasa here.

Mobiles are 11 digits starting 13-19; landlines are an area code with its trunk 0 (021 for
Shanghai, 010, 0571...) and a 7- or 8-digit local number. A local number without its area
code is not assumed to be in Shanghai, and a WeChat / QQ ID, an ID-card number or a service
number (10086) is not a phone number: all of these read as None.
"""

from __future__ import annotations

import re

from bot.reading.chinese import fold_width, spoken_digits

_MOBILE = re.compile(r"1[3-9]\d{9}")
# Area codes: 10 and 2x have 8-digit local numbers; three-digit codes (571, 512...) 7 or 8.
_LANDLINE = re.compile(r"(?:10|2\d)\d{8}|[3-9]\d{2}\d{7,8}")
# Digits with the separators people put between them: 138 0013 8000, (021)6543-2100, +86-139-...
_SPAN = re.compile(r"\+?\(?\+?\d[\d\s()./\-—–]*\d")
_MASKED = re.compile(r"\d\s*[*＊xX]{2,}\s*\d|尾号|开头")


def _national(digits: str) -> str | None:
    """The national number (without 0 or 86) of a mobile or landline, if the digits are one."""
    candidates = [digits]
    for prefix in ("0086", "86"):
        if digits.startswith(prefix):
            candidates.append(digits[len(prefix):])
    for candidate in candidates:
        if _MOBILE.fullmatch(candidate):
            return candidate
        national = candidate[1:] if candidate.startswith("0") and candidate is digits else candidate
        if (candidate.startswith("0") or candidate is not digits) and _LANDLINE.fullmatch(national):
            return national
    return None


def read_mainland_phone(text: str) -> str | None:
    """ "138 0013 8000", "+86 138-0013-8000", "021-6543 2100", "一三八零零一三八零零零" as +86...; None otherwise."""
    folded = spoken_digits(fold_width(text))
    if _MASKED.search(folded):
        return None
    found = set()
    for span in _SPAN.finditer(folded):
        digits = re.sub(r"\D", "", span.group(0))
        national = _national(digits)
        if national:
            found.add("+86" + national)
    return found.pop() if len(found) == 1 else None
