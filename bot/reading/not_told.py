"""Answers to record-based questions: "not that I was told" is not a "no".

Why this module exists: the record-based questions (`source: record` in the criteria file: scans
after surgery, R0 liver resection, ctDNA, CEA in the tissue, hepatitis/HIV/syphilis) ask about a
result in the hospital's records, not about something the patient lives with. A patient who was
never told, has not seen the report, is waiting for it, does not remember or would have to ask
the doctor does not know the answer, even when the sentence is grammatically a "no" ("not that I
was told", "医生没跟我说过", "我没看过报告"). Reading such a sentence as "no" rules out a patient who
could have joined: the one error a prescreener must not make.

The rule, for these questions only:

1. Any sign of not knowing, anywhere in the message, is *not sure*: not told / nobody said / the
   doctor did not mention it (the negation scopes over the telling, so "nobody told me it was
   positive" and "I wasn't told it was negative" are not sure), no report seen or received,
   waiting for results, not remembering, "I'd have to ask my doctor", "I don't know", and, for the
   test-result questions, not tested ("CEA没查过", "never had the test"). A doubt wins over a result
   in the same message ("the doctor said negative but I never saw the report"): the coordinator
   reads the record either way, and a doubt never rules anyone out.
2. Otherwise a reported result is definite: "the ctDNA test came back negative", "I was told it was
   negative" (the telling is not negated: a result), "CEA检测是阴性的", "做过检测，结果阴性" are "no";
   "it came back positive", "阳性", "detected" are "yes"; a negated positive ("it wasn't positive",
   "不是阳性", "未检出") is "no".
3. A result that is only believed ("I think it was negative", "好像是阴性"), typed as a question
   ("negative?"), doubly negated ("not negative", "不是阴性"), contradicted in the same message
   ("positive before chemo, negative after"), or that comes with one of the question's own not-sure
   words from the criteria file ("positive but inactive") is *not sure*.
4. Anything else is None: no opinion, the general reader (`bot.reading.yes_no.read_yes_no`) decides.

"Positive" means "the thing asked about is there" for every record question except the liver
resection one, where only margins count ("clear margins", "R0", "切缘阴性" mean removed) and other
positive/negative words are left to the general reader.

Pure Python, no Rasa; call it only for checks with `source: record` (see `applies_to`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.languages import LANGUAGES
from bot.reading import lexicon
from bot.reading.chinese import has_han
from bot.reading.normaliser import prepare
from bot.reading.text import whole_words
from bot.trial.criteria import Check

RecordValue = Literal["unsure", "no", "yes"]

# The record question about the surgery itself: "not tested" does not apply, and "positive" /
# "negative" only mean something about the margins.
LIVER_RESECTION_CHECK = "liver_mets_resected"


@dataclass(frozen=True)
class RecordReading:
    """What a record-based answer says, and which words decided it (kept for the coordinator)."""

    value: RecordValue
    how: str


def applies_to(check: Check) -> bool:
    """Whether a question's answers are read with `record_answer` first (record-based yes/no checks)."""
    return check.source == "record" and check.answer == "yes_no"


# ------------------------------------------------------------------------------------ English

