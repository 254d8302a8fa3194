"""Read requests that leave the question being asked: stop and delete, start over, a person, "why?".

Both stopping and starting over erase answers, so a misread message must never trigger them: each
needs words that say so. No Rasa here.
"""

from __future__ import annotations

import re
import unicodedata

from bot.reading.chinese import has_han
from bot.reading.normaliser import normalise_spoken, prepare
from bot.reading.side_questions import SideTopic, is_hesitant_answer, read_side_question, starts_with_answer
from bot.reading.side_questions import is_question as asks_something
from bot.reading.text import MAX_ANSWER_CHARS
from bot.reading.yes_no import declines_to_answer, read_yes_no

# Intents of side questions the patient may ask at any point: answered, then the form asks again.
QUESTION_INTENTS = frozenset(
    {
        "ask_car_t", "ask_ctdna", "ask_cea", "ask_location", "ask_involvement", "ask_risks", "ask_study",
        "ask_privacy", "ask_why", "ask_medical_advice", "bot_challenge",
    }
)
# Intents of requests that always leave the question being asked.
REQUEST_INTENTS = frozenset({"human_handoff", "withdraw", "start_over"})

# "I forget" and "I don't want to answer that" are answers to the question, not a withdrawal.
WITHDRAW_WORDS = re.compile(
    r"\b(stop|delete|deleting|withdraw|withdrawing|remove|erase|forget (?:me|everything|it all|all|about me|my)|"
    r"quit|cancel|opt[- ]?out|end|no more|leave me|"
    r"(?:don'?t|do not) want(?! to (?:answer|say|tell|share|discuss|talk about|give|reply)\b"
    r"(?! (?:any ?more|more|these|your|the rest|all|any)))|"
    r"unsubscribe|get rid|wipe|pull out|"
    r"(?:bin|scrap|chuck) (?:it|that|this|the lot|the whole thing|everything|all|my|what)|"
    r"count me out|call it a day|rather not (?:go on|carry on|continue|keep going|go any further|go ahead|proceed|"
    r"do this)|(?:not|no longer) (?:go(?:ing)? on|carry(?:ing)? on|continu(?:e|ing)|go(?:ing)? any further|"
    r"go(?:ing)? ahead)(?= *(?:$|[,.!;]| with (?:this|it|the)\b)))\b|"
    r"删除|删掉|删了|停止|退出|不(?:想|要)再?(?:参加|参与|做|继续|弄|搞|填|整|干)(?:下去)?(?:了|喇|啦)?|"
    r"不(?:做|参加|弄|搞|填|整|干|继续)(?:了|喇|啦)|撤回|注销",
    re.IGNORECASE,
)
START_OVER_WORDS = re.compile(
    r"\b(start|restart|again|beginning|reset|redo|over|scratch|top|anew)\b|重新开始|重来|从头(?:开始|来)|重新(?:做|填|答)",
    re.IGNORECASE,
)
# Asking for a person in so many words; "I'd have to ask my doctor" is an answer ("not sure").
HANDOFF_WORDS = re.compile(
    r"\b(?:talk|speak|chat)(?:ing)? (?:to|with)\b|\b(?:real|actual|live) (?:person|human|people)\b|"
    r"\b(?:human|person|someone|somebody|coordinator|operator|agent|representative|staff)\b|"
    r"\bcall me\b|\bphone number\b|\bcontact (?:number|details)\b|\bwho (?:can|do) i (?:call|contact)\b|人工|真人|"
    r"(?:和|跟|找|同)(?:医生|护士|大夫|工作人员|协调员|你们的人|真人|人)(?:说|谈|聊|讲|沟通)|客服|活人",
    re.IGNORECASE,
)
# "why am I not eligible?", "how come", "which answer": asking for the reason of a result.
_ASKS_WHY = re.compile(
    r"^\W*(?:but |so |and |ok |okay )?(?:why|how come|what made|which answer)\b|为什么|为啥|干嘛问|问这个干(?:嘛|什么)",
    re.IGNORECASE,
)
# A side question is phrased as one: "I had CAR-T last year" is an answer, "what is CAR-T" is not.
_QUESTION_START = re.compile(
    r"^\s*(what|what's|whats|why|how|where|who|when|which|is|are|can|could|does|do|will|would|should|tell|explain)\b",
    re.IGNORECASE,
)
_WH_START = re.compile(r"^\W*(what|what's|whats|why|how|where|who|which|whose)\b", re.IGNORECASE)
# A question inside spoken text with no question mark: "so if I do this would I like have to stop my chemo".
_ASKS_INSIDE = re.compile(
    r"\b(?:would|will|do|does|can|could|should|must|shall) i (?:\w+ ){0,2}(?:have to|need to|be able to|still|keep|"
    r"stop|continue|carry on)\b", re.IGNORECASE)
