"""A tokenizer for one model that reads English and Simplified Chinese (issue 13).

spaCy's blank English tokenizer splits on spaces and punctuation only, so a Chinese message
("没有，我爸去年做过手术") comes out as one or two long tokens and word n-grams learn nothing
from it. This tokenizer keeps SpacyTokenizer's tokens for Latin text (English predictions do
not change: the same tokens, the same features) and re-splits only the tokens that hold Han
characters: Han runs with jieba (with the project's medical words, data/spacy/zh_words.txt),
Latin runs inside them ("CAR-T", "ctDNA") and full-width punctuation as tokens of their own.
Whitespace never becomes a token (Rasa's JiebaTokenizer makes them on mixed text: RasaHQ/rasa
PR #13035).

jieba's global tokenizer is shared process state; this component uses a private instance, so
its user dictionary cannot leak into or be changed by other code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.reading.chinese import HAN_CHARS

if TYPE_CHECKING:
    import jieba

HAN = HAN_CHARS  # the readers' one Han class (bot/reading/chinese.py)
# 。，？！、：；（）“”… and full-width symbols; full-width digits and letters (１３８) are not punctuation.
WIDE_PUNCTUATION = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201f\u2026"
_HAN = re.compile(f"[{HAN}]")
_WIDE = re.compile(f"[{WIDE_PUNCTUATION}]")
# One run of a kind: Han characters, full-width punctuation, or anything else that is not a space.
_RUNS = re.compile(f"[{HAN}]+|[{WIDE_PUNCTUATION}]+|[^\\s{HAN}{WIDE_PUNCTUATION}]+")


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def split_mixed(text: str, cut: Any) -> list[tuple[str, int]]:
    """(word, offset) pieces of a text holding Han characters; `cut(run)` yields jieba's (word, start, end)."""
    pieces: list[tuple[str, int]] = []
    for run in _RUNS.finditer(text):
        if has_han(run.group()):
            pieces += [(word, run.start() + start) for word, start, _ in cut(run.group()) if word.strip()]
        elif _WIDE.match(run.group()):
            pieces += [(char, run.start() + i) for i, char in enumerate(run.group()) if char.strip()]
        else:
            pieces.append((run.group(), run.start()))
    return pieces


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class ChineseAwareSpacyTokenizer(SpacyTokenizer):
    """SpacyTokenizer for Latin text, jieba with a medical user dictionary for Chinese."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**SpacyTokenizer.get_default_config(), "user_dictionary": None}

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy", "jieba"]

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._jieba: jieba.Tokenizer | None = None

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ChineseAwareSpacyTokenizer:
        return cls(config)

    def _segmenter(self) -> jieba.Tokenizer:
        """jieba loads its 5 MB dictionary lazily: only when the first Chinese text arrives."""
        if self._jieba is None:
            import jieba

            segmenter = jieba.Tokenizer()
            dictionary = self._config.get("user_dictionary")
            if dictionary:
                segmenter.load_userdict(str(Path(dictionary)))
            self._jieba = segmenter
        return self._jieba

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        if not any(has_han(token.text) for token in tokens):
            return tokens
        split: list[Token] = []
        for token in tokens:
            if not has_han(token.text):
                split.append(token)
                continue
            for word, offset in split_mixed(token.text, self._segmenter().tokenize):
                split.append(Token(word, token.start + offset))
        return split
