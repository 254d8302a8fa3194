"""Read yes / no / not sure from Chinese as patients and their families type it. No Rasa here.

Not knowing wins everywhere in the message (不清楚, 医生没说过, 我得问问医生); then the question's own
words (阳性, 切干净了, 卧床; 没有复发 and 不是阳性 read the other way); then the answer word that opens
the first clause that is not a question (没有，不过去年做过一次胃镜 is a no; 我妈没做过 is a no).
A belief (好像没有, 应该阴性吧, 可能是阳性) is `hedged`, so that it never rules anyone out on a result
only the hospital's records hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import cast

from bot.reading import lexicon
from bot.reading.chinese import fold_width, has_han
from bot.trial.criteria import YesNo

# Anywhere in the message: the patient does not know, was not told, or would have to ask.
_UNSURE = re.compile(
    r"不(?:太|是很|大|怎么|是太|完全)?(?:知道|清楚|确定|记得|了解|晓得|懂|明白|肯定)|说不(?:准|清|好|上来)|不好说|"
    r"记不(?:清|得|太清)|忘(?:了|记)|没(?:有)?(?:印象|注意)|(?:医生|大夫|他们|没人|没有人)(?:也)?(?:没|没有|从来没|从没)"
    r"(?:跟我|和我|给我|对我|告诉我)?(?:细|详细|具体|明确|仔细)?(?:说|讲|提|告诉|解释)|没(?:人|有人)(?:跟我|和我)?(?:说|讲|提|告诉)|"
    r"(?:得|要|需要|还得|要去|得去|我去)问(?:问|一下)?|问(?:问|一下)(?:医生|大夫|我|家里|孩子|女儿|儿子)|"
    r"(?:查|看)(?:一下|一查|看)?(?:报告|病历|单子|化验单)|没(?:有)?看(?:过|到)?(?:报告|结果|单子)|"
    r"(?:报告|结果)(?:还)?没(?:有)?(?:出|拿到|出来)|还在等|等(?:结果|报告)|没(?:有)?(?:查过|测过|做过这个检查|检查过|拿到)|"
    r"不懂|搞不清|弄不清|闹不清|一半一半|时好时坏|有时候|说不定|也许|或许|难说|谁知道|天知道|没数|"
    r"不太会|不了解|不详"
)
# Declining to answer is read as not sure, never as a no.
_DECLINE = re.compile(r"不(?:想|方便|愿意)(?:说|回答|讲|告诉)|下一(?:个|题)|"
                      + "|".join(map(re.escape, lexicon.words("zh", "decline"))))
# Words that make an answer a belief rather than knowledge.
_HEDGE = re.compile("|".join(map(re.escape, lexicon.words("zh", "hedge"))))
# Not knowing in regional words (唔知, 晓不得, 勿晓得), from the lexicon.
_UNSURE_WORDS = re.compile("|".join(map(re.escape, lexicon.words("zh", "unsure"))))
# A hedge and nothing else ("可能吧", "也许"): not sure; "应该吧" and "大概是吧" lean to yes.
_BARE_HEDGE = re.compile(r"^(?:可能|也许|或许|好像|似乎|貌似|差不多)(?:吧|呢|啊|哦|是|有|是吧|有吧)?$")
_LEANS_YES = re.compile(r"^(?:应该|大概|估计|多半|八成|我觉得|感觉)(?:是|有|是的|有的)?(?:吧|啊|呀|哦)?$")
# Who is answering and small words before the answer: 我爸, 他, 嗯, 其实, 从来 (kept in 从来没有 below).
_LEAD = re.compile(
    r"^(?:(?:嗯+|呃|额|哦|噢|噢噢|啊|哎|唉|那个|这个|其实|说实话|老实说|医生|您好|你好)[，,\s]*)*"
    r"(?:(?:我|他|她|我们|他们|咱|俺|本人|病人|患者|老人|家里老人)?"
    r"(?:爸爸?|妈妈?|父亲|母亲|老爸|老妈|老伴|老公|老婆|爱人|先生|太太|丈夫|妻子|儿子|女儿|爷爷|奶奶|外公|外婆)?)"
    r"(?:也|都|还|就|倒是|确实|真的|的确|一直|已经|目前|现在|今年|肯定|当然)*"
)
_QUESTION = re.compile(r"[吗么?]$|是不是|有没有|什么|怎么|哪|为啥|为什么|能不能|可不可以")
# Question words that do not ask: 没什么问题, 那个什么 (a spoken "whatsit"), 什么都没有, 不怎么疼.
_INDEFINITE = re.compile(
    r"没[^，,。？?！!\s]{0,4}过(?:什么|啥)|叫(?:什么|啥)(?=[^\s，,。？?！!吗呢来着])|(?:没|没有|不是|不)(?:什么|啥|多少)|那个什么|什么的|(?:什么|啥|哪里|哪儿|哪个)(?:都|也)|不怎么")
# An answer word and a hesitant question mark ("没有？", "是的?"): an answer, not a question.
_HESITANT = re.compile(r"[?]+$")


def _asks(clause: str) -> bool:
    """Whether a clause is a question of the patient's, not an answer ("没有，没什么问题" answers)."""
    cleaned = _INDEFINITE.sub(" ", clause)
    if _HESITANT.search(cleaned) and _opening_answer(_HESITANT.sub("", cleaned)) is not None:
        return False
    return bool(_QUESTION.search(cleaned))
