"""One normaliser before reading: what people type, as the readers and the NLU read it. No Rasa here.

People do not type like the test tables. The same answer comes in Traditional characters from Taiwan
or Hong Kong (應該沒有吧), in full-width letters and digits from a Chinese keyboard (ＣＴＤＮＡ，１２),
reduplicated as spoken Chinese says it (没有没有, 对对对, no no no), and, from voice input, with the
fillers of speech (嗯, 那个, 就是说, um, you know). `normalise_spoken` turns all of these into the one
form the readers' words are written in: Simplified characters, half-width forms, one answer word,
no fillers. It keeps case and punctuation (the readers split clauses at punctuation); `prepare`
adds what every reader wants on top: lower case, straight apostrophes, single spaces.

What it must never do: change a name, a number, a phone number or an e-mail address. Traditional ->
Simplified touches Han characters only; fillers and repeats are whole words from short lists, never
digits or letters inside a longer token; a message that is nothing but a filler ("嗯", "um") is left
as it is, because there it is the answer ("嗯" is a yes; "um" is not sure). The contact readers
(names, phones, e-mails) do not call it: a name is kept exactly as typed.

Only the readers see the normalised text: the message as typed is what is stored and shown to the
coordinator.

Traditional -> Simplified is OpenCC (the `opencc` package by BYVoid), with its `t2s` conversion:
character and phrase tables kept by the project, so 乾淨 -> 干净 and 頭髮 -> 头发 come out right
where a one-to-one character table gets them wrong. Note that Cantonese 係 becomes 系 (their
Simplified form): the lexicon is normalised the same way when it is loaded (see `lexicon.py`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from bot.reading.chinese import HAN, HAN_CHARS, fold_width

# Answer words people say twice or three times ("没有没有", "对对对", "no no no"), longest first so that
# 不是不是 is one 不是, not 不 + 是不是. Several characters: collapsed wherever they repeat.
_REPEATED_WORDS = (
    "没有啊", "没有的", "不是的", "不知道", "不晓得", "好的", "是的", "对的", "没有", "不是", "没得", "木有", "没事",
    "可以", "知道", "嗯嗯", "呒没", "唔系", "冇啊", "系呀", "有的", "对啊", "是啊", "不用", "不要", "没了",
    "yes", "yeah", "yep", "no", "nope", "nah", "ok", "okay", "sure", "right", "correct", "never", "none", "not sure",
)
# One character: collapsed only as a clause of its own ("有有有，做过"), so 有有效 or 是是非非 stay.
_REPEATED_CHARS = "有是对好没不冇系嗯无能行"
_CLAUSE_EDGE = r"(?:^|(?<=[\s,.;:!?~]))"
_CLAUSE_END = r"(?=$|[\s,.;:!?~吧啊呀呢哦嘛啦的了])"
_SEPARATOR = r"[\s,.~!]*"
_REPEATS = re.compile(
    "|".join(
        [rf"(?P<w{i}>{re.escape(word)})(?:{_SEPARATOR}(?P=w{i})(?![a-z']))+" if word.isascii()
         else rf"(?P<w{i}>{re.escape(word)})(?:{_SEPARATOR}(?P=w{i}))+"
         for i, word in enumerate(_REPEATED_WORDS)]
        + [rf"{_CLAUSE_EDGE}(?P<c>[{_REPEATED_CHARS}])(?:{_SEPARATOR}(?P=c))+{_CLAUSE_END}"]
    ),
    re.IGNORECASE,
)
# English answer words repeat only as whole words: "no no" -> "no", not "nono" or "no-one".
_ASCII_WORD_START = re.compile(r"(?<![A-Za-z'])")

# Fillers of spoken Chinese. 就是说, 那个什么 ("that whatsit") and 呃 go wherever they stand; the others
# only where they open a clause, so the particle of 有啊 and the demonstrative in 那个药我没吃过
# mid-clause stay (那个 opening a clause is a filler in speech: "那个，我没做过").
_ZH_FILLERS_ANYWHERE = re.compile(r"就是说|那个什么|呃+")
_ZH_FILLERS_OPENING = re.compile(
    r"(?:^|(?<=[\s,.;:!?~]))(?:(?:嗯+|啊+|那个|就是|然后)(?:[\s,.~]*))+(?=\S)"
)
# For the NLU model, 嗯 and 啊 opening a message are kept: to the model they are a yes ("嗯 在参加别的研究").
_ZH_FILLERS_OPENING_FOR_MODEL = re.compile(
    r"(?:^|(?<=[\s,.;:!?~，。；：！？]))(?:(?:那个|就是|然后)(?:[\s,.~，]*))+(?=\S)"
)
# Full-width letters, digits and the ideographic space (ＣＴＤＮＡ, １３８); Chinese punctuation is left as it is.
_ASCII_WIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF5B) if chr(code - 0xFEE0).isalnum()} | {0x3000: 0x20}
# Fillers of spoken English, as whole words: "um", "uh", "erm" anywhere; "like" and "you know" only set
# off by commas or opening the message ("like, no", "no, you know, not really"), so "nothing like that",
# "I'd like to" and "do you know" keep their meaning.
_EN_FILLERS = re.compile(
    r"(?<![\w@.'-])(?:um+|uh+|erm+|uhm+|umm+)(?![\w@'-])(?!\s*huh\b)[\s,.]*|"
    r"(?:^|(?<=,))\s*(?:like|you know|i mean)\s*,\s*|"
    r"\s*,\s*(?:you know|i mean)\s*(?=$|[.!?])",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """ "應該沒有吧，醫生沒說" -> "应该没有吧，医生没说"; text without Han characters is returned as it is."""
    return _to_simplified().convert(text) if HAN.search(text) else text


# Two or three Han characters said twice ("切了切了", "做过做过", "可以可以"): once. Not one character, which
# is how Chinese makes words (妈妈, 谢谢, 看看).
_REPEATED_HAN = re.compile(f"([{HAN_CHARS}]{{2,3}})(?:[\\s,~]*\\1)+")


def collapse_repeats(text: str) -> str:
    """ "没有没有" -> "没有", "对对对" -> "对", "no no no" -> "no", "好的好的" -> "好的": one answer word."""
    text = _REPEATED_HAN.sub(r"\1", text)

    def one(match: re.Match[str]) -> str:
        word = next(group for group in match.groups() if group)
        if word.isascii() and match.start() > 0 and not _ASCII_WORD_START.match(text, match.start()):
            return match.group(0)  # inside a longer word ("piano no")
        return word

    return _REPEATS.sub(one, text)


def drop_fillers(text: str) -> str:
    """ "嗯那个就是说我没做过" -> "我没做过", "um, no, you know" -> "no": the fillers of speech, when more follows."""
    dropped = _ZH_FILLERS_OPENING.sub("", _ZH_FILLERS_ANYWHERE.sub("", text))
    dropped = _EN_FILLERS.sub(" ", dropped)
    dropped = re.sub(r"^[\s,.]+", "", " ".join(dropped.split()))
    return dropped if re.search(r"\w", dropped) else text  # "嗯", "um": the filler is the answer


def normalise_for_model(text: str) -> str:
    """What the NLU model reads (bot/rasa_ext/spoken_text.py): `normalise_spoken`, except that Chinese
    punctuation stays Chinese and an opening 嗯 or 啊 stays, as the model learnt them from the training data."""
    from bot.reading.lexicon import regional_to_mandarin

    text = to_simplified(text.translate(_ASCII_WIDTH))
    if HAN.search(text):
        text = regional_to_mandarin(collapse_repeats(text))
    dropped = _ZH_FILLERS_OPENING_FOR_MODEL.sub("", _ZH_FILLERS_ANYWHERE.sub("", text))
    dropped = " ".join(_EN_FILLERS.sub(" ", dropped).split()).lstrip(" ,.，")
    return collapse_repeats(dropped) if re.search(r"\w", dropped) else text


def normalise_spoken(text: str) -> str:
    """What was typed, in the one form the readers' words are written in (see the module's docstring).

    Regional words become the Mandarin words the readers know ("呒没" -> "没有", "唔知" -> "不知道"),
    from the lexicon's `same_as` lists.
    """
    from bot.reading.lexicon import regional_to_mandarin  # the lexicon normalises its words with this module

    text = to_simplified(fold_width(text))
    if HAN.search(text):
        text = regional_to_mandarin(collapse_repeats(text))
    return collapse_repeats(drop_fillers(collapse_repeats(text)))


def prepare(text: str) -> str:
    """`normalise_spoken`, lower case, straight apostrophes, single spaces: every reader's first step."""
    text = normalise_spoken(text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    return " ".join(text.split())
