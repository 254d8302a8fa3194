"""Read yes / no / not sure from what a patient typed, in many words or emoji (Chinese: yes_no_zh.py). No Rasa here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from bot.reading import lexicon
from bot.reading.chinese import has_han
from bot.reading.normaliser import normalise_spoken
from bot.reading.text import any_phrase, longest_phrase, normalise, squeeze, whole_words
from bot.reading.yes_no_zh import merge_bare_names, read_chinese_yes_no
from bot.reading.yes_no_zh import split_clauses as chinese_clauses
from bot.trial.criteria import Check, YesNo

# Intents of the NLU model that answer a yes/no question, and how sure the model must be.
INTENT_VALUES: Mapping[str, YesNo] = {"affirm": "yes", "deny": "no", "dont_know": "unsure"}
MIN_INTENT_CONFIDENCE = 0.6

# The words are data (lexicon.yml, every variety of English). Order matters: "not sure" before "no",
# "don't think so" before "think so".
_UNSURE: tuple[str, ...] = lexicon.words("en", "unsure")
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
_DECLINE_WORDS = lexicon.words("en", "decline")
_DECLINE_WORDS_ZH = lexicon.words("zh", "decline")
_HEDGED_NO = lexicon.words("en", "hedged_no")
_HEDGED_YES = lexicon.words("en", "hedged_yes")
# Words that make an answer a belief rather than knowledge ("I think it was negative").
_HEDGE_WORDS = re.compile(
    rf"(?<![\w'])(?:{'|'.join(map(re.escape, lexicon.words('en', 'belief')))})(?![\w'])")
_YES_WORDS = lexicon.words("en", "yes")
_NO_WORDS = lexicon.words("en", "no")
_YES_ALONE = frozenset(lexicon.words("en", "yes_alone"))
_NO_ALONE = frozenset(lexicon.words("en", "no_alone"))
_NEGATORS = ("not", "no", "never", "n't", "nt", "without", "neither", "nor", "nothing")
# Small talk before the answer ("well, no", "hmm ok yes").
_FILLER = frozenset(lexicon.words("en", "filler"))
# Symbols and emoji people answer with, as the words they stand for.
_SYMBOLS = {
    "yes": "👍👌✅✔☑🙆🆗",
    "no": "👎❌✖🚫🙅⛔❎",
    "not sure": "🤷🤔❓❔",
}
@dataclass(frozen=True)
class YesNoReading:
    value: YesNo
    how: str  # which phrase or intent decided it, kept for the coordinator
    hedged: bool = False  # a belief ("I think", "not that I know of"), not knowledge


@cache
def _normal_phrase(phrase: str) -> str:
    return normalise_spoken(phrase)


def _as_typed_words(words: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """A question's own words in the form the messages are read in ("考虑考虑" as "考虑", 沒有 as 没有)."""
    return {value: tuple(dict.fromkeys(_normal_phrase(p) for p in phrases)) for value, phrases in words.items()}


_SUBJECTS = frozenset(("i", "we", "he", "she", "they", "it", "my", "our", "his", "her", "their", "the", "that", "this",
                       "i'm", "im", "it's", "its", "we're", "were", "i've", "ive", "we've", "me"))


def _negated(text: str, phrase: str, window: int = 4) -> bool:
    """Whether a phrase in the text is preceded by a negation within `window` words."""
    match = whole_words(phrase).search(text)
    if not match:
        return False
    before = text[: match.start()].split()
    if len(before) > 1 and before[0] in ("no", "nope", "nah", "yes", "yeah", "yep") and before[1] in _SUBJECTS:
        # "no we are done having kids": the answer word, not a negation of what follows; but "no ulcer" and
        # "no ulcers or colitis" are the word negated
        before = before[1:]
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


def _clauses(text: str) -> list[str]:
    """The message in clauses ("No. I did have a cold" -> ["no", "i did have a cold"]), normalised."""
    parts = re.split(r"[.,;:!?\n()]+|\s[-–—]+\s|\s+(?:but|though|although|except)\s+", text.lower())
    return [clause for clause in (squeeze(normalise(part)) for part in parts) if clause]


_MANY_WORD_ANSWERS = tuple(p for p in (*_YES_WORDS, *_NO_WORDS) if " " in p)


def _opens_with_phrase(tokens: list[str]) -> bool:
    """Whether the clause opens with an answer of several words that begins with small talk ("ok lor")."""
    text = " ".join(tokens) + " "
    return any(text.startswith(phrase + " ") for phrase in _MANY_WORD_ANSWERS)


def _first_answer_words(clauses: list[str]) -> tuple[str | None, str | None]:
    """The yes-word and no-word at the start of the first clause that is not small talk."""
    for clause in clauses:
        tokens = clause.split()
        while tokens and tokens[0] in _FILLER and len(tokens) > 1 and not _opens_with_phrase(tokens):
            tokens = tokens[1:]
        if all(token in _FILLER for token in tokens) and not longest_phrase(clause, (*_YES_WORDS, *_NO_WORDS)):
            continue
        if tokens and tokens[0] in ("if", "whether", "suppose", "supposing"):
            return None, None  # "so if I do this, would I have to stop my chemo": a condition, not an answer
        first_words = " ".join(tokens[:4])
        said_yes = longest_phrase(first_words, _YES_WORDS)
        said_no = longest_phrase(first_words, _NO_WORDS)
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
    normal = squeeze(normalise(normalise_spoken(text)))
    return bool(_DECLINE.search(normal) or any_phrase(normal, _DECLINE_WORDS)
                or any(phrase in normal for phrase in _DECLINE_WORDS_ZH))


