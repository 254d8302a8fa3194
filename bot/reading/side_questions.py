"""Side questions: "do I have to live in Shanghai?", "要钱吗？" — a question of the patient's, not an answer.

Why this module exists: during the prescreen every message is read as the answer to the question
being asked, so "how much does it cost?" or "can I stop the treatment later?" was stored as an
answer ("I have" is a yes-word in "do I have to pay?") or got a reply about something else. The
study summary the assistant knows cannot answer these topics; the study team can. This module says
whether a message is a question and, if so, which of those topics it is about, so the form can say
so, note it for the coordinator and ask its own question again, without storing anything.

Topics: cost to the patient, payment or compensation for taking part, travel and accommodation,
having to live in Shanghai, how long the study lasts, stopping or withdrawing later, bringing a
family member, or `other` (any other question: the existing intents may answer it).

A message is a question when it has a question mark (also full-width "？"), starts with a question
word ("what", "how much", "do I", "can my wife", "is it"; an auxiliary only with a subject after it,
so "was told it was negative" and "did have surgery" stay answers), asks in so many words ("I'd like
to know", "请问", "想知道"), or, in Chinese, has a question particle or word (吗, 呢, 怎么, 多少, 是否,
什么, 为什么, 能不能, 可不可以, 要不要, 多久, 哪里…). It is not a question when the question word is
embedded in an answer: "我不知道多少岁", "不知道什么是ctDNA", "没有什么问题", "谁也没说", "不怎么疼",
"how would I know" (rhetorical: not sure), "还在等结果呢" (呢 as a particle of a statement).

Decisions worth knowing:
- "yes?", "no?", "not sure?", "negative?", "阴性？": a short answer with a question mark is a hesitant
  answer, not a question (`is_hesitant_answer`); the form reads the answer and may treat it as not
  sure (bot.reading.not_told does so for record-based questions).
- An answer followed by a question ("yes, but how much does it cost?", "有，要钱吗？") is reported with
  `after_answer=True` when the question is about one of the topics above, so the form can keep the
  answer and reply to the question; an answer followed by an `other` question ("yes, what else do you
  need") is an answer.

Pure Python, no Rasa.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.reading.normaliser import prepare
from bot.reading.yes_no import read_yes_no


class SideTopic(str, Enum):
    """What a side question is about; the value is the id the form and the coordinator use."""

    COST = "cost"
    PAYMENT = "payment"
    TRAVEL = "travel"
    RESIDENCE = "residence"
    DURATION = "duration"
    WITHDRAWAL = "withdrawal"
    COMPANION = "companion"
    OTHER = "other"


@dataclass(frozen=True)
class SideQuestion:
    """A question of the patient's, what it is about, and the answer typed before it, if any."""

    topic: SideTopic
    after_answer: bool = False  # the message starts with an answer to the question being asked
    answer_text: str | None = None  # that answer's words ("yes", "有"), to read with the question's reader


# ------------------------------------------------------------------------------ is it a question

