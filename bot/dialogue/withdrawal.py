"""The reply to "Do you want me to stop and delete everything you told me?" when it is not a yes.

Nothing is deleted, and the question that was open is asked again. A patient who changed their mind often
answers that question in the same message ("hmm wait, it was positive", "哦不对 没有别的癌"): the words
that only decline ("no", "wait", "keep them", "不对", "继续吧") are taken off, and what is left is read as
the answer, with the question's own reader. A reply that only declines ("no", "no, keep them",
"不是，继续吧") answers nothing: a "no" there says "don't delete", never "no" to the question.
"""

from __future__ import annotations

import re
from typing import Any

from bot.reading.check_answer import read_check_answer
from bot.reading.chinese import has_han
from bot.reading.normaliser import prepare
from bot.trial.criteria import Check

# Words that only decline the deletion or say "carry on", in any order ("no wait", "oh sorry, keep them").
_DECLINING_EN = (
    r"no|nope|nah|no thanks|no thank you|wait|hang on|hold on|hm+|um+|erm|er|uh|oh|ah|sorry|"
    r"actually|ok|okay|please|pls|thanks|thank you|never ?mind|my mistake|my bad|oops|"
    r"keep (?:it|them|everything|my answers|it all|going)|carry on|continue|go on|let'?s (?:carry on|continue|go on)|"
    r"(?:i )?(?:don'?t|do not) (?:want (?:to|you to) )?(?:delete|erase|stop|remove|quit)(?: (?:it|them|anything|"
    r"everything|my answers|it all))?|(?:i )?(?:changed|change) my mind|i didn'?t mean (?:it|that)|not that|"
    r"i(?:'?m| am) staying|i(?:'?ll| will) (?:stay|continue|carry on)|i want to (?:continue|carry on|go on|stay)|"
    r"i mean|i meant"
)
_ONLY_DECLINES_EN = re.compile(rf"(?:(?:{_DECLINING_EN})\b\W*)+")
_DECLINING_ZH = (
    r"不是|不对|不要|不用|不删|别删|不要删|不用删|不要删除|先别删?|别|不|没有|没|继续|接着|接着来|还是继续|我继续|"
    r"等等|等一下|等下|哦|噢|喔|啊|嗯|呃|额|唉|哎|算了|不退出|我不退出|不想删|说错了|搞错了|按错了|点错了|手滑|"
    r"唔好删?|唔删|我|吧|了|呀|啦|的|好|好的|行|谢谢"
)
_ONLY_DECLINES_ZH = re.compile(rf"(?:{_DECLINING_ZH})+")
_CLAUSES_EN = re.compile(r"[,.;:!~]+|\s[-–—]+\s")
_CLAUSES_ZH = re.compile(r"[,.;:!~\s。！；、]+")


def answer_after_declined_withdrawal(check: Check, text: str) -> tuple[Any, str] | None:
    """(value, how it was read) when the reply to the withdrawal's confirmation also answers `check`, the
    question that was open; None when it only declines the deletion or the rest cannot be read."""
    rest = _without_declining(prepare(text))
    if not rest:
        return None
    read = read_check_answer(check, rest)
    if read is None:
        return None
    value, how = read
    return value, f"after keeping the answers: {how}"


def _without_declining(text: str) -> str:
    """What is left of the reply once the clauses that only decline, and an opening that only declines, are off."""
    chinese = has_han(text)
    clauses = [c.strip() for c in (_CLAUSES_ZH if chinese else _CLAUSES_EN).split(text) if c.strip()]
    while clauses and _only_declines(clauses[0], chinese):
        clauses.pop(0)
    if not clauses:
        return ""
    if not chinese:  # "no wait it was positive": the opening words decline, the rest answers
        opening = _ONLY_DECLINES_EN.match(clauses[0])
        if opening and opening.end() < len(clauses[0]):
            clauses[0] = clauses[0][opening.end():]
    rest = [clause for clause in clauses if not _only_declines(clause, chinese)]
    return ("，" if chinese else ", ").join(rest)


def _only_declines(clause: str, chinese: bool) -> bool:
    if chinese:
        return bool(_ONLY_DECLINES_ZH.fullmatch(clause))
    return bool(_ONLY_DECLINES_EN.fullmatch(clause))