def asks_what_is_meant(text: str) -> bool:
    """ "what do you mean by up and about?", "does a mini-stroke count?": a question about the question."""
    return bool(_WHAT_IS_MEANT.search(squeeze(normalise(text))))


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
                if phrase not in clause:
                    continue
                for match in whole_words(phrase).finditer(clause):
                    spans.append((match.start(), match.end(), value, phrase))
        for start, end, value, phrase in spans:
            if any(s < end and start < e and (e - s) > (end - start) for s, e, _, _ in spans):
                continue  # overlaps a longer phrase
            if _negated(clause[:end], phrase):
                found.append(("no" if value == "yes" else "unsure", f"negated '{phrase}'"))
            else:
                found.append((value, f"'{phrase}'"))
    return found


# "but that's it", "a bit of", "benign": what follows a "no" is something minor, not a doubt about the answer.
_MINOR = re.compile(r"(?<![\w'])(?:a bit|a little|bit of|sometimes|occasionally|now and then|that's it|thats it|"
                    r"that's all|thats all|only|just|benign|not cancer|harmless|nothing serious)(?![\w'])")


def _minor_after_no(text: str, clauses: list[str], words: Mapping[str, Iterable[str]],
                    parts: Mapping[str, Iterable[str]] | None) -> str | None:
    """ "no nothing like that, I get a bit of heartburn sometimes but that's it": a no, then something minor
    that is only one of the question's own not-sure words. None when anything else in the message doubts
    the no, or names a part of the question or one of its yes-words."""
    said_yes, said_no = _first_answer_words(clauses[:1])
    minor = _MINOR.search(text)
    own = any_phrase(text, words.get("unsure", ()))
    if not said_no or said_yes or not minor or not own:
        return None
    if (_DECLINE.search(text) or any_phrase(text, _DECLINE_WORDS) or _UNSURE_PATTERN.search(text)
            or any_phrase(text, _UNSURE) or any_phrase(text, _HEDGED_YES)):
        return None
    if any(value == "yes" for value, _ in _question_words(clauses, words)):
        return None
    if parts and any(_mentions(clause, phrases) for clause in clauses[1:] for phrases in parts.values()):
        return None
    return f"'{said_no}', then only something minor: '{own}' ('{minor.group(0)}')"


def read_yes_no(
    text: str,
    *,
    intent: str | None = None,
    confidence: float = 0.0,
    words: Mapping[str, Iterable[str]] | None = None,
    topic_mentioned: bool = False,
    parts: Mapping[str, Iterable[str]] | None = None,
    minor_is_no: bool = False,
) -> YesNoReading | None:
    """Read yes / no / not sure from what the patient typed, or None when it is unclear.

    `words` are question-specific phrases ("clear" means "no" for "is there tumour left?");
    `topic_mentioned` says the message names the question's subject ("I had CAR-T in 2023").
    Not knowing, in any words, wins over everything else; declining to answer is read as not
    sure. The reading is `hedged` when the patient only believes it ("I think it was negative").
    `minor_is_no` (only for a question where "no" rules nobody out): a no followed by something minor
    ("no, a bit of heartburn sometimes") stays a no.
    The NLU intent decides only when the words alone do not. `parts` are the parts of a question
    asked as one ("pregnant or breastfeeding"), each with its words: an answer in parts is read part
    by part (see `_read_in_parts`).
    """
    if text.strip().startswith("/"):  # a button's payload, or a typed command ("/帮助"), never an answer
        if intent is not None and intent in INTENT_VALUES and text.strip().split("{")[0] == f"/{intent}":
            return YesNoReading(INTENT_VALUES[intent], f"button /{intent}")
        return None
    text = _symbols_to_words(normalise_spoken(text))
    words = _as_typed_words(words) if words else words
    if parts:
        in_parts = _read_in_parts(text, words or {}, parts)
        if in_parts is not None:
            return in_parts
    chinese = read_chinese_yes_no(text, words, minor_is_no=minor_is_no, parts=parts)
    if chinese is not None:
        return YesNoReading(*chinese)
    normal = squeeze(normalise(text))
    clauses = _clauses(text) or [normal]
    hedged = bool(_HEDGE_WORDS.search(normal))
    words = words or {}

    def reading(value: str, how: str, is_hedged: bool = hedged) -> YesNoReading:
        return YesNoReading(value, how, is_hedged)  # type: ignore[arg-type]

    if minor_is_no and (minor := _minor_after_no(normal, clauses, words, parts)):
        return reading("no", minor)
    # clause by clause: "no, scan clear" holds no "no scan" (a scan not had)
    phrase = next((own for clause in clauses if (own := any_phrase(clause, words.get("unsure", ())))), None)
    if phrase:
        return reading("unsure", f"'{phrase}'")
    declined_words = _DECLINE.search(normal)
    declined = declined_words.group(0) if declined_words else any_phrase(normal, _DECLINE_WORDS)
    if declined:
        return reading("unsure", f"declined to answer: '{declined}'")
    # clause by clause: in "not yet leh, surgeon say must do chemo first" the "not" does not reach "say"
    unsure = next((match for clause in clauses if (match := _UNSURE_PATTERN.search(clause))), None)
    if unsure:
        return reading("unsure", f"'{unsure.group(0)}'")
    phrase = any_phrase(normal, _UNSURE)
    if phrase:
        return reading("unsure", f"'{phrase}'")
    found = _question_words(clauses, words)
    if len({value for value, _ in found}) == 1:
        return reading(*found[0])
    if found:  # "yes it's still there, nothing they can do": both ways at once
        return reading("unsure", " and ".join(how for _, how in found))
    for value, phrases in (("no", _HEDGED_NO), ("yes", _HEDGED_YES)):
        phrase = any_phrase(normal, phrases)
        if not phrase and value == "no" and (sure_not := _SURE_NOT.search(normal)):
            phrase = sure_not.group(0)
        if phrase:
            return reading(value, f"'{phrase}'")
    ends = {clause.split()[-1] for clause in clauses if clause.split()}
    if len(clauses) > 1 and ends & {"yes", "yeah", "yep"} and ends & {"no", "nope", "not"}:
        return reading("unsure", "a yes and a no")  # "the bowel part yes, the liver part no"
    bare = " ".join(clauses)
    for value, alone in (("yes", _YES_ALONE), ("no", _NO_ALONE)):
        if bare in alone:
            return reading(value, f"'{bare}'")
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
    if intent is not None and intent in INTENT_VALUES and confidence >= MIN_INTENT_CONFIDENCE:
        return reading(INTENT_VALUES[intent], f"intent {intent} ({confidence:.2f})")
    return None