_ANSWER_START = re.compile(r"^\W*(yes|yeah|yep|ok|okay|sure|no|nope|fine|i agree|agreed)\b", re.IGNORECASE)


def is_tapped(text: str) -> bool:
    """Whether the message is a button's payload ("/affirm"), not typed words."""
    return text.startswith("/")


def _asks_in_chinese(text: str) -> bool:
    """ "CAR-T是什么", "这个安全吗", "在哪家医院": a Chinese question, without a question mark too."""
    return has_han(text) and asks_something(text)


def phrased_as_question(text: str) -> bool:
    """ "what is CAR-T", "is it safe", "...?", "这个安全吗": phrased as a side question rather than a statement."""
    text = unicodedata.normalize("NFKC", text)  # "？" -> "?"
    return ("?" in text or bool(_QUESTION_START.match(text)) or bool(_ASKS_INSIDE.search(text))
            or _asks_in_chinese(text))


def is_question(text: str) -> bool:
    """Whether a message is phrased as a question ("what is the consent for?", "is it safe?"), not as an
    answer ("yes, but is it safe?", "will do")."""
    text = normalise_spoken(text)  # "没有没有" -> "没有", "係呀" -> "是", "um, no" -> "no"
    if _ANSWER_START.match(text) or starts_with_answer(text) or is_hesitant_answer(text):
        return False
    return (text.rstrip().endswith("?") or bool(_WH_START.match(text)) or bool(_ASKS_INSIDE.search(text))
            or _asks_in_chinese(text))


def asks_why(text: str) -> bool:
    """ "why am I not eligible?", "how come", "why not me": the patient asks for a reason."""
    return bool(_ASKS_WHY.search(text))


def is_side_request(intent: str | None, text: str) -> bool:
    """Whether a message is a side question or request rather than an answer to the question asked.

    "I had CAR-T last year" may be classified as a CAR-T question, but it is phrased as a
    statement, so it is read as an answer. A message too long to be an answer is never trusted
    to be a request either.
    """
    if len(text) > MAX_ANSWER_CHARS:
        return False
    if intent in REQUEST_INTENTS:
        return is_tapped(text) or clearly_requested(intent, text)
    if intent not in QUESTION_INTENTS:
        return False
    return is_tapped(text) or phrased_as_question(text) or intent == "ask_why"


def clearly_requested(intent: str | None, text: str) -> bool:
    """Whether a message the NLU took for a request (a person, stop, start over) says so in words.

    A message that does not, and reads as an answer ("I'd have to ask my doctor", "I forget",
    "I don't want to answer that"), answers the question being asked.
    """
    if intent == "withdraw":
        return wants_to_stop(text) or (
            _says(WITHDRAW_WORDS, text) and not asks_about_leaving_later(text) and not stops_something_else(text))
    if intent == "start_over":
        return _says(START_OVER_WORDS, text)
    if HANDOFF_WORDS.search(text):
        return True
    return read_yes_no(text) is None and not declines_to_answer(text)


def says_in_words(text: str, words: re.Pattern[str]) -> bool:
    """A destructive request is honoured only from a button or a short message that says so in words (typed in
    any variety: "唔想做喇" reads as "不想做了")."""
    return is_tapped(text) or (len(text) <= MAX_ANSWER_CHARS and _says(words, text))


def _says(words: re.Pattern[str], text: str) -> bool:
    return bool(words.search(text) or words.search(normalise_spoken(text)))


def asks_to_withdraw(text: str) -> bool:
    """ "stop and delete my answers", or the withdraw button: the patient is asked to confirm the erasure."""
    return wants_to_stop(text) or (says_in_words(text, WITHDRAW_WORDS) and not asks_about_leaving_later(text)
                                   and not stops_something_else(text))