_EN_FILLER = re.compile(
    r"^(?:(?:hi|hello|hey|ok|okay|so|and|also|but|um|umm|uh|er|oh|ah|sorry|excuse me|one more thing|"
    r"quick question|a question|question|btw|by the way|just|doctor|dr|nurse|please|well|then|actually|sir|"
    r"madam|thanks|thank you|lol)(?![a-z'])\W*)+"
)
_SUBJECT = (
    r"(?:i|you|we|they|he|she|it|there|this|that|these|those|the|my|me|our|your|his|her|their|anyone|anybody|"
    r"someone|somebody|patients|people|family|relatives|a|an|u)"
)
_EN_QUESTION_START = re.compile(
    r"^(?:why|how(?! (?:would|should|could|do|can) i (?:know|tell|remember)\b)|which|whose|whom|"
    r"(?:what|where|when)(?:'s|s)?(?= (?:is|are|was|were|do|does|did|will|would|can|could|should|about|if|"
    r"else|kind|sort|type|happens|happen|time|day|days|much|many|exactly|does)\b|\W*$)|"
    r"who(?:'s|s)?(?= (?!i\b|we\b|they\b|he\b|she\b|my\b|me\b)[a-z]|\W*$)|"
    rf"(?:is|are|am|was|were|can|could|do|does|did|will|would|should|shall|may|might)(?:n't|nt| not)? {_SUBJECT}"
    r"(?![a-z'])|"
    r"(?:have|has)(?:n't|nt| not)? (?:i|you|we|they|he|she|it|there|anyone|anybody)(?![a-z'])|"
    # "is accommodation provided", "does insurance cover it"; not "is fine", "is negative", "do not know"
    r"(?:is|are|does|do) (?!(?:fine|ok|okay|good|well|done|negative|positive|clear|normal|not|all|so|too|very|"
    r"still|gone|removed|better|worse|n't|in|on|at|from|with|under|like|much|more|less|now|here|also)\b)[a-z]+|"
    r"any (?:costs?|fees?|money|payment|help|support|travel|accommodation|chance|way)\b|"
    r"tell me|explain)"
)
_EN_ASKS = re.compile(
    r"(?<![a-z'])(?:i'?d like to know|i would like to know|i want to know|i wanna know|i need to know|"
    r"(?:i wonder|i was wondering|just wondering|wondering) (?:if|whether|how|what|why|when|who|where|about)|"
    r"can you tell me|could you tell me|please tell me|do you know|may i ask|"
    r"can i ask|could i ask|i have a question|got a question|my question is)(?![a-z'])"
)
_EN_RHETORICAL = re.compile(
    r"^(?:how (?:would|should|could|do|can) i (?:know|tell|remember)|who knows|god knows|what do i know|"
    r"who can say|who can tell)\b"
)
_ZH_QUESTION = re.compile(
    r"吗(?!啡)|么(?=$|[,.!?\s])|嘛(?=$|[,.!?\s])|"
    r"怎么|怎样|如何|多少|是否|能否|可否|什么|啥|为什么|为啥|干嘛|"
    r"(\S)不\1|能不能|可不可以|可以不可以|要不要|会不会|用不用|需不需要|需要不需要|是不是|有没有|行不行|好不好|对不对|"
    r"多久|多长|多远|几个月|几年|几周|几天|几次|哪里|哪儿|哪个|哪些|哪家|哪天|谁|"
    r"请问|想问|想知道|想了解|想咨询|咨询一下|问一下|问个问题|有个问题|有个疑问"
)
# Question words embedded in an answer, not asking: "不知道什么是ctDNA", "没什么问题", "谁也没说", "不怎么疼".
_ZH_EMBEDDING = re.compile(
    r"(?:不知道|不清楚|不记得|记不清|忘了|不确定|不懂|不明白|没问|没说|不晓得|搞不清|说不清|不了解|也不知|没听说)"
)
_ZH_INDEFINITE = re.compile(
    # 请问吧 / 你问吧 ("go ahead and ask"), 没参加过什么试验 (none at all),
    # 做过一个叫什么…的检测 (a spoken "whatsit", not a question)
    r"(?:请|你|您)?问吧|没[^，,。？?！!\s]{0,4}过(?:什么|啥)|叫(?:什么|啥)(?=[^\s，,。？?！!吗呢来着])|"
    r"(?:没|没有|不是|不)(?:什么|啥|多少)|(?:什么|啥|谁|哪里|哪儿|哪)(?:都|也)|不怎么|多多少少|谁知道|天知道|"
    r"(?:了|过)几|几(?:天|年|个月|周|次)(?:前|以前|之前|后|以后|了|的)|(?:那|这|前|头|好|最近)几(?:天|年|个月|周|次)|那个什么|什么的|"
    r"问一下(?:医生|大夫|家人|家里|我)|(?:要|得|去|先|再)问一下"
)
# Wondering aloud, then not knowing: "我做过CAR-T吗？不确定" answers the question (not sure), asks nothing.
_ZH_ASKS_ONESELF = re.compile(
    r"^我[^?]*[?]\s*(?:我)?(?:也|真)?(?:不太|不是很|不)(?:确定|知道|清楚|记得)了?[.!]*$|^我[^?]*[?]\s*(?:记不清|忘)了?[.!]*$")