# General answer words at the start of a clause (lexicon.yml, every variety); the rest of the clause is the story.
_ANSWERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("no", lexicon.words("zh", "no")), ("yes", lexicon.words("zh", "yes")))
_ORDERED_ANSWERS = sorted(((phrase, value) for value, phrases in _ANSWERS for phrase in phrases),
                          key=lambda item: len(item[0]), reverse=True)
# Openers that look like answer words but are not: 不过 (but), 有点 (a little), 没事 / 没问题 (fine, no problem).
_NOT_ANSWERS = lexicon.words("zh", "not_answers")
# A one-character yes (有, 是, 好) answers only on its own or with particles: 有一个问题 is not a yes.
_PARTICLES = re.compile(r"^(?:的|了|过|啊|呀|吧|哦|嘛|呢|啦|滴|哈|呐|额|咧|嘞|噢|喔)*$")
# Negations just before a question's own word: 没有复发, 不是阳性, 未见转移, 没能切.
_NEGATED_BEFORE = re.compile(
    r"(?:没有?|不是?|未见?|无|非|并没有?|从没有?|从来没有?)"
    r"(?:有|是|被|再|能|得|太|怎么|做过?|打过?|吃过?|用过?|参加过?|接受过?|得过?|查出|发现)?"
    r"(?:这个|那个|这种|那种|这些|那些|什么|那个什么)?$"
)


# Slips of the pinyin keyboard (same sound, wrong character): 做国 for 做过, 阳信 for 阳性, 不清出 for 不清楚.
_TYPOS = (("做国", "做过"), ("阳信", "阳性"), ("阴信", "阴性"), ("羊性", "阳性"), ("不清出", "不清楚"),
          ("不清处", "不清楚"), ("不知到", "不知道"), ("不只道", "不知道"), ("不晓的", "不晓得"), ("没油", "没有"))
# A negation just after a question's own word: 中药也没吃, CAR-T没做过, 激素从来不用.
_NEGATED_AFTER = re.compile(
    r"^(?:一个|一样|一种|哪个|哪样|什么|啥|全|全部|其他的?)?(?:也|都|从来|从|还|更|就)(?:没|没有|不|未)|^(?:没|没有|未|从没|从来没)(?:吃|用|做|打|得|参加|接受)|"
    r"^(?:是)?(?:没有|没|无|不是|不)(?:的|啊|呀|了|吧|哦)*$")
# A clause about someone else (我姐姐有类风湿): not the patient's answer when another clause answers.
_SOMEONE_ELSE = re.compile(
    r"^(?:我|我的|我们|他|她|他的|她的)?(?:家)?(?:姐姐|姐|哥哥|哥|弟弟|弟|妹妹|妹|朋友|邻居|亲戚|同事|舅舅|姑姑|"
    r"姨妈|叔叔|伯伯|表哥|表姐|表弟|表妹|堂哥|堂姐|同学|别人|邻床|病友)")