# Stopping something other than this conversation: "would i have to stop my chemo tablets to do this?",
# "参加这个要停掉化疗吗？", "要停药吗". A question (or an answer), never a withdrawal. "The treatment" alone
# stays a question about leaving the study later ("can I stop the treatment later?").
_STOPS_SOMETHING_ELSE = re.compile(
    r"\b(?:stop|stopping|stopped|quit|quitting|pause|pausing|come off|coming off|give up|giving up|hold off|"
    r"skip|discontinue|discontinuing)\b(?: \w+){0,3}? (?:chemo\w*|tablets?|pills?|capsules?|medicines?|"
    r"medications?|meds|drugs?|capecitabine|xeloda|oxaliplatin|folfox\w*|folfiri\w*|xelox|capox|"
    r"radiotherapy|radiation|targeted therapy|immunotherapy|injections?|infusions?|herbs|herbal\w*|"
    r"supplements?|steroids?|work|working|my job|smoking|drinking|blood thinners?|warfarin|aspirin)\b|"
    r"(?:停|停掉|停止|停用|暂停|断)(?:了|掉)?(?:现在的|目前的|正在(?:吃|用|做|打)的|我的|所有的)?"
    r"(?:化疗|放疗|靶向|免疫治疗|吃药|药|中药|西药|卡培他滨|希罗达|奥沙利铂|工作|上班|打针|针)|"
    r"(?:化疗|放疗|靶向药?|免疫治疗|药|中药|卡培他滨|希罗达|工作|上班)(?:要|得|需要|必须|是不是|能不能|会不会)?(?:先)?"
    r"(?:停|暂停)|不(?:想|要)再?(?:做|吃|打|用)(?:化疗|放疗|靶向|免疫治疗|药|中药)",
    re.IGNORECASE,
)


def stops_something_else(text: str) -> bool:
    """ "do I have to stop my chemo tablets?", "要停药吗": about stopping a treatment, a medicine or work."""
    return bool(_STOPS_SOMETHING_ELSE.search(unicodedata.normalize("NFKC", text)))


# The side-question topic of "must I stop my chemo?": only the study doctors can say ("the study team will tell you").
STOPPING_TREATMENT_TOPIC = "treatment"

# The answer to "Do you want me to stop and delete everything you told me?": only a tap or words that say yes.
_KEEP_IT = re.compile(
    r"\b(?:don'?t|do not|never|no|not)\b.{0,20}\b(?:delete|erase|stop|remove)|不要删|别删|不用删|不删|先别|"
    r"不要停|别停|不停|不要删除|不想删",
    re.IGNORECASE,
)
_DELETE_IT = re.compile(
    r"\b(?:delete|erase|remove|wipe)\b|删吧|删掉吧?|删除吧?|^删$|删了吧|确认删除|确定删除", re.IGNORECASE
)
CONFIRM_WITHDRAWAL_PAYLOADS = frozenset({"/withdraw", "/affirm"})


def confirms_withdrawal(text: str) -> bool:
    """ "是", "确定", "删吧", "yes delete", or the [Yes, delete it] button: erase. Anything else keeps everything."""
    text = unicodedata.normalize("NFKC", text).strip()
    if text in CONFIRM_WITHDRAWAL_PAYLOADS:
        return True
    if is_tapped(text) or len(text) > MAX_ANSWER_CHARS or "?" in text or _KEEP_IT.search(text):
        return False  # "yes?" hesitates; "what happens to my data?" asks
    reading = read_yes_no(text)
    if reading is not None:
        return reading.value == "yes" and not reading.hedged
    return bool(_DELETE_IT.search(text)) or asks_to_withdraw(text)


# The answer to "Do you want to start over? Your answers so far will be cleared.": only a tap or words that say yes.
_KEEP_GOING = re.compile(
    r"\b(?:don'?t|do not|never|no|not)\b.{0,20}\b(?:start|restart|again|over|clear|delete|erase|reset|begin)|"
    r"\bask\b.{0,30}\bagain\b|\b(?:the|that) (?:last|same) question\b|"
    r"不要重|别重|不用重|不重|先别|不要从头|别从头|不用从头|不要清|别清|不用清|不想重|继续|接着",
    re.IGNORECASE,
)
_CLEAR_IT = re.compile(r"\b(?:clear|wipe|reset)\b|清掉吧?|清除吧?|清空吧?|重来吧", re.IGNORECASE)
# [Yes, start over] and the chat page's own "Start over" (asked there first) send "/start_over".
CONFIRM_START_OVER_PAYLOADS = frozenset({"/start_over", "/affirm"})


