"""DIET reads sentence-level features only: the token-level ones are dropped before it (issue 23).

With `number_of_transformer_layers: 0` (config.yml) nothing mixes one token's features with another's:
DIET classifies the intent from the sentence-level vector alone, and the token-level (sequence)
features the CountVectorsFeaturizers and the RegexFeaturizer make for every token are densified, run
through the feed-forward layers and thrown away. That was most of DIET's work in training and in every
parse, and it doubled DIET's largest weights (a vocabulary x 128 matrix per featurizer for the tokens
as well as for the sentence). `SentenceFeaturesOnly`, placed after the featurizers and before DIET,
replaces the text's sequence features with one constant placeholder token (DIET's input layer,
RasaSequenceLayer, refuses an input without sequence features), so DIET's token positions shrink from
the longest message's length to one, and it builds and trains a 1 x 128 matrix for them instead of
a vocabulary x 128 one per featurizer. The placeholder cannot change the intent: with no transformer
layer, the sentence position's output depends on the sentence features alone. The figures are in
docs/languages.md ("Training time").

Entity extraction is not affected: entities come from the spaCy entity ruler (SpacyEntityExtractor),
which reads the spaCy document, not these features. DIET with a transformer layer or entity
recognition needs the sequence features: this component must then come out of the pipeline.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

ORIGIN = "SentenceFeaturesOnly"


def placeholder() -> Features:
    """One token with one constant feature: the sequence input DIET requires, at the least cost."""
    return Features(scipy.sparse.coo_matrix([[1.0]]), FEATURE_TYPE_SEQUENCE, TEXT, ORIGIN)


def drop_sequence_features(message: Message) -> None:
    """Replace the text's token-level features with the placeholder; sentence-level ones and other
    attributes' stay. A message without text features (a button's payload) is left alone."""
    if not message.features:
        return
    kept = [feature for feature in message.features
            if not (feature.attribute == TEXT and feature.type == FEATURE_TYPE_SEQUENCE)]
    if len(kept) != len(message.features):
        message.features = [*kept, placeholder()]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceFeaturesOnly(GraphComponent):
    """Replaces the text's sequence features with one placeholder token: DIET (no transformer) reads the
    sentence features only."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceFeaturesOnly:
        return cls()

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        # Rasa's training cache keys a component by its config, not its code: a change here must retrain DIET.
        return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            drop_sequence_features(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            drop_sequence_features(message)
        return messages
