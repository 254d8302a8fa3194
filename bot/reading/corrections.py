"""Corrections: "sorry, I meant no", "我说错了", "go back" — the patient changes the previous answer.

Why this module exists: by the time a patient notices a slip ("oops, I pressed yes", "不好意思我说错了，
没有"), the form has stored the answer and moved on, and today the correction is read as an answer
to the *next* question. A wrong "yes" to an exclusion ends the prescreen: a slip must never decide.

What counts as a correction, in English and Simplified Chinese: the patient says they made a
mistake in what *they* said, typed, pressed or meant ("I meant", "my mistake", "wrong button",
"that's wrong", "oops", "scratch that", "change my answer", "说错了", "按错了", "改一下", "我的意思是"),
or asks to go back ("go back", "previous question", "上一题", "返回上一个问题"). The words after the
correction (or, failing that, before it: "No - my mistake") carry the new answer when there is one.

What does not: "no" alone, "sorry, no" or "actually no" (an answer to the question being asked;
"actually" and "sorry" are small talk); a mistake that is not the patient's answer ("the doctor
made a mistake in my first surgery", "医生搞错了"); a denied mistake ("no mistake, I really had
CAR-T", "我没说错"); "back" or "last" in other senses ("I have to go back for another scan", "the
cancer came back", "is this the last question?", "上一次化疗"); "没错" and "不错" (right, not bad).

A missed correction leaves a slip on record; a false one only re-asks a question. When in doubt,
the patterns lean to what people really type after a slip. Pure Python, no Rasa.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.reading.normaliser import prepare
from bot.reading.text import MAX_ANSWER_CHARS
from bot.reading.yes_no import YesNoReading, read_yes_no

CorrectionKind = Literal["change_answer", "go_back"]


@dataclass(frozen=True)
class Correction:
    """A correction of the previous answer, and the new answer when the message carries one."""

    kind: CorrectionKind  # "go_back": only asks for the previous question again
    how: str  # the words that made it a correction, kept for the coordinator
    answer_text: str | None = None  # the words that carry the new answer ("no", "65", "没有"), to re-read
    new_answer: YesNoReading | None = None  # answer_text read as yes / no / not sure, without a question's words


# ------------------------------------------------------------------------------------ English

_I = r"(?:i|i've|ive|i have|i just|i must have|i think i)"
_SLIP_VERB = r"(?:answered|said|typed|wrote|pressed|clicked|tapped|hit|chose|picked|selected|put|ticked|entered)"
_EN_CHANGE = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?<![a-z'])(?:what )?i meant(?: was| to (?:say|type|press|click|tap|put|answer|write|hit|select))?"
        r"(?! to (?:ask|tell you|mention|say thank))(?![a-z'])"
        r"(?! (?:it|that|every word|what i said)(?:\W*$|\W*[,.!]))",  # "I meant it": not a correction
        r"(?<![a-z'])(?:sorry|oops|whoops|sry|soz|no|wait|oh)\W+(?:i mean|i mean to say)(?![a-z'])",
        r"(?<![a-z'])meant to (?:say|type|press|click|tap|put|answer|write|hit|select)(?![a-z'])",
        rf"(?<![a-z']){_I} (?:made|make|did) (?:a |an |one )?(?:small |little |big )?(?:mistake|error|typo|mess)"
        r"(?![a-z'])",
        r"(?<![a-z'])my (?:mistake|bad|error|apologies i|typo)(?! (?:was|is|were)\b)(?![a-z'])",
        r"(?<![a-z'])(?:mistake|error) on my (?:part|side|end)(?![a-z'])",
        r"(?<![a-z'])(?:that|this|it|my (?:last |previous |first |earlier )?answer|the (?:last|previous) answer|"
        r"what i (?:just )?(?:said|typed|wrote|answered|put))(?: is| was|'s| s|s) (?:wrong|not right|incorrect|"
        r"a mistake|an error|not correct|a typo|not true|not what i meant)(?![a-z'])(?! of\b)",
        rf"(?<![a-z']){_I} (?:got|gotten|had) (?:that|it|this|the last one|the answer|the last answer) (?:wrong|"
        r"mixed up|backwards)(?![a-z'])",
        # "sorry, I was wrong"; not "the doctor said I was wrong about the dates", "I was wrong to wait"
        r"(?:^|[,.!;]\s*|(?:sorry|oops|oh|no|wait|actually|ok|okay|ah)\W+)i was wrong(?![a-z'])(?! to\b)",
        rf"(?:^|(?<![a-z']){_I} ){_SLIP_VERB}(?: (?:the )?\w+)? (?:wrong|wrongly|incorrectly|by mistake|by accident|"
        r"accidentally|the wrong \w+)(?![a-z'])",
        # the word after the slip is the wrong answer, not the new one: "accidentally hit yes"
        rf"(?<![a-z'])(?:accidentally|by accident|by mistake|mistakenly) {_SLIP_VERB}(?: (?:the )?\w+)?(?![a-z'])",
        r"(?<![a-z'])(?:wrong (?:button|answer|one|option|key|choice)|typo|autocorrect|auto correct|fat fingers?|"
        r"fat fingered|misclick|misclicked|mistyped|mis typed)(?![a-z'])",
        rf"(?<![a-z']){_I} (?:misread|misunderstood|misheard|mixed up|confused) (?:the|your|that|this|it)"
        r"(?: (?:question|last one|last question|previous question|one))?(?![a-z'])",
        r"(?<![a-z'])(?:scratch|ignore|disregard|cancel|undo|delete|forget) (?:that|my (?:last |previous )?"
        r"(?:answer|reply|message)|the (?:last|previous) (?:answer|reply|message)|what i (?:just )?said)"
        r"(?! (?:answers|replies|messages))(?![a-z'])",
        r"(?<![a-z'])(?:change|correct|fix|amend|edit|update|redo|undo) (?:my |the |that |this )?(?:last |previous |"
        r"earlier |first |other )?(?:answer|reply|response)(?![a-z'])",
        r"(?<![a-z'])(?:change|correct|fix|amend|undo) (?:that|it|what i said)(?![a-z'])",
        r"(?<![a-z'])(?:can|could|may) i (?:change|correct|fix|redo|edit)(?![a-z'])",
        r"(?<![a-z'])correction(?![a-z'])",
        r"(?<![a-z'])(?:that's|thats|that is|it's|its) not (?:right|correct|true|what i meant)(?![a-z'])",
        r"(?<![a-z'])not what i meant(?![a-z'])",
        r"(?<![a-z'])(?:oops|oopsie|oopsy|whoops|woops|opps|oop|oh no)(?![a-z'])",
        r"(?<![a-z'])(?:no|oh|hang on|hold on) wait(?=\W*$|\s*[,.!-]| (?:i|it|that|actually|yes|no|sorry)\b)",
        r"^(?:wait|hang on|hold on)\W+(?:no|nope|yes|yeah|actually)(?![a-z'])",
        r"(?<![a-z'])(?:that|it|the answer|my answer) should (?:have been|be|'ve been|of been)"
        r"(?= (?:a )?(?:yes|no|not sure|unsure|negative|positive|\d))",
        r"(?<![a-z'])should(?: have|'ve| of) (?:said|answered|put|pressed|typed|clicked)(?![a-z'])",
        r"(?<![a-z'])i take (?:that|it) back(?![a-z'])",
    )
)
_EN_GO_BACK = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?<![a-z'])go(?:ing)? back(?: (?:a|one) (?:question|step|page))?(?: to (?:the )?(?:previous|last|earlier|"
        r"prior|other|first) (?:question|one|step|page|answer))?(?: please| pls| plz)?(?=\W*$)",
        r"(?<![a-z'])go(?:ing)? back (?:a|one) (?:question|step|page)(?![a-z'])",
        # "go back, it's a yes", "can we go back": asked at the start; not "I have to go back for a scan"
        r"^(?:(?:sorry|oops|please|pls|wait|can we|could we|can i|could i|let's|lets|let me|i want to|i'd like to|"
        r"i wanna|we need to|i need to)\W+)*go back(?=\W*$|\s*[,;:.!-])",
        r"(?<![a-z'])(?:go(?:ing)? back|back|return|get back) to (?:the )?(?:previous|last|earlier|prior|other) "
        r"(?:question|one|step|page|answer)(?![a-z'])",
        r"(?<![a-z'])(?:previous|prior|earlier) (?:question|one|step|page)(?![a-z'])",
        r"(?<![a-z'])(?:the )?question before(?: this| that)?(?![a-z'])",
        r"(?<![a-z'])(?:repeat|redo|ask(?: me)?) (?:the |that )?last (?:question|one)(?: again)?(?![a-z'])",
        r"(?<![a-z'])(?:back one|step back|one back|undo)(?![a-z'])",
        r"^(?:back|prev)\W*(?:please|pls)?\W*$",
    )
)
# A mistake denied, or someone else's: never a correction.
_EN_NOT_MINE = re.compile(
    r"(?<![a-z'])(?:no|not a|not my|wasn't a|wasnt a|isn't a|isnt a|never a|there's no|theres no|without) "
    r"(?:mistake|error|typo)(?![a-z'])"
    r"|(?<![a-z'])(?:didn't|didnt|did not|don't|dont|never|haven't|havent) (?:make|made) (?:a |any )?(?:mistake|"
    r"error)(?![a-z'])"
    r"|(?<![a-z'])(?:i'm|im|i am|am) not wrong(?![a-z'])"
)
_EN_LEAD = re.compile(
    r"^(?:(?:sorry|sry|soz|so|and|then|actually|well|it's|its|it is|it should be|should be|should have been|"
    r"(?:the|my) answer(?: to (?:that|this|the \w+)(?: one| question)?)? (?:is|was|should be)|answer is|that|to say|"
    r"to|i mean|i meant|meant|is|was|please|pls|just|ok|okay)"
    r"(?![a-z'])\W*)+"
)
_EN_TRAIL = re.compile(
    r"(?:\W*(?<![a-z'])(?:sorry|sry|soz|oops|whoops|my bad|my mistake|wait|lol|haha|please|pls|again)(?![a-z']))+"
    r"\W*$"
)

# ------------------------------------------------------------------------------------ Chinese

# Someone else's mistake ("医生搞错了", "医院把名字写错了") is not a correction of the answer.
_ZH_OTHERS = r"(?:医生|大夫|护士|医院|他们|别人|人家|系统|电脑|化验室|检验科|病理科)"
_ZH_CHANGE = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?<!没)(?<!没有)(?<!不)(?<!不是)(?:说|打|按|点|选|填|写|答|回答|输入|输|弄|搞|看|听|记|理解)错"
        r"(?:了|啦|咯)?(?:按钮|键|字|题|选项)?(?:了|啦|咯)?",
        r"^(?:啊|哦|呃|噢|唉|哎|哎呀|哎哟|不好意思|抱歉|对不起|sorry)?[,\s]*错了",
        r"(?:你|您)(?:理解|记|听|弄|搞)?错了",
        r"不对不对|^(?:啊|哦|呃|噢|唉|哎|哎呀|等一下|等等|不好意思|抱歉|对不起)?[,\s]*不对(?=$|[,.!\s])|"
        r"(?:刚才|刚刚|之前|前面)(?:我)?(?:说|答|选|填|回答)的(?:不算|不对|作废)|(?:弄|搞|记|说|答|看)(?:混|反)了?|(?:刚才|刚刚|上一个|上一题|之前|前面|那个|前一个)(?:的|那个|那题)?(?:回答|答案)?"
        r"(?:不对|不算|作废|有误)",
        r"(?:我要|我想|想|能|可以|帮我|请)?改(?:一下|下|一改)?(?:刚才|刚刚|之前|上一题|上一个)?(?:的)?(?:答案|回答)|"
        r"(?:我要|我想|想)?改(?:一下|下|一改)|我要改|我想改|能改吗|能不能改|可以改|"
        r"(?:^|[,\s]|我|帮我|请|麻烦)(?:要|想)?改(?:成|为)|"
        r"修改(?:一下)?(?:答案|回答)?|更正|纠正(?:一下)?|重新(?:回答|选|填|答|说)|重选|重答|重填|撤回|撤销|收回|作废",
        r"我的意思是|我是说(?!过)|我想说的是|我本来想说|本来想(?:说|选|按|点)",
        r"(?:误|不小心)(?:点|按|选|触|打|输)|手滑",
    )
)
_ZH_GO_BACK = tuple(
    re.compile(pattern)
    for pattern in (
        r"上一(?:题|道题|个问题|个题|步|页)|前一(?:题|个问题|步)|返回|回到上一|回到前一|回到之前|退回|后退|回退",
        r"上一个(?=$|[,.!?\s]|问题|回答|答案|不对)",
    )
)
_ZH_NOT_MINE = re.compile(
    r"没错|没有错|不错|不是我的错|我没(?:有)?(?:说|弄|搞|填|选|按|打)错|错过|出错|差错|错误的(?!回答|答案)"
)
_ZH_LEAD = re.compile(
    r"^(?:[,.!?\s]|不好意思|抱歉|对不起|其实|实际上|应该是|应该|是说|我是说|我的意思是|改成|改为|答案是|刚才|刚刚|了|啦|咯|错了|一下|"
    r"(?:那个|这个)?问题|那题|"
    r"是(?=\S))+"
)
# What is left before "说错了" is who and when ("我刚才"), not an answer.
_ZH_TRAIL = re.compile(
    r"(?:[,.!?\s]|不好意思|抱歉|对不起|说错了|错了|了|我们|我|刚才|刚刚|之前|前面|那个|这个|上一题|哦|噢|啊|呃|嗯|唉|哎|哎呀|"
    r"那题|这题|问题|想|要)+$"
)

_CLAUSE_BREAK = re.compile(r"[,.;!?\n。；！？]")
_MAX_ANSWER_BEFORE = 40


def _someone_else(text: str, start: int) -> bool:
    """Whether the marker at `start` has another person as its subject, in the same clause ("医生说错了")."""
    clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    return bool(re.search(_ZH_OTHERS, text[clause_start:start]))


def _markers(text: str) -> list[tuple[int, int, CorrectionKind, str]]:
    """Every correction marker in the message as (start, end, kind, words), in order."""
    if _EN_NOT_MINE.search(text) or _ZH_NOT_MINE.search(text):
        cleaned = _ZH_NOT_MINE.sub(lambda m: " " * len(m.group(0)), _EN_NOT_MINE.sub(lambda m: " " * len(m.group(0)),
                                                                                       text))
    else:
        cleaned = text
    found: list[tuple[int, int, CorrectionKind, str]] = []
    for patterns, kind in ((_EN_CHANGE, "change_answer"), (_ZH_CHANGE, "change_answer"), (_EN_GO_BACK, "go_back"),
                           (_ZH_GO_BACK, "go_back")):
        for pattern in patterns:
            for match in pattern.finditer(cleaned):
                if not match.group(0).strip():
                    continue
                if patterns is _ZH_CHANGE and _someone_else(cleaned, match.start()):
                    continue
                found.append((match.start(), match.end(), kind, match.group(0).strip()))  # type: ignore[arg-type]
    return sorted(found)


def _answer_part(text: str, markers: list[tuple[int, int, CorrectionKind, str]]) -> str | None:
    """The words carrying the new answer: after the last marker, else before the first one."""
    last_end = max(end for _, end, _, _ in markers)
    after = text[last_end:]
    after = _ZH_LEAD.sub("", _EN_LEAD.sub("", after.strip(" ,.;:!-—–"))).strip(" ,.;:!-—–")
    if after:
        return after
    before = text[: markers[0][0]]
    before = _ZH_TRAIL.sub("", _EN_TRAIL.sub("", before)).strip(" ,.;:!-—–")
    return before if before and len(before) <= _MAX_ANSWER_BEFORE else None  # "No - my mistake", not a story


def read_correction(text: str) -> Correction | None:
    """Whether the message corrects the previous answer or asks to go back, and the new answer if it says one.

    `answer_text` should be read again with the corrected question's own reader (its words, or an
    age); `new_answer` is that text read as a plain yes / no / not sure, for convenience.
    """
    prepared = prepare(text)
    if not prepared or len(prepared) > MAX_ANSWER_CHARS:
        return None  # a message too long to be an answer is not trusted as a correction either
    markers = _markers(prepared)
    if not markers:
        return None
    kinds = {kind for _, _, kind, _ in markers}
    how = " / ".join(dict.fromkeys(words for _, _, _, words in markers))
    answer_text = _answer_part(prepared, markers)
    new_answer = read_yes_no(answer_text) if answer_text else None
    if answer_text and new_answer is None and kinds == {"go_back"} and not re.search(r"\d", answer_text):
        # "can we go back to the previous question please": no answer in it, only the request
        answer_text = None
    kind: CorrectionKind = "change_answer" if "change_answer" in kinds or answer_text else "go_back"
    return Correction(kind, how, answer_text, new_answer)


def is_correction(text: str) -> bool:
    """Whether the message corrects the previous answer or asks for the previous question again."""
    return read_correction(text) is not None