# Words that negate what follows. A bare "no" is an answer word, not a negator ("no, I was told it
# was negative"): it only counts inside "no one" / "nobody".
_NEG = (
    r"(?:not|never|nobody|no ?one|no-one|no body|nothing|neither|nor|"
    r"\w+n't|didnt|dint|didnot|havent|havnt|hvnt|hasnt|hadnt|wasnt|werent|dont|doesnt|couldnt|wouldnt|cant|"
    r"arent|isnt|aint)"
)
# The same without "nothing": "nothing found when tested" is a result, not "not tested".
_NEG_ACT = (
    r"(?:not|never|nobody|no ?one|no-one|no body|\w+n't|didnt|dint|didnot|havent|havnt|hvnt|hasnt|hadnt|wasnt|"
    r"werent|dont|doesnt|couldnt|wouldnt|cant|arent|isnt)"
)
_TELL = (
    r"(?:told|tell|tel|tells|telling|tould|said|say|says|saying|mentioned|mention|mentions|explained|explain|"
    r"informed|inform|notified|discussed|discuss|talked|talk|spoke|speak|heard|hear|shared|share|"
    r"brought up|bring up|went over|go over|gone over|let (?:me|us|him|her) know)"
)
_DOCUMENT = (
    r"(?:report|reports|result|results|paperwork|papers|letter|letters|printout|print out|numbers|pathology|"
    r"histology|copy|scan report)"
)
_RELATIVE = (
    r"(?:dad|father|mum|mom|mother|husband|wife|son|daughter|brother|sister|partner|grandpa|grandma|uncle|aunt)"
)
_EN_DOUBT: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern))
    for label, pattern in (
        # the negation scopes over the telling: "nobody told me it was positive", "not that I was told"
        ("not told", rf"(?<![a-z0-9']){_NEG}(?:\s+[\w']+){{0,3}}?\s+{_TELL}(?![a-z0-9'])"),
        # "not that I was ever told"
        ("not told", rf"(?<![a-z0-9'])not that (?:[\w']+ ){{0,3}}?{_TELL}(?![a-z0-9'])"),
        ("not told", r"(?<![a-z0-9'])not as far as (?:i|we|he|she|anyone|anybody) "
                     r"(?:was|were|have been|'ve been|know|knew)"),
        ("not told", r"(?<![a-z0-9'])(?:told|said|mentioned|explained|say|tell)(?: (?:me|us|him|her|them|my \w+))?"
                     r" (?:nothing|zilch)(?! (?:was|were|is|has|had|showed|came|found|detected|to worry|wrong|bad))"),
        ("not told", r"(?<![a-z0-9'])(?:in the dark|kept (?:me|us|him|her) out|no one knows|nobody knows)"
                     r"(?![a-z0-9'])"),
        # "it never came up"; not "nothing came up" (a scan result)
        ("not told", r"(?<![a-z0-9'])(?:never|didn't|didnt|did not|hasn't|hasnt|has not|not) (?:\w+ )?(?:came|come) up"
                     r"(?![a-z0-9'])"),
        # no report seen, received or given
        ("no report", rf"(?<![a-z0-9']){_NEG_ACT}(?:\s+[\w']+){{0,2}}?\s+(?:seen|see|saw|read|got|get|gotten|received|"
                      rf"receive|had|have|been given|given|gave|give|been shown|shown|showed|show|collected|"
                      rf"picked up|looked at|look at|sent|send)(?:\s+[\w']+){{0,3}}?\s+{_DOCUMENT}(?![a-z0-9'])"),
        ("no report", rf"(?<![a-z0-9'])(?:i|we|he|she|my {_RELATIVE})(?: \w+)? {_NEG_ACT}(?: \w+)? "
                      r"(?:seen|see|saw|read) (?:it|them|that|this|one)(?![a-z0-9'])"),
        ("no report", rf"(?<![a-z0-9'])(?:no|(?:don't|dont|do not|doesn't|doesnt) have(?: (?:the|my|his|her|any|that|"
                      rf"those|a))?)\s+{_DOCUMENT}(?![a-z0-9'])"),
        # waiting for a result or a report
        ("waiting", rf"(?<![a-z0-9'])(?:waiting|wait|awaiting)(?: (?:for|on))?(?: (?:the|my|his|her|our|a|that|those))?"
                    rf"(?: \w+)? {_DOCUMENT}(?![a-z0-9'])"),
        ("waiting", r"(?<![a-z0-9'])(?:not|isn't|isnt|aren't|arent|haven't|havent|hasn't|hasnt) (?:\w+ )?"
                    r"(?:back|in|out|ready|available|come back|came back|heard back) yet(?![a-z0-9'])"),
        ("waiting", r"(?<![a-z0-9'])(?:not|haven't|havent|hasn't|hasnt) heard back(?![a-z0-9'])"),
        ("waiting", rf"(?<![a-z0-9']){_DOCUMENT} (?:is |are )?(?:due|expected|coming|pending)(?![a-z0-9'])"),
        ("waiting", r"(?<![a-z0-9'])(?:will|'ll|going to|gonna) (?:find out|know|hear|get (?:the|my|his|her|our) "
                    r"(?:results?|report))(?![a-z0-9'])"),
        ("waiting", r"(?<![a-z0-9'])find out (?:next|on|in|at|when|after)(?![a-z0-9'])"),
        # not remembering
        ("not remembering", r"(?<![a-z0-9'])(?:\w+n't|dont|didnt|doesnt|cant|couldnt|do not|does not|can not|cannot|"
                            r"did not) (?:really |quite |exactly |fully )?(?:remember|recall|recollect|rember|"
                            r"remeber)(?![a-z0-9'])"),
        ("not remembering", r"(?<![a-z0-9'])(?:forgot|forget|forgotten|no recollection|no memory|memory is|"
                            r"slipped my mind|not that i (?:remember|recall))(?![a-z0-9'])"),
        # asking someone else, looking it up
        ("would have to ask", r"(?<![a-z0-9'])(?:have|need|needs|got|gotta|must|'d have|would have|will have|'ll have|"
                              r"i'd need|would need)(?: to)? (?:ask|check|find out|look)(?![a-z0-9'])"),
        ("would have to ask", rf"(?<![a-z0-9'])ask (?:my|the|his|her|our|their|a) (?:doctor|doctors|dr|oncologist|"
                              rf"surgeon|nurse|specialist|gp|consultant|team|hospital|{_RELATIVE}|family|kids|"
                              rf"children)(?![a-z0-9'])"),
        ("would have to ask", r"(?<![a-z0-9'])(?:check with|let me (?:check|ask|look|find)|"
                              r"i'll (?:check|ask|look|find)|ill (?:check|ask|look)|look it up|dig out|"
                              r"(?:look at|find|check) (?:my|the|his|her) (?:papers|paperwork|report|records|notes|"
                              r"letter|letters|file|results))(?![a-z0-9'])"),
        # not knowing in so many words
        ("does not know", r"(?<![a-z0-9'])(?:\w+n't|dont|doesnt|didnt|do not|does not|did not) (?:really |even )?"
                          r"(?:know|kno|knw|no|knoe|understand)(?![a-z0-9'])"),
        ("does not know", r"(?<![a-z0-9'])(?:dunno|idk|no idea|not sure|unsure|nt sure|not certain|uncertain|no clue|"
                          r"not a clue|haven't a clue|havent a clue|haven't got a clue|clueless|who knows|"
                          r"god knows|beats me|how would i know|how should i know|how do i know|couldn't tell you|"
                          r"couldnt tell you|can't say|cant say|hard to say|not 100|unknown|not known|"
                          r"no way of knowing|never heard of)(?![a-z0-9'])"),
        # "I'm not positive" means "I'm not sure"
        ("does not know", r"(?<![a-z0-9'])(?:i'?m|im|i am|we'?re|we are|he'?s|she'?s) not (?:\w+ )?(?:positive|certain)"
                          r"(?![a-z0-9'])"),
        ("does not know", r"(?<![a-z0-9'])not (?:\w+ )?positive (?:if|whether|about|what|that)(?![a-z0-9'])"),
    )
)
# Not tested, or not yet, or still waiting: no result exists. Not for the surgery question, where
# "not yet" and "waiting for surgery" are a no.
_EN_NOT_TESTED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    ("not tested", re.compile(pattern))
    for pattern in (
        rf"(?<![a-z0-9']){_NEG_ACT}(?:\s+[\w']+){{0,3}}?\s+(?:tested|test|testing|checked|check|measured|measure|"
        r"done|do|ordered|order|offered|offer|did (?:it|one|that|the test))(?![a-z0-9'])"
        r"(?! (?:positive|negative|pos|neg)\b)",
        r"(?<![a-z0-9'])no (?:\w+ )?(?:test|testing|tests)(?![a-z0-9'])",
        rf"(?<![a-z0-9']){_NEG_ACT} (?:\w+ )?(?:had|have|got|done) (?:one|it done|that done|them done|(?:the |a |that |"
        r"this |any |such a )?(?:\w+ ){0,2}?(?:test|tests|testing|check|scan|scans|biopsy))(?![a-z0-9'])",
        r"(?<![a-z0-9'])(?:not yet|not done|still waiting|waiting|awaiting|pending)(?![a-z0-9'])",
        rf"(?<![a-z0-9']){_NEG_ACT} (?:\w+ )?(?:had|done|started|finished|got|gotten) (?:the |my |any |his |her )?"
        r"(?:chemo|chemotherapy)(?![a-z0-9'])",
    )
)
_EN_HEDGE = re.compile(
    rf"(?<![a-z0-9'])(?:{'|'.join(map(re.escape, lexicon.words('en', 'record_hedge')))})(?![a-z0-9'])")