def confirms_start_over(text: str) -> bool:
    """ "是", "好的", "yes start again", "重来吧", or the [Yes, start over] button: clear the answers and begin
    again. Anything else ("no", "继续", "don't start over", a question) keeps everything."""
    text = unicodedata.normalize("NFKC", text).strip()
    if text in CONFIRM_START_OVER_PAYLOADS:
        return True
    if is_tapped(text) or len(text) > MAX_ANSWER_CHARS or "?" in text or _KEEP_GOING.search(text):
        return False  # "start over?" hesitates; "will I lose my answers?" asks
    reading = read_yes_no(text)
    if reading is not None:
        return reading.value == "yes" and not reading.hedged
    return bool(_CLEAR_IT.search(text)) or asks_to_start_over(text)


# What makes "can I stop...?" a question about leaving the study one day, not a request to stop now.
_LATER = re.compile(
    r"\b(?:later|treatment|study|trial|future|afterwards|halfway|midway|once|if i)\b|"
    r"以后|将来|中途|到时候|治疗|研究|试验",
    re.IGNORECASE,
)


def asks_about_leaving_later(text: str) -> bool:
    """ "can I stop the treatment later?", "以后不想参加了可以退出吗": a question to answer, not a withdrawal."""
    side = read_side_question(text)
    return side is not None and side.topic is SideTopic.WITHDRAWAL and bool(_LATER.search(text))


def asks_to_start_over(text: str) -> bool:
    """ "start over", "from the beginning", or the button: the answers are to be cleared."""
    return says_in_words(text, START_OVER_WORDS)


# "我先去问问医生，回头再来", "ok bye for now, I'll come back later": leaving for now, to carry on later.
_LEAVES_FOR_NOW = re.compile(
    r"回头再(?:来|聊|说|答|填)|下次再(?:来|聊|填|答)|改天再(?:来|聊|填|答)|晚(?:点|些|一点)再(?:来|聊|填|答)|"
    r"待会儿?再(?:来|聊|填|答)|等会儿?再(?:来|聊|填|答)|问(?:好|清楚|过)了?再来|"
    r"\b(?:i'?ll|i will|will) (?:come back|be back|return)\b|\bcome back later\b",
    re.IGNORECASE,
)


def leaves_for_now(text: str) -> bool:
    """ "好的，我先去问问医生，回头再来": the patient leaves for now and will carry on later (nothing is erased)."""
    return len(text) <= MAX_ANSWER_CHARS and bool(_LEAVES_FOR_NOW.search(text)) and not asks_to_withdraw(text)