# "还在等结果呢": 呢 closing a statement; "费用呢？", "那住宿呢" ask.
_ZH_NE = re.compile(r"(?P<clause>[^,.!?;\s]{1,12})呢(?=$|[,.!?;\s])")
_ZH_NE_STATEMENT = re.compile(r"还|在|着|正|没|呢.*呢")
_ZH_ANSWER_START = re.compile(
    r"^(?:是的|是|对的|对|有的|有|没有|没|不是|不|不知道|不清楚|不确定)"
    r"(?!没有|不是|不可以|不要|不会|不用|不需要|不对|不行|不好|不能)(?=[,.!?;\s]|$)"
)
# "ok" / "sure" / "好的" before a question are small talk, not an answer to keep.
_EN_ANSWER_START = re.compile(
    r"^(?:yes|yeah|yea|yep|yup|no|nope|nah|not sure|i don't know|i dont know|dunno|"
    r"never|none|i have(?! to| got| a question)|i haven't|i havent|i did|i didn't|i didnt)(?![a-z'])\W*"
)
# Result words a patient may type with a hesitant question mark ("negative?", "阴性？").
_HESITANT_WORDS = re.compile(r"^(?:positive|negative|clear|fine|normal|阴性|阳性|正常|没事|没问题|清除了|切干净了)$")


def is_hesitant_answer(text: str) -> bool:
    """ "yes?", "no?", "not sure?", "negative?", "阴性？": a short answer typed with a question mark."""
    prepared = prepare(text)
    if "?" not in prepared:
        return False
    bare = prepared.replace("?", " ").strip(" .!,")
    if not bare or len(bare.split()) > 3 or len(bare) > 20:
        return False
    if _EN_QUESTION_START.match(bare) or _ZH_QUESTION.search(bare) or _ZH_NE.search(bare):
        return False
    return bool(_HESITANT_WORDS.match(bare)) or read_yes_no(bare) is not None


def _zh_asks(clause: str) -> bool:
    """Whether a Chinese clause asks: a question word not embedded in an answer, or a questioning 呢."""
    if _ZH_EMBEDDING.search(clause):
        return False  # "我不知道多少岁", "不知道要不要钱": a statement of not knowing
    cleaned = _ZH_INDEFINITE.sub(" ", clause)
    if _ZH_QUESTION.search(cleaned):
        return True
    match = _ZH_NE.search(cleaned)
    return bool(match and not _ZH_NE_STATEMENT.search(match.group("clause")))


def _asks(text: str) -> bool:
    """Whether a message (already prepared, without a leading answer) is phrased as a question."""
    if not text:
        return False
    if "?" in text:
        return True
    start = _EN_FILLER.sub("", text)
    if _EN_RHETORICAL.match(start):
        return False
    if _EN_QUESTION_START.match(start) or _EN_ASKS.search(text):
        return True
    return any(_zh_asks(clause) for clause in re.split(r"[,.!;]", text) if clause.strip())


def _split_answer(text: str) -> tuple[str | None, str]:
    """(the answer the message starts with, the rest): "yes, but is it free?" -> ("yes", "is it free?")."""
    match = _EN_ANSWER_START.match(text) or _ZH_ANSWER_START.match(text)
    if not match:
        return None, text
    rest = text[match.end():].lstrip(" ,.;!")
    rest = re.sub(r"^(?:but|and|also|though|however|just|so|但是|不过|可是|但|那|就是|只是)(?![a-z'])\W*", "", rest)
    return match.group(0).strip(" ,.;!"), rest


# A word echoed with a question mark, then the answer: "MRD? never had it", "ctDNA？没做过".
_ECHO_THEN_ANSWER = re.compile(r"^(?P<echo>[^?\s]{1,12}(?: [^?\s]{1,12})?)\?+\s*(?P<answer>[^?]+)$")


def _echoes_then_answers(prepared: str) -> bool:
    """ "MRD? never had it": the patient repeats a word of the question, then answers it."""
    match = _ECHO_THEN_ANSWER.match(prepared)
    if not match or _EN_QUESTION_START.match(match.group("echo")) or _ZH_QUESTION.search(match.group("echo")):
        return False
    answer = match.group("answer")
    return not _asks(answer) and read_yes_no(answer) is not None


def _not_asking(prepared: str) -> bool:
    """An empty message, a hesitant answer ("no?"), wondering aloud, or a word echoed then answered."""
    return (not prepared or is_hesitant_answer(prepared) or bool(_ZH_ASKS_ONESELF.search(prepared))
            or _echoes_then_answers(prepared))


