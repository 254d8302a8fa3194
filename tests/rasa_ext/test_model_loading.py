"""bot/rasa_ext/patches/eager_weight_building.py builds the NLU model's weights with one forward pass:
the loaded model must understand every held-out message exactly as the model loaded by Rasa's own
code does. Slow: trains the model if it is not current, and loads it twice."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from rasa.utils.tensorflow.models import RasaModel

from bot.nlu.training import MODEL_PATH, train

pytestmark = pytest.mark.slow
HELDOUT = Path(__file__).resolve().parents[1] / "nlu" / "heldout.yml"


def _messages() -> list[str]:
    return re.findall(r"^    - (.+)$", HELDOUT.read_text(encoding="utf-8"), re.M)


def _parse_all(messages: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import load_agent

    async def parse() -> list[dict[str, Any]]:
        agent = await load_agent(model_path=str(MODEL_PATH))
        return [await agent.parse_message(text) for text in messages]

    return asyncio.run(parse())


def _understood(parse: dict[str, Any]) -> tuple[Any, ...]:
    ranking = tuple((i["name"], round(i["confidence"], 5)) for i in parse["intent_ranking"])
    entities = tuple((e["entity"], e.get("value"), e["start"], e["end"]) for e in parse["entities"])
    return parse["intent"]["name"], ranking, entities


def test_eagerly_built_model_understands_messages_exactly_as_rasas(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.rasa_ext.patches import eager_weight_building

    train()  # no-op when the model is current (make test trains first)
    messages = _messages()
    assert len(messages) > 300
    rasas = _parse_all(messages)
    monkeypatch.setattr(RasaModel, "load", RasaModel.__dict__["load"])  # restored after the test
    assert eager_weight_building.apply()
    fast = _parse_all(messages)
    assert [_understood(p) for p in fast] == [_understood(p) for p in rasas]


def test_the_prediction_graph_called_directly_understands_messages_exactly_as_rasas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.rasa_ext.patches import concrete_prediction, fence

    train()
    messages = _messages()
    rasas = _parse_all(messages)
    monkeypatch.setattr(RasaModel, "_rasa_predict", RasaModel.__dict__["_rasa_predict"])  # restored after the test
    assert concrete_prediction.apply()
    assert fence.patched_by(RasaModel, "_rasa_predict") == concrete_prediction.__name__
    direct = _parse_all(messages)
    assert [_understood(p) for p in direct] == [_understood(p) for p in rasas]
    assert len({p["intent"]["name"] for p in direct}) > 10  # the messages cover the intents
