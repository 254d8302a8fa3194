"""The tokenizer of the two-language model: jieba for Chinese, spaCy's tokens kept for Latin text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.terms import PIPELINE_DIR, ZH_WORDS_FILE, build_pipeline
from bot.rasa_ext.chinese_tokenizer import ChineseAwareSpacyTokenizer


@lru_cache(maxsize=1)
def _spacy() -> Any:
    import spacy

    return spacy.load(build_pipeline(PIPELINE_DIR))


@lru_cache(maxsize=1)
def _tokenizer() -> ChineseAwareSpacyTokenizer:
    config = {**ChineseAwareSpacyTokenizer.get_default_config(), "user_dictionary": str(ZH_WORDS_FILE)}
    return ChineseAwareSpacyTokenizer(config)


def tokens(text: str) -> list[tuple[str, int]]:
    message = Message({"text": text})
    message.set(SPACY_DOCS["text"], _spacy()(text))
    return [(token.text, token.start) for token in _tokenizer().tokenize(message, "text")]


@pytest.mark.parametrize("text, words", [
    ("没有，我爸去年做过手术。", ["没有", "，", "我爸", "去年", "做过", "手术", "。"]),
    ("我做过CAR-T吗？不确定", ["我", "做过", "CAR", "-", "T", "吗", "？", "不确定"]),  # Latin kept whole inside Han
    ("ctDNA阳性", ["ctDNA", "阳性"]),
    ("不知道  问问医生", ["不知道", "问问", "医生"]),  # no whitespace tokens (RasaHQ/rasa PR #13035)
    ("１３８００１３８０００，好的", ["１３８００１３８０００", "，", "好", "的"]),  # full-width digits stay one number
])
def test_chinese_is_split_into_words_and_never_into_spaces(text: str, words: list[str]) -> None:
    assert [word for word, _ in tokens(text)] == words


@pytest.mark.parametrize("term", ["结直肠癌肝转移", "原发灶切除", "微小残留病灶", "癌胚抗原", "溃疡性结肠炎",
                                  "免疫抑制剂"])
def test_medical_terms_of_the_user_dictionary_stay_one_word(term: str) -> None:
    assert (term, 2) in tokens(f"我的{term}")


@pytest.mark.parametrize("text", ["Yes, I had CAR-T in 2023.", "not sure", "nah I don't think so 👍", "born in 1964"])
def test_latin_text_gets_exactly_spacys_tokens(text: str) -> None:
    assert tokens(text) == [(t.text, t.idx) for t in _spacy()(text) if t.text.strip()]


def test_offsets_point_at_the_words_in_the_text() -> None:
    text = "I had CAR-T, 没有复发"
    assert all(text[start:start + len(word)] == word for word, start in tokens(text))