# "I'm positive" means "I'm sure": removed before results are read.
_SURE = re.compile(
    r"(?<![a-z0-9'])(?:i'?m|im|i am|am)(?: (?:pretty|quite|absolutely|totally|100%?))? positive(?![a-z0-9'])"
)
_EN_YES = re.compile(
    r"(?<![a-z0-9'+-])(?:positive|pos|\+ve|detected|detectable|found traces|traces found|traces were found)"
    r"(?![a-z0-9'])"
)
_EN_NO = re.compile(
    r"(?<![a-z0-9'+-])(?:negative|neg|-ve|not detected|non detected|nondetected|undetected|undetectable|"
    r"not detectable|non detectable|nondetectable|nothing detected|nothing was detected|nothing found|"
    r"nothing was found|found nothing|found no \w+|no traces?|no (?:\w+ ){1,3}?(?:detected|found|seen)|"
    r"didn't find any\w*|didnt find any\w*|"
    r"did not find any\w*|came back clear|was clear|were clear|all clear)(?![a-z0-9'])"
)
# Result phrases that carry their own negation (not read again as "not negative").
_SELF_NEGATED = ("not ", "non ", "nothing", "found no", "no ", "didn", "did not")
# "I was told no", "the doctor said yes": a told result in so many words.
_EN_TOLD_ANSWER = re.compile(
    r"(?<![a-z0-9'])(?:told|said)(?: (?:me|us|him|her|them|my \w+))?(?: (?:that|it was|it's|its|it is))? (no|yes)$"
)
_EN_NEGATOR = re.compile(rf"{_NEG}")
_ANSWER_WORDS = frozenset({"no", "nope", "nah", "yes", "yeah", "yep", "yup", "ok", "okay", "well", "so"})
_MARGIN_CLEAR = re.compile(
    r"(?<![a-z0-9'])(?:(?:negative|clear|clean|free|good|wide) margins?|margins? (?:were |was |are |is |came back )?"
    r"(?:all )?(?:negative|clear|clean|free)|r0|r 0)(?![a-z0-9'])"
)
_MARGIN_NOT_CLEAR = re.compile(
    r"(?<![a-z0-9'])(?:(?:positive|involved|close) margins?|margins? (?:were |was |are |is )?(?:positive|involved|"
    r"close|not clear)|r1|r2|r 1|r 2)(?![a-z0-9'])"
)

