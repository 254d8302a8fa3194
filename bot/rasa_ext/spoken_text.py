"""The NLU reads what the readers read: the message through bot.reading's one normaliser (issue 19).

`SpokenTextNormaliser`, first in config.yml's pipeline, rewrites the message's text with
`normalise_for_model` (Traditional -> Simplified, full-width letters and digits -> half-width,
没有没有 -> 没有, regional words as Mandarin, fillers dropped; Chinese punctuation and an opening 嗯
kept, as the model learnt them), so that a message in Traditional characters meets the features the
model learnt from Simplified ones. The training examples are left as written (see
`process_training_data`: they are in that form already, and rewriting them made the model worse).

`TypedTextRestorer`, last in the pipeline, puts the text as typed back: Rasa copies the parsed
message's text into the tracker's `latest_message`, which the actions store and show to the
coordinator, and that must stay what the patient typed.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.reading.normaliser import normalise_for_model

# Where the typed text waits while the pipeline reads the normalised one (not an output property).
TYPED_TEXT = "typed_text"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class SpokenTextNormaliser(GraphComponent):
    """Rewrites each message's text as bot.reading's normaliser reads it, keeping the typed text aside."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SpokenTextNormaliser:
        return cls()

    @staticmethod
    def _normalise(message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str) or not text or text.startswith("/"):
            return  # no text, or a button's payload ("/affirm"): Rasa reads payloads itself
        normal = normalise_for_model(text)
        if normal != text:
            message.set(TYPED_TEXT, text)
            message.set(TEXT, normal, add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # The training data is written in the normalised form already (Simplified, one answer word): passing
        # it through changed 118 of 6,117 examples ("yes yes", "uh huh", full-width digits), which changes the
        # model's vocabulary and so the whole model; measured twice, Chinese yes F1 fell below the gate's
        # baseline (0.973 and 0.978 against 0.984). So the examples are left as written, and the messages
        # patients type are brought to their form.
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalise(message)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TypedTextRestorer(GraphComponent):
    """Puts the text as typed back once the pipeline has read the normalised one."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> TypedTextRestorer:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # nothing to restore: training examples are left as written

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            typed = message.get(TYPED_TEXT)
            if isinstance(typed, str):
                message.set(TEXT, typed, add_to_output=True)
        return messages