# An interjection alone before the answer (哦，没有): not an answer of its own.
_INTERJECTION = re.compile(r"^(?:哦+|噢+|喔+|啊+|呃+|额+|哎+|唉+)$")
# "I don't know whether it counts" after a fact the question names (在吃中药，不知道算不算): the fact
# stands and is read back, rather than being lost as not sure.
_DOES_IT_COUNT = re.compile(r"(?:不知道|不确定|不清楚|不晓得)(?:这个|这)?(?:算不算|算不算数|算吗|算不)")


def fix_typos(text: str) -> str:
    """Common pinyin-keyboard slips as the words meant: 做国手术 -> 做过手术, 阳信 -> 阳性."""
    for wrong, right in _TYPOS:
        text = text.replace(wrong, right)
    return text


def split_clauses(text: str) -> list[str]:
    """The message in clauses, split at punctuation and "but": 没有，不过去年做过胃镜 -> [没有, 去年做过胃镜]."""
    parts = re.split(r"[，,。.！!；;、\s~～…]+|(?<=[?？])|不过|但是|可是|只是", fold_width(text).lower())
    return [part.strip() for part in parts if part and part.strip()]


_JOINED = re.compile(r"^(?:和|跟|与|及|或|或者|还有|以及|,)")


def merge_bare_names(clauses: list[str], names: Iterable[str]) -> list[str]:
    """Clauses that only name things join the clause after them: "激素 免疫抑制剂 中药 都没有", typed with
    spaces, is one answer (都没有 to each), not three yeses and a no."""
    named = sorted({n.lower() for n in names if has_han(n)}, key=len, reverse=True)
    if not named:
        return clauses
    bare = re.compile("^(?:" + "|".join(map(re.escape, named)) + r"|和|跟|与|及|或者|还有|以及)+$")
    merged: list[str] = []
    pending = ""
    for clause in clauses:
        if bare.match(clause):
            pending += clause
            continue
        merged.append(pending + clause)
        pending = ""
    if pending:
        merged.append(pending)
    return merged


def _after_named(after: str, words: Mapping[str, Iterable[str]]) -> str:
    """What follows a named thing once other named things joined to it are skipped: in 乙肝丙肝都没有 and
    激素和中药都没有 the 都没有 negates each."""
    named = sorted((p.lower() for phrases in words.values() for p in phrases if has_han(p)), key=len, reverse=True)
    while True:
        joined = _JOINED.match(after)
        if joined:
            after = after[joined.end():]
            continue
        phrase = next((p for p in named if after.startswith(p)), None)
        if phrase is None:
            return after
        after = after[len(phrase):]


def _question_words(clauses: list[str], words: Mapping[str, Iterable[str]]) -> list[tuple[YesNo, str]]:
    """The question's own Chinese words in each clause; a negated one reads the other way (a no-word as not sure)."""
    found: list[tuple[YesNo, str]] = []
    own = [clause for clause in clauses if not _SOMEONE_ELSE.match(clause)]
    for clause in own or clauses:
        spans: list[tuple[int, int, YesNo, str]] = []
        for value in ("unsure", "no", "yes"):
            for phrase in words.get(value, ()):
                if not has_han(phrase):
                    continue
                phrase_lower = phrase.lower()
                if phrase_lower not in clause:
                    continue
                for match in re.finditer(re.escape(phrase_lower), clause):
                    spans.append((match.start(), match.end(), value, phrase))
        for start, end, value, phrase in spans:
            if any(s <= start and end <= e and (e - s) > (end - start) for s, e, _, _ in spans):
                continue  # inside a longer phrase: 没切干净 over 切干净
            negated = _NEGATED_BEFORE.search(clause[:start]) or _NEGATED_AFTER.match(_after_named(clause[end:], words))
            if value == "no" and negated and _LEAD.sub("", clause[:start]) in ("没有", "没"):
                negated = None  # "没有肺挺好的" typed without a comma: the answer "没有", then "肺挺好" (fine)
            if value != "unsure" and negated:
                found.append(("no" if value == "yes" else "unsure", f"negated '{phrase}'"))
            else:
                found.append((value, f"'{phrase}'"))
    return found