# ------------------------------------------------------------------------------------ Chinese

_ZH_STOP = r"[^，。,.;；!！?？\s]"
_ZH_END = r"(?=$|[，。,.;；!！?？\s])"
_ZH_NEG = r"(?:没有|没|未|从没|从来没|从未|并没有|并没|都没|也没|还没有|还没|不曾)"
_ZH_DOCUMENT = r"(?:报告单|报告|结果|单子|化验单|检查单|检验单|病理|数据|数值)"
_ZH_WHO = r"(?:我|我们|我爸|我妈|我父亲|我母亲|我老伴|我爱人|他|她|家里|家里人|病人|患者)"
_ZH_DOUBT: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern))
    for label, pattern in (
        # "医生没跟我说过", "没人告诉过我", "我爸说医生没讲", "谁也没说"; not "没说错" (I did not misspeak)
        # nor "未提示" (a report's "does not indicate": a result)
        ("not told", rf"{_ZH_NEG}(?:人|谁|医生|大夫|护士|主任)?(?:[跟和给对向替]{_ZH_STOP}{{0,5}}?)?"
                     r"(?:说|讲|提|告诉|告知|通知|解释|交代|透露)(?![错示明])"),
        ("not told", rf"{_ZH_NEG}(?:听|听到|听见)(?:过)?(?:医生|大夫|人|谁)?(?:说|讲|提)"),
        ("not told", rf"(?:医生|大夫|他们|医院){_ZH_STOP}{{0,3}}不(?:肯|愿意|愿)?(?:[跟和给对向]{_ZH_STOP}{{0,3}}?)?"
                     r"(?:说|讲|告诉)"),
        ("not told", r"不让(?:我|我们)?(?:知道|看)"),
        # "我没看过报告", "结果还没拿到", "报告我没看"; not "结果没看到肿瘤" (a result)
        ("no report", rf"{_ZH_NEG}(?:看|见|拿|收|领|取|给|发(?!现))(?:过|到)?{_ZH_STOP}{{0,6}}?{_ZH_DOCUMENT}"),
        ("no report", rf"{_ZH_DOCUMENT}{_ZH_STOP}{{0,6}}?{_ZH_NEG}(?:(?:看|见)(?:过|到)?{_ZH_END}|拿|收|给|领|取|"
                      r"告诉|说|发(?!现))"),
        ("no report", rf"{_ZH_WHO}(?:也|都|还|自己)?{_ZH_NEG}(?:亲眼)?(?:看|见)(?:过|到)?{_ZH_END}"),
        ("no report", rf"(?:没有|没|无){_ZH_DOCUMENT}"),
        # "在等结果", "结果还没出来", "下周出结果"
        ("waiting", rf"等(?:待|着)?{_ZH_STOP}{{0,4}}?(?:结果|报告|通知|消息)"),
        ("waiting", r"(?:结果|报告)(?:还)?(?:没|没有|未|待)(?:出|拿到|下来|回来)"),
        ("waiting", r"还没(?:有)?出(?:来)?(?:结果|报告)"),
        ("waiting", rf"(?:下周|下个月|过几天|过两天|明天|以后|之后|再过){_ZH_STOP}{{0,3}}(?:出|拿|知道)(?:结果|报告)"),
        # not remembering
        ("not remembering", r"(?:不记得|记不得|记不清|记不住|不太记得|记不太清|忘了|忘记|想不起|没印象|没有印象|"
                            r"印象不深)"),
        # asking someone else; not "想问" / "请问" (a question of the patient's own), nor "我问过医生" (asked already)
        ("would have to ask", r"(?<![想请])(?:要|得|需要|还得|去|回去|先|再)问(?:问|一下|下)?"),
        ("would have to ask", r"(?<![想请])问(?:问|一下|下)?(?:医生|大夫|主治|我女儿|我儿子|我老伴|我爱人|家人|"
                              r"家里|孩子)"),
        ("would have to ask", r"(?:查|翻|找|看)(?:一下|一查|一翻|一看|查|翻|看|找)(?:报告|病历|资料|单子|记录)"),
        # not knowing in so many words
        ("does not know", r"(?:不知道|不清楚|不确定|不晓得|不了解|不太懂|不懂|搞不清|弄不清|说不清|说不准|没概念|"
                          r"不明白|没听说|没听过|不太了解|谁知道|天知道)"),
    )
)
# "CEA没查过", "没做过检测", "还在等": no result exists. Not "没查到" / "没检测出" (nothing found: a result).
_ZH_NOT_TESTED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("not tested",
     re.compile(rf"{_ZH_NEG}(?:有)?(?:做过检测|做检测|检测|检查|化验|抽血|做|查|测|验)(?:过)?(?![到出])")),
    ("not tested", re.compile(r"(?:还没|尚未|暂未)(?:有)?(?:做|查|测)")),
    ("not tested", re.compile(r"(?:还在等|正在等|在等|等通知)")),
    # "医生说不用做", "没人让我做", "还没化疗": never offered, or the test after chemotherapy cannot exist yet
    ("not tested", re.compile(r"不用做|不需要做|没(?:有)?(?:人|医生)?(?:让|叫|要求|安排)(?:我|我们|他|她)?(?:做|查|测)|"
                              r"(?:没|没有|还没|还没有)(?:做|做过|打|用)?化疗")),
)
_ZH_HEDGE = re.compile("|".join(map(re.escape, lexicon.words("zh", "record_hedge"))))
_ZH_YES = re.compile(
    r"(?<![不没未检])(?<!不是)(?<!没有)(?<!并非)(?<!并未)(?:阳性|转阳|检出|检测到|检测出|检查到|检查出|测到|测出|查到|查出)"
)
_ZH_NO = re.compile(
    r"(?<!不是)(?<!并非)(?<!不)阴性|转阴|未见|未提示|"
    r"(?:未|没|没有|并未)(?:检出|检测出|检测到|检查出|检查到|测出|测到|查出|查到|发现|找到)|"
    r"(?:检测|查|测)不(?:到|出)"
)
_ZH_NEGATED_YES = re.compile(r"(?:不是|并非|不|没有|没)(?:是)?阳性")
_ZH_NEGATED_NO = re.compile(r"(?:不是|并非|不)阴性")
_ZH_MARGIN_CLEAR = re.compile(r"切缘(?:是|为|都)?(?:阴性|干净|无癌|未见)")
_ZH_MARGIN_NOT_CLEAR = re.compile(r"切缘(?:是|为)?(?:阳性|有癌|不干净)")