# A wish to stop that needs no help from the NLU: said so plainly that no answer to any question reads so. The
# classifier misses some ("不想弄了", "I'd rather not go on, please bin what I've told you"), so the questions
# read these themselves and ask to confirm the erasure. Each says it of this conversation, with no object after
# it: "不想做化疗", "I don't want to go on chemo", "不想再住院" and "stop my tablets" stay answers or questions.
_CLAUSE_END = r"(?=\s*(?:$|[,.!;~]))"
_STOP_EN = re.compile(
    # "I'd rather not go on", "I don't want to carry on with this any more"
    r"(?:\b(?:i'?d|i would|i'd much) rather not|\b(?:i )?(?:don'?t|do not) (?:want|wish|feel like|fancy) to|"
    r"\bi'?m not (?:going|gonna) to|\bi (?:can'?t|cannot) be bothered to)"
    r" (?:go on|carry on|continue|keep going|go any further|do this|do any more|go ahead|proceed|"
    r"answer any more(?: questions)?|do (?:these|the) questions)"
    r"(?: (?:with (?:this|it|the questions)|any ?more|any longer|now|thanks?(?: you)?|please|sorry))*" + _CLAUSE_END
    # "not going on with this"; not "not continuing" alone, which answers "are you still taking it?"
    + r"|\b(?:not|no longer) (?:going on|carrying on|continuing|going any further) with (?:this|it|the questions)"
    + _CLAUSE_END
    # "I want to stop", "please stop now", "I'd like to withdraw"
    + r"|\b(?:i (?:want|wish|would like|need) to|i wanna|i'?d like to|let me|please|just) "
    r"(?:stop|quit|withdraw|opt out|pull out|leave|end this|end it)"
    r"(?: (?:now|here|please|the questions|this|it|thanks?(?: you)?))*" + _CLAUSE_END
    # the whole message: "stop", "I quit", "no more questions", "leave me alone"
    + r"|^(?:ok |okay |no |sorry |please )?(?:stop|quit|stop it|stop this|stop now|stop here|i quit|i'?m done|"
    r"i'?m out|no more questions|enough questions|withdraw(?: me)?|opt me out|leave me alone|"
    r"stop asking(?: me)?(?: questions)?)(?: please| now| thanks?(?: you)?)*\W*$"
    # "bin what I've told you", "delete everything", "wipe my answers", "forget about me"
    + r"|\b(?:delete|erase|wipe|bin|scrap|shred|destroy|remove|get rid of|forget)(?: all| all of)? "
    r"(?:my (?:answers|data|details|information|info|records?|replies)|(?:every|any)thing i(?:'ve| have)? "
    r"(?:told you|said|typed|written|given you)|what i(?:'ve| have)? (?:told you|said|typed|written|given you)|"
    r"all (?:of )?(?:that|this|my answers)|about me|me)\b"
    r"|\b(?:delete|erase|wipe|bin|scrap|shred) (?:everything|it all|the lot|the whole thing)\b"
    r"|\b(?:withdraw|opt out|pull out) (?:me )?from (?:this|the (?:study|screening|questions))\b"
    r"|\bcount me out\b|\bcall it a day\b"
)
# Chinese, in the normalised text (Traditional, Cantonese and Shanghainese read as Mandarin): a clause that is
# only the wish ("算了，不想弄了", "我不想继续下去了", "不做了"), or deleting what the patient said.
_STOP_ZH_LEAD = (r"(?:算了|好了|哎|唉|哎呀|那|那我|还是|我|我们|阿拉|俺|咱|咱们|其实|真的|实在|就|不好意思|对不起|抱歉|"
                 r"我看|我觉得)*")
_STOP_ZH = re.compile(
    r"(?:^|[,.!;~\s。！；、])" + _STOP_ZH_LEAD
    + r"(?:(?:不(?:想|要|愿意|打算)再?(?P<wish>参加|参与|做|继续|弄|搞|填|整|干|测|筛查|进行)(?:下去)?"
    r"|(?:不要|别)再?问|"
    r"(?:要|想)?退出(?:这个|研究|试验|筛查)?|到此为止)(?:了|喇|啦|咯|吧|啊|呀)*"
    # "不做了", never "不做" alone, which may answer a question
    r"|不(?P<done>做|参加|参与|弄|搞|填|整|干|继续)(?:了|喇|啦|咯)(?:吧|啊|呀|了|啦)*)(?=$|[,.!;~\s。！；、])"
    r"|(?:删除|删掉|删了|清除|清空|销毁|抹掉)(?:我的|我)?(?:所有|全部)?的?(?:资料|信息|回答|数据|记录|答案|内容|东西)"
    r"|把(?:我的|我)?(?:所有|全部)?的?(?:资料|信息|回答|数据|记录|答案|内容|东西)?(?:都|全)?(?:删|清)(?:除|掉|了|光|干净)"
    r"|(?:全|都)删(?:了|掉|除)"
)
_ASKS_ZH = re.compile(r"[吗么]\W*$|可以吗|能不能|可不可以|行不行|会不会")


def wants_to_stop(text: str, question: str = "") -> bool:
    """ "不想弄了", "不想继续了", "唔想做喇", "I'd rather not go on, please bin what I've told you": the patient wants
    to stop and have their answers deleted, in words plain enough to ask the confirmation without the NLU.

    Never a question ("can I stop later?", "要停药吗"), stopping something else ("I don't want to go on chemo",
    "不想做化疗") or declining one question ("I'd rather not say", "不想回答"). With the open `question`'s text, a
    verb that question asks about answers it: "不打算参加" to "……打算参加其他临床研究吗？", "没测，不想测" to a
    question about a test (检测) are answers, not a wish to stop.
    """
    if is_tapped(text) or len(text) > MAX_ANSWER_CHARS:
        return False
    prepared = prepare(text)
    if "?" in prepared or _ASKS_ZH.search(prepared) or asks_about_leaving_later(text) or stops_something_else(prepared):
        return False
    if _STOP_EN.search(prepared):
        return True
    return any(not (verb := match.group("wish") or match.group("done")) or verb not in question
               for match in _STOP_ZH.finditer(prepared))
