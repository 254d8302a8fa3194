"""Sorting leads by name without decrypting every name: each name's coarse sort group, stored in clear.

Names are encrypted at rest, so the database cannot order them. Decrypting every name on each page
view costs about 0.1 ms a name (3 s at 30,000 named leads), so each contact row also stores
`name_group`: a number that grows with the name's first character (casefolded), coarse on purpose.
To show one page sorted by name, the store counts the leads per group in SQL, finds the groups the
page falls in, and decrypts and sorts only the names of those groups: the order is exactly the full
sort's, because a name in a lower group always sorts before a name in a higher one.

What a stored group reveals, to someone who reads the database without the key: for a name in Latin
letters, which pair of letters it starts with (a-b, c-d, …: 13 groups); for a Chinese name, which of
about 41 ranges of 512 code points its first character (usually the surname) lies in, so a common
surname is narrowed to the handful of surnames that share its range, never named; about 4-5 bits
per name, no more than the first letter of a name on an envelope. The group is deleted with the
contact details (erasure, retention purge), and so is the copy the screening keeps for the sort's
index (bot/leads/lead_facts.py). Nothing else about a name is stored in clear.
"""

from __future__ import annotations

EMPTY = -1  # a contact without a name: sorts with the leads that have no contact details (last)
_CJK_START = 0x3000  # CJK symbols and the ideographs above them are grouped by ranges of code points
_CJK_SHIFT = 9  # 512 code points a group
_LATIN_SHIFT = 1  # two code points a group: a-b, c-d, …
_CJK_BASE = _CJK_START >> _LATIN_SHIFT  # the first CJK group, above every group below U+3000


def name_group(name: str | None) -> int:
    """The stored sort group of a name: never decreases as the casefolded name sorts later."""
    folded = (name or "").casefold()
    if not folded:
        return EMPTY
    point = ord(folded[0])
    if point < _CJK_START:
        return point >> _LATIN_SHIFT
    return _CJK_BASE + ((point - _CJK_START) >> _CJK_SHIFT)


def sort_key(name: str) -> str:
    """The order of names in the list (the same key as before the groups: casefolded)."""
    return name.casefold()