_CLAUSES = re.compile(
    r"[.,;:!\n，。；：！、]+|\s[-–—]+\s|(?<![a-z0-9'])(?:but|though|although|however)(?![a-z0-9'])|但是|不过|可是"
)


def _negated(clause: str, start: int) -> bool:
    """Whether one of the four words before a position negates it; a leading answer word does not ("no it was
    positive": the result decides)."""
    before = re.findall(r"[\w']+", clause[:start])
    if before and before[0] in _ANSWER_WORDS:
        before = before[1:]
    return any(_EN_NEGATOR.fullmatch(word) for word in before[-4:])


# Not knowing in the words of a variety (lexicon.yml: "dunno leh", "search me", 晓不得, 整不明白).
_VARIETY_DOUBT = tuple(
    word for language in LANGUAGES for variety in lexicon.varieties(language, "unsure") if variety != "common"
    for word in lexicon.words(language, "unsure", variety)
)


def _doubt(text: str, check_id: str | None) -> str | None:
    """The first sign of not knowing in the message, as "label: 'words'", or None."""
    for word in _VARIETY_DOUBT:
        if word in text and (has_han(word) or whole_words(word).search(text)):
            return f"does not know: '{word}'"
    groups = [*_EN_DOUBT, *_ZH_DOUBT]
    if check_id != LIVER_RESECTION_CHECK:
        groups += [*_EN_NOT_TESTED, *_ZH_NOT_TESTED]
    for label, pattern in groups:
        match = pattern.search(text)
        if match:
            return f"{label}: '{match.group(0).strip()}'"
    return None


