"""Which language a conversation is in: the page's choice, what the patient types, and asking. No Rasa here.

The rule, for a patient who may be on a phone, typing for a parent, and mixing in English medical words:
- a request ("说中文", "English please") switches at once;
- a message written in Chinese switches to Chinese at any time (someone who types Chinese reads it);
- a message written in English switches to English only when it is a sentence, or the patient's first
  typed message: "ok", "CAR-T", "CEA 阳性" or "yes" in a Chinese conversation are not a request for English;
- otherwise the page's language (`data-lang`, `?lang=`) holds, and English when there is none.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

# The languages themselves live in bot/languages.py; the readers' importers find them here too.
from bot.languages import DEFAULT_LANGUAGE as DEFAULT_LANGUAGE
from bot.languages import LANGUAGES as LANGUAGES
from bot.languages import Language as Language
from bot.languages import pick_language as pick_language
from bot.languages import written_in
from bot.reading.chinese import HAN
from bot.reading.requests import is_tapped
from bot.reading.text import normalise

# Scripts of languages the assistant does not speak (kana: Japanese, even when written with Han characters).
_UNSUPPORTED_SCRIPTS = (
    "HIRAGANA", "KATAKANA", "HANGUL", "CYRILLIC", "ARABIC", "HEBREW", "DEVANAGARI", "THAI", "GREEK", "BENGALI",
    "TAMIL", "GEORGIAN", "ARMENIAN", "ETHIOPIC", "KHMER", "LAO", "MYANMAR", "TIBETAN",
)

# Asking for a language, in either language ("能说中文吗", "can we do this in English?").
_ASKS_ZH = re.compile(
    r"(?:说|讲|用|换成|改成|切换到?|改用|换|要|请用|能用|可以用)\s*(?:中文|汉语|普通话|国语|简体)|"
    r"^(?:中文|汉语|简体中文|普通话)(?:吧|呢|好吗|可以吗|行吗|谢谢|，?\s*谢谢|吗)?[。!！?？]*$|"
    r"(?:看不懂|不懂|不会|不太懂|看不明白)\s*(?:英文|英语)|"
    r"\b(?:in|speak|use|switch to|change to|talk in|write in)\s+(?:chinese|mandarin)\b|"
    r"^(?:chinese|mandarin)(?: please)?$"
)
_ASKS_EN = re.compile(
    r"(?:说|讲|用|换成|改成|切换到?|改用|换|要|请用|能用|可以用)\s*(?:英文|英语)|"
    r"^(?:英文|英语)(?:吧|呢|好吗|可以吗|行吗|吗)?[。!！?？]*$|"
    r"\b(?:in|speak|use|switch to|change to|talk in|write in|switch back to)\s+english\b|^english(?: please)?$|"
    r"\benglish please\b|\bdo you speak english\b|\bcan (?:we|you) (?:do this |talk |chat )?in english\b"
)
# Each language's request by the language it asks for; a reading rule of each language, so keyed by its code.
_ASKS: Mapping[Language, re.Pattern[str]] = {"zh": _ASKS_ZH, "en": _ASKS_EN}
# A negation before the request turns it round: "不用说中文", "don't switch to English".
_NOT_ASKING = re.compile(r"(?:不用|不要|别|无需|不必)\s*(?:说|讲|用|换)|\b(?:don't|dont|do not|no need to)\b")

# Words that make a Latin-letter message English rather than a drug name, a test or an acronym.
_ENGLISH_WORDS = frozenset("""
i i'm im my me we you your he she his her they it its is am are was were be been have has had do does did
don't dont didn't not no yes yeah yep nope the a an and or but of to in on at for with about what when where
why how who which this that there here please thanks thank hello hi hey ok okay sure can could would will
sorry help want know think tell mean good fine well sir madam mum mom dad father mother husband wife son
daughter years old year age surgery cancer liver bowel colon test result doctor hospital
""".split())


def script_share(text: str) -> tuple[float, float, float]:
    """Shares of the letters that are Han characters, Latin letters and other scripts (0..1 each)."""
    letters = [ch for ch in unicodedata.normalize("NFKC", text) if ch.isalpha()]
    if not letters:
        return 0.0, 0.0, 0.0
    han = sum(1 for ch in letters if HAN.match(ch))
    latin = sum(1 for ch in letters if ch.isascii())
    return han / len(letters), latin / len(letters), (len(letters) - han - latin) / len(letters)


def looks_chinese(text: str) -> bool:
    """Written in Chinese: Han characters, no kana, and at least as many as Latin letters in words.

    "我做过CAR-T吗？不确定" is Chinese; "CEA 阳性" is Chinese; "I live in 上海" is not.
    """
    if _has_unsupported_script(text) or not HAN.search(text):
        return False
    han = len(HAN.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]{2,}", unicodedata.normalize("NFKC", text)))
    return han >= 2 * latin_words or han >= 4


def looks_english(text: str, *, sentence_only: bool) -> bool:
    """Written in English: Latin letters only, with English words (a sentence, when `sentence_only`)."""
    if HAN.search(text) or _has_unsupported_script(text):
        return False
    words = normalise(text).split()
    english = [word for word in words if word in _ENGLISH_WORDS]
    if sentence_only:
        return len(words) >= 3 and len(english) >= 2
    return bool(english)


def _has_unsupported_script(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith(_UNSUPPORTED_SCRIPTS) for ch in text if ch.isalpha())


def looks_unsupported(text: str) -> bool:
    """Mostly written in a language the assistant does not speak (Japanese, Korean, Russian, Arabic...)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    other = sum(1 for ch in letters if unicodedata.name(ch, "").startswith(_UNSUPPORTED_SCRIPTS))
    return other / len(letters) >= 0.5 or (other > 0 and HAN.search(text) is not None)


