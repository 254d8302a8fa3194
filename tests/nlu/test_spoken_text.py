"""The NLU reads a message normalised (Traditional -> Simplified, 没有没有 -> 没有); the tracker keeps the typed one.

Run through Rasa's own Message and TrainingData, the way the graph calls the two components.
"""

from __future__ import annotations

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_ext.spoken_text import SpokenTextNormaliser, TypedTextRestorer


def test_training_examples_are_left_as_written() -> None:
    """They are written in the normalised form; rewriting them changed the model for the worse (the gate)."""
    examples = [Message({TEXT: "是的是的", "intent": "affirm"}), Message({TEXT: "uh huh", "intent": "affirm"})]
    data = TrainingData(examples)
    SpokenTextNormaliser().process_training_data(data)
    assert [example.get(TEXT) for example in data.training_examples] == ["是的是的", "uh huh"]


def test_a_message_is_read_normalised_and_given_back_as_typed() -> None:
    typed = "嗯，應該沒有吧…"
    message = Message({TEXT: typed})
    SpokenTextNormaliser().process([message])
    assert message.get(TEXT) == "嗯，应该没有吧…"
    TypedTextRestorer().process([message])
    assert message.get(TEXT) == typed
    assert message.as_dict(only_output_properties=True)[TEXT] == typed


def test_the_model_keeps_chinese_punctuation_and_an_opening_yes() -> None:
    message = Message({TEXT: "嗯 那个 在參加別的研究。ＣＴＤＮＡ"})
    SpokenTextNormaliser().process([message])
    assert message.get(TEXT) == "嗯 在参加别的研究。CTDNA"


def test_button_payloads_and_plain_text_are_left_alone() -> None:
    for text in ("/affirm", "yes", ""):
        message = Message({TEXT: text})
        SpokenTextNormaliser().process([message])
        TypedTextRestorer().process([message])
        assert message.get(TEXT) == text