def _results(text: str, check_id: str | None) -> list[tuple[RecordValue, str]]:
    """Every result the message reports, clause by clause, as (value, words)."""
    found: list[tuple[RecordValue, str]] = []
    for clause in (c.strip() for c in _CLAUSES.split(text)):
        if not clause:
            continue
        if check_id == LIVER_RESECTION_CHECK:
            for pattern, value in ((_MARGIN_CLEAR, "yes"), (_ZH_MARGIN_CLEAR, "yes"), (_MARGIN_NOT_CLEAR, "unsure"),
                                   (_ZH_MARGIN_NOT_CLEAR, "unsure")):
                for match in pattern.finditer(clause):
                    found.append((value, match.group(0)))  # type: ignore[arg-type]
            continue
        clause = _SURE.sub(" ", clause)
        told = _EN_TOLD_ANSWER.search(clause.rstrip("?"))
        if told:
            found.append(("yes" if told.group(1) == "yes" else "no", told.group(0)))
        taken: list[tuple[int, int]] = []
        for match in _EN_NO.finditer(clause):
            taken.append(match.span())
            negated = not match.group(0).startswith(_SELF_NEGATED) and _negated(clause, match.start())
            found.append(("unsure" if negated else "no", match.group(0)))  # "not negative": left to the records
        for match in _EN_YES.finditer(clause):
            if any(s <= match.start() < e for s, e in taken):
                continue  # "detected" inside "not detected"
            found.append(("no" if _negated(clause, match.start()) else "yes", match.group(0)))
        for pattern, value in ((_ZH_NEGATED_YES, "no"), (_ZH_NEGATED_NO, "unsure")):
            for match in pattern.finditer(clause):
                found.append((value, match.group(0)))  # type: ignore[arg-type]
        for pattern, value in ((_ZH_NO, "no"), (_ZH_YES, "yes")):
            for match in pattern.finditer(clause):
                found.append((value, match.group(0)))  # type: ignore[arg-type]
    return found