_NO_LONGER_EN = lexicon.words("en", "no_longer")
_NO_LONGER_ZH = lexicon.words("zh", "no_longer")


def _mentions(clause: str, phrases: Iterable[str]) -> bool:
    for phrase in phrases:
        phrase = phrase.lower()
        if has_han(phrase) and phrase in clause:
            return True
        if not has_han(phrase) and phrase in clause and whole_words(phrase).search(clause):
            return True
    return False


def _read_in_parts(
    text: str, words: Mapping[str, Iterable[str]], parts: Mapping[str, Iterable[str]]
) -> YesNoReading | None:
    """A question asked as one with parts ("pregnant or breastfeeding?"), answered in parts, clause by clause.

    "没怀孕，但是还在喂奶" and "not pregnant, but still breastfeeding" are a yes (on breastfeeding): any part
    that is a yes makes the answer yes; every part a no is a no; a part not sure, with no part a yes, is
    not sure. Only an answer whose clauses name at least two different parts is read so; "none of them",
    "都没有" and the rest go to the general reading. A part that has ended ("stopped breastfeeding",
    "已经断奶") is a no for that part.
    """
    chinese = has_han(text)
    clauses = chinese_clauses(text) if chinese else _clauses(text)
    if chinese:
        clauses = merge_bare_names(clauses, [*(p for ps in parts.values() for p in ps),
                                             *(p for ps in words.values() for p in ps)])
    named: list[tuple[str, str]] = []  # (clause, the parts it names, as one key)
    for clause in clauses:
        names = sorted(part for part, phrases in parts.items() if _mentions(clause, phrases))
        if names:
            named.append((clause, "+".join(names)))
    if len({key for _, key in named}) < 2:
        return None
    readings: list[tuple[str, YesNoReading]] = []
    for clause, key in named:
        reading = read_yes_no(clause, words=words, topic_mentioned=True)
        if reading is None:
            return None
        ended = _NO_LONGER_ZH if chinese else _NO_LONGER_EN
        if reading.value == "yes" and _mentions(clause, ended):
            reading = YesNoReading("no", f"{reading.how}, ended", reading.hedged)
        readings.append((key, reading))
    hedged = any(reading.hedged for _, reading in readings)
    how = "; ".join(f"{key}: {reading.value} ({reading.how})" for key, reading in readings)
    values = {reading.value for _, reading in readings}
    value: YesNo = "yes" if "yes" in values else "unsure" if "unsure" in values else "no"
    return YesNoReading(value, f"in parts: {how}", hedged)


def belief_about_records(check: Check, reading: YesNoReading) -> YesNoReading:
    """A belief about a record-based result ("I don't think so", "not that I know of") is not sure.

    Only the hospital's records can say whether the ctDNA test was positive or the liver tumours were
    completely removed: a hedged answer is read as not sure (needs review), whichever way it leans,
    so that it never rules anyone out and never passes as a result the records were not asked for.
    """
    if check.source == "record" and reading.hedged and reading.value != "unsure":
        return YesNoReading("unsure", f"{reading.how}: a belief about a record-based result", hedged=True)
    return reading