def _opening_answer(clause: str) -> tuple[YesNo, str] | None:
    """The answer word a clause opens with, after who is speaking (我妈没做过 -> no)."""
    rest = _LEAD.sub("", clause) or clause
    for candidate in (rest, clause):
        if candidate.startswith(_NOT_ANSWERS):
            continue
        for phrase, value in _ORDERED_ANSWERS:
            if candidate.startswith(phrase):
                if (value == "yes" or phrase == "不") and len(phrase) == 1 and not _PARTICLES.match(candidate[1:]):
                    return None
                return cast(YesNo, value), f"'{phrase}'"
    return None


# After a no, something minor (胃有时候有点反酸, 就是有时候有点头晕, 其他没什么): not a doubt about the no.
_MINOR = re.compile(r"有时候|偶尔|有点|一点|其他没什么|别的没什么|良性|而已|就这些|没什么大问题")


def _minor_after_no(clauses: list[str], words: Mapping[str, Iterable[str]],
                    parts: Mapping[str, Iterable[str]] | None) -> str | None:
    """ "没有，胃有时候有点反酸，其他没什么": a no, then only something minor. None when the message doubts the
    no in other words, or names one of the question's yes-words or parts after the no."""
    if not clauses:
        return None
    opening = _opening_answer(clauses[0])
    joined = "".join(clauses)
    minor = _MINOR.search(joined)
    if not opening or opening[0] != "no" or not minor:
        return None
    if _DECLINE.search(joined) or _UNSURE_WORDS.search(joined) or _HEDGE.search(joined):
        return None
    if any(match.group(0) not in ("有时候", "时好时坏") for match in _UNSURE.finditer(joined)):
        return None
    rest = _LEAD.sub("", clauses[0])
    said = opening[1].strip("'")
    after = [rest[len(said):] if rest.startswith(said) else clauses[0], *clauses[1:]]
    if any(value == "yes" for value, _ in _question_words(after, words)):
        return None
    named = [p.lower() for phrases in (parts or {}).values() for p in phrases if has_han(p)]
    if any(phrase in clause for clause in after for phrase in named):
        return None
    return f"{opening[1]}, then only something minor: '{minor.group(0)}'"


def read_chinese_yes_no(text: str, words: Mapping[str, Iterable[str]] | None = None, *, minor_is_no: bool = False,
                        parts: Mapping[str, Iterable[str]] | None = None) -> tuple[YesNo, str, bool] | None:
    """(value, how, hedged) for a Chinese answer, or None when it holds no Chinese or no answer.

    `minor_is_no`: a no followed by only something minor stays a no (see `_minor_after_no`)."""
    if not has_han(text):
        return None
    clauses = merge_bare_names(split_clauses(fix_typos(text)), (p for ps in (words or {}).values() for p in ps))
    if len(clauses) > 1 and _INTERJECTION.match(clauses[0]):
        clauses = clauses[1:]
    joined = "".join(clauses)
    hedged = bool(_HEDGE.search(joined))
    if counts := _DOES_IT_COUNT.search(joined):
        facts = _question_words([c for c in clauses if not _DOES_IT_COUNT.search(c) and not _asks(c)],
                                words or {})
        if facts and {value for value, _ in facts} == {"yes"}:
            return "yes", f"{facts[0][1]}, asking whether it counts: '{counts.group(0)}'", hedged
    if minor_is_no and (minor := _minor_after_no(clauses, words or {}, parts)):
        return "no", minor, hedged
    for pattern, how in ((_DECLINE, "declined to answer"), (_UNSURE, "not sure"), (_UNSURE_WORDS, "not sure")):
        if match := pattern.search(joined):
            return "unsure", f"{how}: '{match.group(0)}'", hedged
    answers = [_HESITANT.sub("", clause) for clause in clauses if not _asks(clause)]
    found = _question_words(answers, words or {})
    if found:
        values = {value for value, _ in found}
        if len(values) == 1:
            return found[0][0], found[0][1], hedged
        return "unsure", " and ".join(how for _, how in found), hedged
    for clause in answers:
        bare = re.sub(r"[吧呢啊呀哦嘛了的]+$", "", clause)
        if _BARE_HEDGE.match(clause) or (not bare and clause):
            return "unsure", f"'{clause}'", hedged
        if _LEANS_YES.match(clause):
            return "yes", f"'{clause}'", True
        stripped = _HEDGE.sub("", clause)
        opening = _opening_answer(stripped) if stripped else None
        if opening:
            return opening[0], opening[1], hedged
    return None