def _own_unsure_word(text: str, check: Check | None) -> str | None:
    """One of the question's own not-sure words ("inactive", "cea level") in the message, outside the result's
    own words (没检测 inside 没检测到 is the result "not detected", not "not tested")."""
    for pattern in (_ZH_NO, _ZH_YES, _EN_NO):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    for phrase in (check.words.get("unsure", ()) if check else ()):
        if re.search(rf"(?<![a-z0-9']){re.escape(phrase.lower())}(?![a-z0-9'])", text):
            return phrase
    return None


# Not knowing what the test is called is not not knowing its result: "don't know the name of the test but the
# doctor said it showed cancer DNA", "不知道叫什么检测，医生说有". The words are dropped before reading.
_NAME_NOT_KNOWN = re.compile(
    r"(?<![a-z0-9'])(?:i )?(?:don't|dont|do not|didn't|didnt|did not) (?:know|remember|recall) (?:the|its|what the) "
    r"(?:name|brand)(?: of (?:the|that|this|my) (?:test|blood test))?|(?:forgot|forget|not sure of) (?:the|its) name"
    r"(?: of (?:the|that|this) test)?|(?:don't|dont|do not) know what (?:the test|it) (?:is|was) called"
    r"|不(?:知道|清楚|记得|晓得)(?:这个|那个)?(?:叫|是)(?:什么|啥)(?:名字|检测|检查|测试|的)?"
)
# "negative after surgery, but positive again after chemo", "转阴了，化疗完又转阳了": the newest result counts.
_POSITIVE_AGAIN = re.compile(r"(?<![a-z0-9'])(?:positive again|again positive|turned positive|became positive|"
                             r"back to positive)(?![a-z0-9'])|又(?:转)?阳|复阳|再次(?:转)?阳|重新(?:转)?阳")


def without_name_doubt(text: str) -> str:
    """The message without "I don't know what the test is called" (the result may still be known)."""
    if not _NAME_NOT_KNOWN.search(text.lower()):
        return text
    return _NAME_NOT_KNOWN.sub(" ", text.lower()).strip(" ,，")


