"""Read patients' free-text answers: yes/no/not sure, age, name, phone, email, contact time.

Each reader returns a value or None ("could not read it"), never a guess: an unreadable
answer is asked again with an example. No Rasa here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from bot.trial.criteria import YesNo

MAX_ANSWER_CHARS = 500

# Intents of the NLU model that answer a yes/no question, and how sure the model must be.
INTENT_VALUES: Mapping[str, YesNo] = {"affirm": "yes", "deny": "no", "dont_know": "unsure"}
MIN_INTENT_CONFIDENCE = 0.6


def normalise(text: str) -> str:
    """Lower-case, straight apostrophes, no punctuation except apostrophes, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(text.split())


def _any_phrase(text: str, phrases: Iterable[str]) -> str | None:
    for phrase in phrases:
        if re.search(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", text):
            return phrase
    return None


# Order matters: "not sure" before "no", "don't think so" before "think so".
_UNSURE = (
    "not sure", "unsure", "dont know", "don't know", "do not know", "didn't know", "dunno", "idk", "no idea",
    "not certain", "uncertain", "can't remember", "cant remember", "cannot remember", "don't remember",
    "dont remember", "do not remember", "can't recall", "cant recall", "don't recall", "no clue", "maybe",
    "perhaps", "possibly", "not known", "never been told", "haven't been told", "have not been told",
    "wasn't told", "was not told", "nobody told me", "no one told me", "have to check", "need to check",
    "i'd have to ask", "ask my doctor", "ask my daughter", "ask my son", "not tested", "never tested",
    "haven't been tested", "have not been tested", "not been tested", "unknown", "not a clue",
    "no clue", "can't say", "cannot say", "hard to say", "not clear", "unclear", "forgot", "forget",
    # not told, no results, not tested: "no" in form, "not sure" in meaning
    "didn't tell", "didn't say", "never told", "never said", "never mentioned", "no one mentioned",
    "no one said", "no one has said", "nobody said", "no one explained", "nobody explained", "didn't explain",
    "never explained", "haven't told", "haven't seen the", "haven't seen any", "never saw the",
    "never got the result", "never got told", "didn't get the result", "haven't got the result",
    "haven't had the result", "not had the result", "not been told", "haven't heard back",
    "waiting for the result", "waiting on result", "don't have the report", "don't have that report",
    "don't have the result", "don't have that information", "don't have the details", "don't have my paperwork",
    "never checked", "haven't checked", "didn't check", "no one checked", "never asked", "didn't ask",
    "haven't asked", "don't understand the result", "don't understand what they", "didn't understand what they",
    "didn't understand the result", "never found out", "not aware of the result", "haven't had the test",
    "haven't had that test", "never had the test", "never been tested", "never heard of that",
    "never heard anything", "wasn't tested", "was i tested", "can't be sure", "cannot be sure", "dont kno",
    "i dont knw", "don't knoe", "dno", "wouldn't know", "how would i know", "haven't a clue", "haven't got a clue",
    "dont recall", "do not recall", "haven't been checked", "never been checked", "ever tested me", "nobody tested",
    "don't think i was tested", "dont think i was tested", "understand what they",
    # not knowing what the question is about, asking someone else, looking it up
    "no idea what", "don't know what that", "dont know what that", "not sure what that", "no clue what",
    "what that is", "what that means", "not familiar with", "ask my wife", "ask my husband",
    "ask my mum", "ask my mom", "ask my dad", "ask my family", "ask the doctor", "ask my oncologist",
    "ask my surgeon", "ask my nurse", "ask him", "ask her", "have to ask", "need to ask", "would have to ask",
    "would need to ask", "check with", "look it up", "look at my papers", "look at my records",
    "look at my notes", "check my papers", "check my records", "check my notes", "check the report",
    "look at the report", "not 100", "no recollection", "beats me", "who knows", "god knows",
    "couldn't tell you", "couldn't say", "can't tell", "cant tell", "not that i remember", "no memory",
    "i'm confused", "im confused", "still waiting", "waiting on the result", "waiting for my result",
    "waiting for the scan", "waiting on the scan", "don't have any result", "dont have any result", "no result",
    "dont no", "don't no", "do not no", "dont kn", "don't kno", "dont knoe", "dont now", "don't now", "idk tbh",
    # mixed answers: left for the study team rather than guessed
    "yes and no", "yes or no", "sort of", "kind of", "kinda", "sorta", "in a way", "not exactly", "it depends",
    "depends", "partly", "partially",
)
_UNSURE += tuple(phrase + "s" for phrase in _UNSURE if phrase.endswith("result"))
# "not really sure", "not 100% sure", "nto sure", "not shure": unsure, before "not really" reads as no.
_UNSURE_PATTERN = re.compile(
    r"(?<![\w'])(?:not|nto|nit|n't)(?:\s+\w+){0,2}\s+(?:sure|sur|shure|suer|certain)(?![\w'])"
    # "no one ever told me", "the doctors never really said", "I was never informed"
    r"|(?<![\w'])(?:no one|noone|nobody|no body|never|not|didn't|didnt|did not|haven't|havent|hasn't|wasn't|weren't)"
    r"(?:\s+(?!i\b|as\b|like\b)\w+){0,3}\s+(?:told|informed|mentioned|explained|said|say)(?![\w'])"
)
# Declining a question is not a "no": it is left for the study team ("needs review").
_DECLINE = re.compile(
    r"(?<![\w'])(?:(?:i'?d|i would|i'll|ill) rather not|(?:i'?d )?prefer not|rather not (?:say|answer|tell)|"
    r"(?:don't|dont|do not) (?:want|wish|like) to (?:say|answer|tell|share|discuss|talk about)|"
    r"not (?:comfortable|happy) (?:answering|saying|sharing|telling)|(?:won't|will not|wont) (?:say|answer|tell)|"
    r"not telling|no comment|none of your business|(?:that's|thats|that is|it's|its) private|"
    r"skip(?: (?:this|that|it|this one|that one|the question|this question|please))?$|^skip\b|"
    r"^(?:i )?pass(?: please)?$|^next(?: question)?(?: please)?$)(?![\w'])"
)
# "I'm sure I don't" is a no; "sure, I don't mind" is not.
_SURE_NOT = re.compile(r"\bsure(?: that)? i (?:don't|dont|do not)\b(?! mind| care| object| have a problem)")
_HEDGED_NO = (
    "don't think so", "dont think so", "do not think so", "i don't believe so", "don't believe so",
    "dont believe so", "do not believe so", "i believe not", "i think not", "probably no", "pretty sure not",
    "sure not", "of course not", "certainly not", "definitely not", "absolutely not", "of course i haven't",
    "sure i haven't", "sure i havent", "sure i have not", "sure i didn't", "sure i didnt", "sure i did not",
    "sure it's no", "sure its no", "sure i've never", "sure i have never", "sure i never", "have had no",
    "i've had no",
    "probably not", "not really", "not that i know", "not that i'm aware", "not that im aware",
    "not as far as i know", "not to my knowledge", "i doubt it", "doubt it", "not at the moment",
    "not at all", "not currently", "not now", "not any more", "not anymore", "no longer", "none that i know",
    "never heard of", "not heard of", "haven't heard of", "havent heard of", "not that i've heard",
    "doesn't apply", "does not apply", "doesnt apply", "not applicable", "n a", "none of those", "none of them",
    "none of these", "don't have any", "dont have any", "do not have any", "nothing like that",
    "nothing of the sort", "not him", "not her", "not likely", "unlikely",
)
_HEDGED_YES = (
    "i think so", "think so", "i believe so", "believe so", "probably", "pretty sure", "i guess so",
    "guess so", "i suppose so", "suppose so", "as far as i know yes", "i reckon", "most likely", "likely",
)
# Words that make an answer a belief rather than knowledge ("I think it was negative").
_HEDGE_WORDS = re.compile(
    r"(?<![\w'])(?:think|thought|believe|guess|suppose|probably|reckon|assume|likely|doubt|as far as i know|"
    r"not that i know|not that i'm aware|not that im aware|to my knowledge|heard of|pretty sure|seem|seems|"
    r"i hope|hopefully)(?![\w'])"
)
_YES_WORDS = (
    "yes", "yeah", "yea", "yeh", "ya", "yah", "yep", "yup", "yes please", "y", "sure", "certainly",
    "correct", "right", "true", "affirmative", "absolutely", "definitely", "indeed", "of course", "ok",
    "okay", "i have", "i do", "i am", "i did", "i was", "i agree", "agree", "that's right", "thats right",
    "yess", "yse", "yas", "yeas", "ye", "si", "oui", "aye", "👍",
    # typed for someone else, or a typo on a phone keyboard
    "he has", "she has", "he does", "she does", "he is", "she is", "he did", "she did", "he was", "she was",
    "he can", "she can", "i can", "we have", "we did", "they did", "yes he", "yes she",
    "uh huh", "mhm", "yws", "yesh", "yaa", "yeap", "yap", "yez", "ues", "tes", "kk", "okey", "okie",
    "alright", "all right",
)
_NO_WORDS = (
    "no", "nope", "nah", "na", "nay", "n", "never", "none", "nothing", "negative", "not", "noo", "nooo",
    "non", "nein", "no thanks", "no thank you", "i haven't", "i have not", "i havent", "i don't", "i dont",
    "i do not", "i'm not", "im not", "i am not", "i didn't", "i didnt", "i did not", "i wasn't", "i was not",
    "haven't", "havent", "have not", "hasn't", "didn't", "didnt", "don't", "dont", "nil", "neither",
    "not me", "no never", "👎",
    # typed for someone else, or a typo on a phone keyboard
    "doesn't", "doesnt", "does not", "isn't", "isnt", "is not", "wasn't", "wasnt", "hasnt", "has not",
    "he's not", "she's not", "he isn't", "she isn't", "he hasn't", "she hasn't", "he doesn't", "she doesn't",
    "can't", "cant", "cannot", "can not", "nop", "nopes", "noes", "nup", "nada", "no way", "hell no",
)
_NEGATORS = ("not", "no", "never", "n't", "nt", "without", "neither", "nor", "nothing")
# Small talk before the answer ("well, no", "hmm ok yes").
_FILLER = frozenset({
    "well", "hmm", "hm", "hmmm", "um", "umm", "uh", "er", "erm", "oh", "ah", "so", "honestly", "actually", "ok",
    "okay", "lol", "haha", "sorry", "thanks", "thank", "you", "hi", "hello", "doctor", "dear", "sir", "madam",
})
# Symbols and emoji people answer with, as the words they stand for.
_SYMBOLS = {
    "yes": "👍👌✅✔☑🙆🆗",
    "no": "👎❌✖🚫🙅⛔❎",
    "not sure": "🤷🤔❓❔",
}
# Short answers in Chinese: checked in this order at the start of the message.
_CHINESE = (
    ("unsure", ("不知道", "不清楚", "不确定", "不记得", "记不清", "记不得", "说不准", "说不清", "不太清楚", "不太确定",
                "不太记得", "不晓得", "不了解", "不懂", "忘了", "忘记了", "也许", "可能", "大概", "不好说", "没听说过",
                "没测过", "没做过这个检查", "没检查过", "要问", "问一下", "不方便说", "不想说", "不想回答", "跳过")),
    ("no", ("不是", "没有", "没", "不", "无", "否", "从来没有", "从没", "从未", "并没有", "没用过", "不用", "不会")),
    ("yes", ("是的", "是", "对", "对的", "有", "有的", "嗯", "好", "好的", "行", "可以", "同意", "当然", "做过",
             "用过", "确定")),
)
_CHINESE_LEAD = re.compile(r"^(?:嗯+|呃|额|哦|噢|啊|我|他|她|我们|他们|我爸|我妈|我父亲|我母亲|病人|患者)+(?=.)")


def _longest_phrase(text: str, phrases: Iterable[str]) -> str | None:
    found = [p for p in phrases if re.search(rf"(?<![\w']){re.escape(p)}(?![\w'])", text)]
    return max(found, key=len) if found else None


@dataclass(frozen=True)
class YesNoReading:
    value: YesNo
    how: str  # which phrase or intent decided it, kept for the coordinator
    hedged: bool = False  # a belief ("I think", "not that I know of"), not knowledge


def _negated(text: str, phrase: str, window: int = 4) -> bool:
    """Whether a phrase in the text is preceded by a negation within `window` words."""
    match = re.search(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", text)
    if not match:
        return False
    before = text[: match.start()].split()
    if before and before[0] in ("no", "nope", "nah", "yes", "yeah", "yep"):
        before = before[1:]  # "no we are done having kids": the answer word, not a negation of what follows
    before = before[-window:]
    return any(word in _NEGATORS or word.endswith("n't") or word.endswith("nt") and word != "want" for word in before)


def _has_negation(text: str) -> bool:
    return any(word in _NEGATORS or word.endswith("n't") for word in text.split())


# "no, my lungs are fine": the topic again, but to say all is well.
_REASSURING = re.compile(
    r"\b(?:fine|ok|okay|healthy|normal|good|great|well|clear|clean|strong|no (?:problems?|issues?|trouble))\b"
)


def _symbols_to_words(text: str) -> str:
    for words, symbols in _SYMBOLS.items():
        for symbol in symbols:
            text = text.replace(symbol, f" {words} ")
    return text


def _squeeze(text: str) -> str:
    """ "yesss" -> "yes", "nooooo" -> "noo", "yeahhh" -> "yeah": letters held down on a phone."""
    return re.sub(r"([a-z])\1{2,}", r"\1", text)


def _clauses(text: str) -> list[str]:
    """The message in clauses ("No. I did have a cold" -> ["no", "i did have a cold"]), normalised."""
    parts = re.split(r"[.,;:!?\n()]+|\s[-–—]+\s|\s+(?:but|though|although|except)\s+", text.lower())
    return [clause for clause in (_squeeze(normalise(part)) for part in parts) if clause]


_CHINESE_ENDING = re.compile(r"^(?:的|了|过|啊|呀|吧|呢|哦|嘛|做过|有过|用过|得过|去过|参加过|是的|有的)*$")


def _read_chinese(text: str) -> YesNoReading | None:
    """ "是的", "不是", "我不知道", "没有做过": a short answer in Chinese (a whole first clause, not a sentence)."""
    if not re.search(r"[\u4e00-\u9fff]", text):
        return None
    first = next((c for c in re.split(r"[\s\W_]+", text) if c), "")
    first = _CHINESE_LEAD.sub("", first)
    for value, phrases in _CHINESE:
        for phrase in sorted(phrases, key=len, reverse=True):
            if first.startswith(phrase) and _CHINESE_ENDING.match(first[len(phrase):]):
                return YesNoReading(value, f"'{phrase}'")  # type: ignore[arg-type]
    return None


def _first_answer_words(clauses: list[str]) -> tuple[str | None, str | None]:
    """The yes-word and no-word at the start of the first clause that is not small talk."""
    for clause in clauses:
        tokens = clause.split()
        while tokens and tokens[0] in _FILLER and len(tokens) > 1:
            tokens = tokens[1:]
        if all(token in _FILLER for token in tokens) and not _longest_phrase(clause, (*_YES_WORDS, *_NO_WORDS)):
            continue
        first_words = " ".join(tokens[:4])
        said_yes = _longest_phrase(first_words, _YES_WORDS)
        said_no = _longest_phrase(first_words, _NO_WORDS)
        if said_yes and said_no:
            if said_yes in said_no:  # "i am not" contains "i am"
                said_yes = None
            elif tokens[0] in ("no", "nope", "nah", "never") or first_words.startswith(said_no):
                said_yes = None  # "no i did have a cold": the first word answers
            elif tokens[0] in ("yes", "yeah", "yep", "yup", "ya", "yea", "y") or first_words.startswith(said_yes):
                said_no = None
        return said_yes, said_no
    return None, None


_WHAT_IS_MEANT = re.compile(
    r"(?<![\w'])(?:what do you mean|what does (?:that|this|it|\w+(?: \w+){0,4}) mean|what is meant|wdym|"
    r"(?:don't|dont|do not|didn't|didnt) (?:understand|get) (?:the|your|this|that) question|"
    r"(?:explain|rephrase) (?:the|your|this|that) question|(?:what|which) (?:kind|sort|type)s? of|"
    r"what counts as|does (?:\w+(?: \w+){0,4}) count|^(?:huh|pardon|sorry|what|eh|meaning)$|"
    r"repeat (?:the|that|your|this) question|say (?:that|it) again|ask (?:that|it|the question) again|"
    r"come again)(?![\w'])"
)


def declines_to_answer(text: str) -> bool:
    """ "I'd rather not say", "skip", "prefer not to answer": the patient does not want to answer."""
    return bool(_DECLINE.search(_squeeze(normalise(text))))


def asks_what_is_meant(text: str) -> bool:
    """ "what do you mean by up and about?", "does a mini-stroke count?": a question about the question."""
    return bool(_WHAT_IS_MEANT.search(_squeeze(normalise(text))))


def _question_words(clauses: list[str], words: Mapping[str, Iterable[str]]) -> list[tuple[str, str]]:
    """The question's own words in each clause, as (value, how): "clear" is a no to "is tumour left?".

    A negated word reads the other way ("it wasn't positive" is a no) or, for a no-word, as not sure
    ("the scan wasn't clear"). Where two phrases overlap ("came back" in "came back fine", "it found"
    and "found nothing"), the longer one counts.
    """
    found: list[tuple[str, str]] = []
    for clause in clauses:
        spans: list[tuple[int, int, str, str]] = []
        for value in ("no", "yes"):
            for phrase in words.get(value, ()):
                for match in re.finditer(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", clause):
                    spans.append((match.start(), match.end(), value, phrase))
        for start, end, value, phrase in spans:
            if any(s < end and start < e and (e - s) > (end - start) for s, e, _, _ in spans):
                continue  # overlaps a longer phrase
            if _negated(clause[:end], phrase):
                found.append(("no" if value == "yes" else "unsure", f"negated '{phrase}'"))
            else:
                found.append((value, f"'{phrase}'"))
    return found


def read_yes_no(
    text: str,
    *,
    intent: str | None = None,
    confidence: float = 0.0,
    words: Mapping[str, Iterable[str]] | None = None,
    topic_mentioned: bool = False,
) -> YesNoReading | None:
    """Read yes / no / not sure from what the patient typed, or None when it is unclear.

    `words` are question-specific phrases ("clear" means "no" for "is there tumour left?");
    `topic_mentioned` says the message names the question's subject ("I had CAR-T in 2023").
    Not knowing, in any words, wins over everything else; declining to answer is read as not
    sure. The reading is `hedged` when the patient only believes it ("I think it was negative").
    The NLU intent decides only when the words alone do not.
    """
    if intent in INTENT_VALUES and text.strip().startswith("/"):
        return YesNoReading(INTENT_VALUES[intent], f"button /{intent}")
    text = _symbols_to_words(text)
    chinese = _read_chinese(text)
    if chinese is not None:
        return chinese
    normal = _squeeze(normalise(text))
    clauses = _clauses(text) or [normal]
    hedged = bool(_HEDGE_WORDS.search(normal))
    words = words or {}

    def reading(value: str, how: str, is_hedged: bool = hedged) -> YesNoReading:
        return YesNoReading(value, how, is_hedged)  # type: ignore[arg-type]

    phrase = _any_phrase(normal, words.get("unsure", ()))
    if phrase:
        return reading("unsure", f"'{phrase}'")
    declined = _DECLINE.search(normal)
    if declined:
        return reading("unsure", f"declined to answer: '{declined.group(0)}'")
    unsure = _UNSURE_PATTERN.search(normal)
    if unsure:
        return reading("unsure", f"'{unsure.group(0)}'")
    phrase = _any_phrase(normal, _UNSURE)
    if phrase:
        return reading("unsure", f"'{phrase}'")
    found = _question_words(clauses, words)
    if len({value for value, _ in found}) == 1:
        return reading(*found[0])
    if found:  # "yes it's still there, nothing they can do": both ways at once
        return reading("unsure", " and ".join(how for _, how in found))
    for value, phrases in (("no", _HEDGED_NO), ("yes", _HEDGED_YES)):
        phrase = _any_phrase(normal, phrases)
        if not phrase and value == "no" and (sure_not := _SURE_NOT.search(normal)):
            phrase = sure_not.group(0)
        if phrase:
            return reading(value, f"'{phrase}'")
    ends = {clause.split()[-1] for clause in clauses if clause.split()}
    if len(clauses) > 1 and ends & {"yes", "yeah", "yep"} and ends & {"no", "nope", "not"}:
        return reading("unsure", "a yes and a no")  # "the bowel part yes, the liver part no"
    said_yes, said_no = _first_answer_words(clauses)
    if said_yes and not said_no:
        return reading("yes", f"'{said_yes}'")
    if said_no and not said_yes:
        if topic_mentioned and len(clauses) > 1 and not _has_negation(clauses[-1]) and not _REASSURING.search(
            clauses[-1]
        ):
            # "no steroids but I drink herbal tea": the subject comes up again, not denied
            return reading("unsure", f"'{said_no}', then a mention of the topic")
        return reading("no", f"'{said_no}'")
    if topic_mentioned and not said_yes and not said_no:
        if any(word in _NEGATORS or word.endswith("n't") for word in normal.split()):
            return reading("no", "negated mention of the topic")
        return reading("yes", "mentions the topic")
    if normal in ("hmm", "hm", "hmmm", "um", "umm", "erm", "uh", "hmm well", "um well", "well"):
        return reading("unsure", f"'{normal}'")
    if intent in INTENT_VALUES and confidence >= MIN_INTENT_CONFIDENCE:
        return reading(INTENT_VALUES[intent], f"intent {intent} ({confidence:.2f})")
    return None


# ---------------------------------------------------------------------------------------- age

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


_CN_DIGITS = {
    "〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_CN_TENS = re.compile(r"([一二两三四五六七八九]?)十([一二三四五六七八九]?)")
_CN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=年)")


def _chinese_to_digits(text: str) -> str:
    """ "六十五岁" -> " 65 岁", "一九六四年" -> " 1964 年": ages and birth years in Chinese numerals."""

    def tens(match: re.Match[str]) -> str:
        high, low = match.group(1), match.group(2)
        return f" {(_CN_DIGITS[high] if high else 1) * 10 + (_CN_DIGITS[low] if low else 0)} "

    text = _CN_YEAR.sub(lambda m: " " + "".join(str(_CN_DIGITS[ch]) for ch in m.group(0)) + " ", text)
    return _CN_TENS.sub(tens, text)


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


def read_age(text: str, today: date | None = None, boundaries: tuple[int, int] = (18, 75)) -> AgeReading:
    """Age from "68", "I'm 68", "sixty-eight", "born in 1964", "born 5th March 1960" or "23/08/1962".

    A birth year alone is refused when the birthday decides which side of an age limit the
    patient is on; "mid-sixties" and "over 60" are refused as vague; "I'll be 70 in May" is 69;
    numbers that are durations ("2 years ago", "3 cycles") or other years ("surgery in 2023",
    when an age is also given) are not the age.
    """
    today = today or date.today()
    if _LOOKS_LIKE_CODE.search(text):
        return AgeReading(None, "unreadable")
    if _VAGUE_AGE.search(normalise(text)) or re.search(r"(?<![\d+])\d{2}\s*\+(?!\s*\d)", text):
        return AgeReading(None, "vague")  # "mid-sixties", "60+"
    lowered = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")
    lowered = _spelled_to_digits(_chinese_to_digits(lowered))
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


# ----------------------------------------------------------------------------------- contact

_SKIP = (
    "skip", "no", "none", "n a", "na", "nope", "no thanks", "no thank you", "no email", "no phone",
    "don't have one", "dont have one", "do not have one", "i don't have", "i dont have", "rather not",
    "prefer not", "i'd rather not", "pass", "not applicable", "nothing",
)
_RELATIVE = (
    r"(?:father|dad|daddy|mother|mum|mom|mummy|husband|wife|son|daughter|brother|sister|partner|uncle|aunt|"
    r"grandfather|grandmother|grandpa|grandma|friend|patient)"
)
_NAME_PREFIX = re.compile(
    r"^\s*(?:(?:hi|hello)[,!\s]+)?(?:(?:my|his|her|the|our) (?:full )?name is|my name's|name is|name's|"
    r"(?:my|our) " + _RELATIVE + r"(?:'s| is called| is named)(?: (?:full )?name(?: is)?)?|"
    r"(?:he|she) is called|(?:he|she)'s called|(?:he|she) is|(?:he|she)'s|i am|i'm|im|it's|its|it is|"
    r"this is|call me|you can call me|ask for|please ask for|just)\s+",
    re.IGNORECASE,
)
# Words no name is made of: a sentence typed instead of a name ("I'd rather not say").
_NOT_NAME_WORDS = frozenset({
    "not", "rather", "prefer", "say", "skip", "want", "don't", "dont", "why", "what", "would", "need", "no",
    "yes", "thanks", "thank", "sure", "ok", "okay", "please", "is", "are", "the", "my", "your", "name",
    "number", "phone", "email", "anonymous", "private", "nothing", "none", "later", "tell", "give", "know",
})
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ .'\-][^\W\d_]*)*\.?$", re.UNICODE)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-']+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
MAX_NAME_CHARS = 80
MAX_CONTACT_TIME_CHARS = 100


def clean_text(text: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """Printable text only, white space folded, cut to a length we are willing to store."""
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFKC", text)).split())[:limit]


# "email only please" to the phone question, "I'd rather not" to the email question
_SKIP_PATTERN = re.compile(
    r"^(?:skip|pass)\b|(?:rather not|prefer not|don't have|dont have|do not have|no) (?:one|a phone|a mobile|an email|"
    r"email|e mail|phone|mobile)|(?:only|just|by|via|use|prefer|rather) (?:e mail|email|phone|text|a call|calls?)\b|"
    r"(?:e mail|email|phone) (?:only|instead|is better|is fine|please)\b"
)


def is_skip(text: str) -> bool:
    normal = normalise(text)
    if not normal:
        return False
    if normal in _SKIP or text.strip() == "/deny":
        return True
    return not re.search(r"\d{3}|@", text) and bool(_SKIP_PATTERN.search(normal))


def read_name(text: str) -> str | None:
    """A person's name as typed (any script), without "my name is"; None if it isn't one."""
    name = _NAME_PREFIX.sub("", clean_text(text, 200)).strip(" ,.!")
    if not name or len(name) > MAX_NAME_CHARS or not _NAME_CHARS.match(name):
        return None
    if normalise(name) in _SKIP or len(name.split()) > 6:
        return None
    if any(word in _NOT_NAME_WORDS for word in normalise(name).split()):
        return None
    return name


_PHONE_LEAD_WORDS = frozenset({
    "it's", "its", "it", "is", "my", "his", "her", "our", "the", "number", "phone", "mobile", "cell", "tel",
    "telephone", "you", "can", "call", "me", "him", "us", "on", "at", "reach", "ring", "text", "best",
    "dad's", "mum's", "mom's", "wife's", "husband's", "son's", "daughter's", "please", "use", "try", "ok", "sure",
    "yes", "here", "this", "one", "number's", "phone's",
})


def read_phone(text: str) -> str | None:
    """A phone number with 7 to 15 digits, kept as + and digits; None otherwise."""
    raw = clean_text(text, 100)
    raw = re.sub(r"^(?:my )?(?:phone|mobile|cell|number|tel)[\w\s]*?(?:is|:)\s*", "", raw, flags=re.IGNORECASE)
    # "it's 138 1234 5678", "you can call me on ...", "my dad's mobile is ...": the words before the number
    lead = re.match(r"^\s*((?:[A-Za-z']+[\s,:]+){1,8}?)(?=\+?[\d(])", raw)
    if lead and set(normalise(lead.group(1)).split()) <= _PHONE_LEAD_WORDS:
        raw = raw[lead.end(1):]
    if re.search(r"[A-Za-z@]", raw) and not re.fullmatch(r"[\d\s()+.\-]*(?:ext\.?|x)\s*\d+", raw, re.IGNORECASE):
        return None
    if not re.fullmatch(r"\+?[\d\s()./\-]+", raw.strip()):
        return None
    digits = re.sub(r"\D", "", raw)
    if not 7 <= len(digits) <= 15:
        return None
    return ("+" if raw.strip().startswith("+") else "") + digits


_EMAIL_LEAD_WORDS = frozenset({
    "you", "can", "email", "e mail", "mail", "me", "him", "her", "us", "at", "on", "it's", "its", "it", "is", "my",
    "his", "our", "address", "the", "use", "please", "try", "send", "to", "here", "ok", "sure", "yes", "dad's",
    "mum's", "mom's", "wife's", "husband's", "son's", "daughter's", "best", "one", "that's", "thats",
})


def read_email(text: str) -> str | None:
    """An email address, with its domain lower-cased; None if it is not one."""
    candidate = clean_text(text, 254).strip(" .,;<>")
    candidate = re.sub(r"^(?:my )?e-?mail(?: address)?(?: is|:)?\s*", "", candidate, flags=re.IGNORECASE)
    words = candidate.split()
    found = [word.strip(" .,;:<>()") for word in words if "@" in word]
    others = {normalise(word) for word in words if "@" not in word}
    if len(found) == 1 and len(words) > 1 and others <= _EMAIL_LEAD_WORDS:  # "you can email me at li@qq.com"
        candidate = found[0]
    if " " in candidate or not _EMAIL.match(candidate) or ".." in candidate:
        return None
    local, domain = candidate.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def read_contact_time(text: str) -> str | None:
    """When the patient prefers to be called, as typed (short, printable); None if empty or too long."""
    cleaned = clean_text(text, MAX_CONTACT_TIME_CHARS + 1)
    if not cleaned or len(cleaned) > MAX_CONTACT_TIME_CHARS or re.search(r"[<>]", cleaned):
        return None
    return cleaned


# ---------------------------------------------------------------------------------- language

_OTHER_SCRIPTS = (
    "CJK", "HIRAGANA", "KATAKANA", "HANGUL", "CYRILLIC", "ARABIC", "HEBREW", "DEVANAGARI", "THAI", "GREEK",
)


def looks_non_english(text: str) -> bool:
    """Whether most letters of the message are in a script other than Latin."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    foreign = sum(1 for ch in letters if unicodedata.name(ch, "").startswith(_OTHER_SCRIPTS))
    return foreign / len(letters) >= 0.5