def language_request(text: str) -> Language | None:
    """ "说中文", "请用中文", "我看不懂英文", "English please": the patient asks for a language."""
    normal = unicodedata.normalize("NFKC", text).strip().lower()
    if len(normal) > 60 or _NOT_ASKING.search(normal):
        return None
    asked = [language for language, asks in _ASKS.items() if asks.search(normal)]
    return asked[0] if len(asked) == 1 else None  # neither, or "中文还是英文?": no choice made


def choose_language(
    text: str, *, current: Language | None, page: Language | None, first_typed: bool, tapped: bool
) -> Language:
    """The conversation's language after this message (see the module's docstring for the rule).

    `current` is the language so far (None before anything was chosen), `page` the chat page's,
    `first_typed` whether this is the first message the patient typed, `tapped` whether it is a
    button or the page's own greeting rather than typed words.
    """
    settled: Language = current or page or DEFAULT_LANGUAGE
    if tapped:
        return settled
    asked = language_request(text)
    if asked is not None:
        return asked
    if looks_chinese(text):
        return written_in("han")
    if looks_english(text, sentence_only=not first_typed):
        return written_in("latin")
    return settled


def language_after_message(
    latest: Mapping[str, Any], current: object, user_texts: Sequence[str]
) -> Language | None:
    """The `language` slot's new value after the latest message, or None to leave it as it is.

    `latest` is the latest message as the NLU left it (its "text" and the page's "metadata"), `current`
    the slot's value, `user_texts` every user message of the conversation so far, the latest last
    (buttons and the page's greeting are not typed words). Shared by the action
    server's action_set_language and the same step run inside Rasa (bot/rasa_ext/language_slot.py).
    """
    text = latest.get("text") or ""
    settled = pick_language(current)
    metadata = latest.get("metadata") or {}
    chosen = choose_language(
        text,
        current=settled,
        page=pick_language(metadata.get("lang")) if isinstance(metadata, Mapping) else None,
        first_typed=not any(not is_tapped(earlier) for earlier in user_texts[:-1]),
        tapped=is_tapped(text),
    )
    return None if chosen == settled else chosen