# The questions that ask what a test found: "I had an MRD test", "做过MRD检测" says the test was done, not its
# result (not sure: the study team asks for the result). Elsewhere "做过" answers the question ("做过手术").
TEST_RESULT_CHECKS = frozenset({"ctdna_positive", "cea_expression"})


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_EN_TEST_DONE = re.compile(
    rf"(?<![a-z0-9'])(?:{_alternatives(lexicon.words('en', 'test_done'))})(?: [a-z0-9'-]+){{0,2}}? "
    rf"(?:{_alternatives(lexicon.words('en', 'test_names'))})(?![a-z0-9'])"
    rf"|^\W*(?:yes,? |yeah,? |ya,? )?(?:{_alternatives(lexicon.words('en', 'test_done'))})(?: already)?\W*$"
    rf"|(?<![a-z0-9'])(?:been|got|was|were) tested(?![a-z0-9'])"
    rf"|(?<![a-z0-9'])(?:{_alternatives(lexicon.words('en', 'test_names'))}) (?:was |were |is |has been )?"
    rf"(?:done|completed|taken)(?![a-z0-9'])"
)
_ZH_TEST_DONE = re.compile(
    rf"(?:{_alternatives(lexicon.words('zh', 'test_done'))})[^,，。.;；]{{0,8}}?"
    rf"(?:{_alternatives(lexicon.words('zh', 'test_names'))})"
    rf"|^\W*(?:{_alternatives(lexicon.words('zh', 'test_done'))})(?:了|的|啊|呀|吧)?\W*$"
)


def _test_done(text: str) -> str | None:
    """ "had an MRD test", "做过MRD检测", "做过": the words saying a test was done, or None."""
    match = _EN_TEST_DONE.search(text) or _ZH_TEST_DONE.search(text)
    return match.group(0).strip() if match else None


def read_record_answer(text: str, check: Check | None = None) -> RecordReading | None:
    """Read an answer to a record-based question: not sure, a definite result, or None (no opinion).

    See the module's docstring for the rule. `check` (the question being answered) refines it: the
    liver resection question reads margins only and has no "not tested"; the question's own not-sure
    words veto a result.
    """
    prepared = prepare(text)
    if not prepared:
        return None
    check_id = check.id if check else None
    doubt = _doubt(prepared, check_id)
    if doubt:
        return RecordReading("unsure", doubt)
    results = _results(prepared, check_id)
    if not results:
        done = _test_done(prepared) if check_id in TEST_RESULT_CHECKS else None
        return RecordReading("unsure", f"had the test, no result: '{done}'") if done else None
    values = {value for value, _ in results}
    words = " and ".join(f"'{w}'" for _, w in results)
    if values == {"yes", "no"} and results[-1][0] == "yes" and _POSITIVE_AGAIN.search(prepared):
        return RecordReading("yes", f"positive again, the newest result: {words}")
    if len(values) > 1:
        return RecordReading("unsure", f"results both ways: {words}")
    value = results[0][0]
    if value == "unsure":
        return RecordReading("unsure", f"unclear result: {words}")
    own = _own_unsure_word(prepared, check)
    if own:
        return RecordReading("unsure", f"result {words} with '{own}'")
    hedge = _EN_HEDGE.search(prepared) or _ZH_HEDGE.search(prepared)
    if hedge:
        return RecordReading("unsure", f"a belief, not a result: '{hedge.group(0)}' {words}")
    if prepared.rstrip().endswith("?"):
        return RecordReading("unsure", f"a result typed as a question: {words}?")
    return RecordReading(value, f"result: {words}")


def record_answer(text: str, check: Check | None = None) -> RecordValue | None:
    """ "unsure", "no" or "yes" for an answer to a record-based question, or None to let the general reader decide."""
    reading = read_record_answer(text, check)
    return reading.value if reading else None