def starts_with_answer(text: str) -> bool:
    """ "没有，没什么问题", "no, never": the message opens with an answer and asks nothing after it."""
    answer, rest = _split_answer(prepare(text))
    return answer is not None and not (rest and _asks(rest))


def is_question(text: str) -> bool:
    """Whether the message asks something (see the module's docstring), rather than answering."""
    prepared = prepare(text)
    if _not_asking(prepared):
        return False
    answer, rest = _split_answer(prepared)
    if answer is not None:
        return bool(rest) and _asks(rest) and _topic(rest) is not SideTopic.OTHER
    if _EN_RHETORICAL.match(_EN_FILLER.sub("", prepared)):
        return False
    return _asks(prepared)


# ------------------------------------------------------------------------------------ the topic

_RELATIVES = (
    r"(?:wife|husband|son|daughter|kids?|children|child|family|relatives?|partner|friend|mum|mom|mother|dad|"
    r"father|brother|sister|carer|caregiver|someone|somebody|spouse|grandson|granddaughter)"
)
# In this order: the first topic that matches wins ("how much is the hotel?" is travel, not cost).
_TOPICS: tuple[tuple[SideTopic, re.Pattern[str]], ...] = tuple(
    (topic, re.compile(pattern))
    for topic, pattern in (
        (SideTopic.RESIDENCE,
         r"(?<![a-z'])(?:live|living|reside|resident|residency|residence|move|moving|relocate|relocating|based)"
         r"(?: \w+){0,3} (?:in|to|near|around) shanghai(?![a-z'])|"
         r"(?<![a-z'])(?:have to|need to|must|required to|got to|should) (?:be )?(?:stay|live|be based|remain)"
         r"(?: \w+){0,2} (?:in|near) shanghai(?![a-z'])|"
         r"(?<![a-z'])(?:hukou|shanghai (?:residents?|residency|locals?|hukou|people only|only)|locals? only|"
         r"only locals?|"
         r"(?:from|in|live in|living in) (?:another|a different|other) (?:city|province|country|part)|"
         r"(?:outside|out of) (?:shanghai|town|the city|china)|not (?:from|in|living in) shanghai|"
         r"(?:i|we|he|she) (?:live|lives|am|are|is) (?:in|from) (?!shanghai)\w+|have to be local|non[- ]?locals?)"
         r"(?![a-z'])|"
         r"住在上海|在上海住|住上海|常住|户口|户籍|本地人|外地|外省|外国|其他城市|别的城市|不在上海|不住上海|上海人|非上海|"
         r"上海以外|搬到上海|搬去上海|留在上海|待在上海|呆在上海|一直在上海|上海本地|上海的病人|上海居民"),
        (SideTopic.COMPANION,
         rf"(?<![a-z'])(?:bring|take|come with|accompany|accompanied|escort|with me|along)(?: \w+){{0,2}} "
         rf"(?:my |a |the |our )?{_RELATIVES}(?![a-z'])|"
         rf"(?<![a-z'])(?:can|could|may|will|is) (?:my |a |the |our )?{_RELATIVES}(?: \w+){{0,2}} "
         r"(?:come|stay|be there|join me|be with me|visit|go with|accompany)(?![a-z'])|"
         r"(?<![a-z'])(?:come with me|family members?|companion|chaperone|visitors?|visiting hours|visit me|"
         r"stay with me|accompany me|go with me)(?![a-z'])|"
         r"陪|家属|带(?:上|着)?(?:家人|老伴|孩子|女儿|儿子|爱人|老婆|老公|家属|亲戚|朋友)|家人(?:可以|能|能不能|可不可以)?(?:一起|跟|陪)|"
         r"一起来|一起去|探视|探望|跟着来|跟我来|跟我去|带人|带个人|带一个人|一个人去|一个人来"),
        (SideTopic.TRAVEL,
         r"(?<![a-z'])(?:travel\w*|transport\w*|trains?|flights?|fly|plane|taxis?|bus|buses|parking|hotels?|"
         r"accommodation|accomodation|accommodations|lodging|lodge|hostel|get there|getting there|commute|"
         r"commuting|journey|trips?|how far|far away|too far|far from|airfare|fares?|mileage|petrol|gas money|"
         r"place to stay|somewhere to stay|where (?:to|do|will|would|can|could|should|shall) (?:i|we)(?: \w+)? stay)"
         r"(?![a-z'])|"
         r"交通|路费|车费|机票|飞机|火车|高铁|动车|打车|停车|住宿|住哪|住在哪|酒店|宾馆|旅馆|住的地方|来回|往返|路程|路上|"
         r"远不远|多远|太远|距离|差旅|怎么去|怎么来|怎么过去|怎么走"),
        (SideTopic.PAYMENT,
         r"(?<![a-z'])(?:get paid|be paid|being paid|paid for (?:taking part|participating|joining|my time|this)|"
         r"pay (?:me|us|patients|participants|people|you)|(?:you|they|the study|the hospital) pay(?! for (?:it|the))|"
         r"payments? for (?:taking part|participating|joining|my time)|compensat\w*|reimburs\w*|allowance|stipend|"
         r"subsid\w*|reward|incentive|honorarium|money for (?:taking part|joining|participating|my time)|"
         r"get (?:any )?money|receive (?:any )?money|earn|paid)(?![a-z'])|"
         r"补贴|补助|报酬|酬劳|给钱|给不给钱|有钱拿|钱拿|营养费|误工费|补偿|奖励|津贴|劳务费|红包|发钱|给我钱|付钱给我"),
        (SideTopic.COST,
         r"^how much\W*$|"
         r"(?<![a-z'])(?:cost|costs|costing|price|pricing|expensive|cheap|fee|fees|charge|charged|charges|"
         r"free of charge|for free|(?:is|it's|be|for|totally|completely|it) free|afford|money|insurance|insured|"
         r"covered|cover the|out of pocket|bill|bills|how much (?:is|does|will|would)(?! (?:time|blood))|pay|pays|"
         r"paying|payment|payments)(?![a-z'])|"
         r"费用|多少钱|要钱|花钱|收费|免费|自费|花费|贵不贵|贵吗|很贵|便宜|医保|报销|付费|交钱|付钱|钱|价格|价钱|费"),
        (SideTopic.WITHDRAWAL,
         r"(?<![a-z'])(?:i|we|he|she|me|my \w+|possible to|allowed to|able to|option to|right to|free to)"
         r"(?: \w+){0,3} (?:stop|stopping|quit|quitting|leave|end it|say no)(?![a-z'])|"
         r"(?<![a-z'])(?:withdraw\w*|drop out|dropping out|pull out|opt out|back out|change my mind|changed my mind|"
         r"discontinue|get out of|not continue|don't want to continue|leave the (?:study|trial|programme|program))"
         r"(?![a-z'])|"
         r"退出|停止|停掉|不想做了|不做了|反悔|中途|放弃|不参加了|不继续|退组|可以退|能退|能不能退|后悔|不想参加了|"
         r"做到一半|能不能停|可不可以停|可以停|能停|停下来"),
        (SideTopic.DURATION,
         r"(?<![a-z'])(?:how long(?! ago| have i got| do i have left| have i been| has it been| since)|duration|"
         r"how many (?:weeks|months|years|days)|length of|how much time|take long|last long|long does|long is|"
         r"long will|time commitment|follow[- ]?up (?:period|for how long)|when (?:does|will) (?:it|the study|"
         r"the trial|the treatment) (?:end|finish|be over))(?![a-z'])|"
         r"多久|多长时间|多长|几个月|几年|几周|几天|周期|持续|要多少时间|花多少时间|什么时候结束|时间多长|时间长|时长|随访多"),
    )
)


def _topic(question: str) -> SideTopic:
    for topic, pattern in _TOPICS:
        if pattern.search(question):
            return topic
    return SideTopic.OTHER


def read_side_question(text: str) -> SideQuestion | None:
    """The topic of the patient's question, or None when the message is not a question (an answer)."""
    prepared = prepare(text)
    if _not_asking(prepared):
        return None
    answer, rest = _split_answer(prepared)
    if answer is not None:
        if not rest or not _asks(rest):
            return None
        topic = _topic(rest)
        # "yes, what else do you need": an answer; "yes, but is it free?": the answer and a question to reply to
        return SideQuestion(topic, after_answer=True, answer_text=answer) if topic is not SideTopic.OTHER else None
    if _EN_RHETORICAL.match(_EN_FILLER.sub("", prepared)) or not _asks(prepared):
        return None
    return SideQuestion(_topic(prepared))
