"""DIET reads the sentence features only: the text's token-level ones are replaced by one placeholder token,
nothing else changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_ext.sentence_features import ORIGIN, SentenceFeaturesOnly
from bot.settings import PROJECT_ROOT

COMPONENT = "bot.rasa_ext.sentence_features.SentenceFeaturesOnly"


def _featurised(tmp_path: Path, texts: list[str]) -> tuple[TrainingData, CountVectorsFeaturizer]:
    """Real Rasa tokenizer and char n-gram featurizer, trained on the texts."""
    data = TrainingData([Message({TEXT: text, INTENT: "affirm"}) for text in texts])
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    config = {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 3}
    featurizer = CountVectorsFeaturizer(config, LocalModelStorage(tmp_path), Resource("cvf"),
                                        ExecutionContext(graph_schema=None, model_id="1"))  # type: ignore[arg-type]
    featurizer.train(data)
    featurizer.process_training_data(data)
    return data, featurizer


def _kinds(message: Message) -> list[tuple[str, str]]:
    return sorted((feature.attribute, feature.type) for feature in message.features)


def test_the_texts_tokens_become_one_placeholder_and_its_sentence_features_are_kept(tmp_path: Path) -> None:
    data, _ = _featurised(tmp_path, ["yes I have", "not sure"])
    sentence_before = [m.get_sparse_features(TEXT)[1].features.toarray() for m in data.training_examples]
    assert [m.get_sparse_features(TEXT)[0].features.shape[0] for m in data.training_examples] == [3, 2]

    SentenceFeaturesOnly().process_training_data(data)

    for message, before in zip(data.training_examples, sentence_before, strict=True):
        sequence, sentence = message.get_sparse_features(TEXT)
        assert sequence.features.toarray().tolist() == [[1.0]]  # one token, one constant feature
        assert (sentence.features.toarray() == before).all()


def test_a_parsed_message_loses_only_the_texts_sequence_features(tmp_path: Path) -> None:
    _, featurizer = _featurised(tmp_path, ["yes I have", "not sure"])
    message = Message({TEXT: "yse"})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    other = message.features[0].__class__(message.features[0].features, FEATURE_TYPE_SEQUENCE, "intent", "other")
    message.add_features(other)

    SentenceFeaturesOnly().process([message])

    assert _kinds(message) == [("intent", FEATURE_TYPE_SEQUENCE), (TEXT, FEATURE_TYPE_SENTENCE),
                               (TEXT, FEATURE_TYPE_SEQUENCE)]
    assert [f.origin for f in message.features if f.type == FEATURE_TYPE_SEQUENCE] == ["other", ORIGIN]


def test_a_message_without_text_features_gets_no_placeholder() -> None:
    message = Message({TEXT: "/affirm"})  # a button's payload: Rasa reads the intent, nothing is featurised

    SentenceFeaturesOnly().process([message])

    assert message.features == []


def _pipeline() -> list[dict[str, Any]]:
    return yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]


def test_it_sits_after_every_featurizer_and_right_before_a_diet_that_needs_no_token_features() -> None:
    names = [component["name"] for component in _pipeline()]
    position = names.index(COMPONENT)
    assert names[position + 1] == "DIETClassifier"
    assert not any("Featurizer" in name for name in names[position + 1:])
    diet = _pipeline()[position + 1]
    # A transformer layer or entity recognition would read the token-level features this drops.
    assert diet["number_of_transformer_layers"] == 0
    assert diet["entity_recognition"] is False
