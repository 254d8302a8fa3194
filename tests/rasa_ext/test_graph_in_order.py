"""bot/rasa_ext/patches/graph_in_order.py runs the graph's nodes in a stored order instead of through
dask: the trained model must parse every held-out message and predict the next action at every step
of the training rules exactly as with Rasa's dask runner. Slow: loads the trained model."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlu.training import MODEL_PATH, PROJECT_ROOT, TRAINING_DATA, train
from bot.rasa_ext.patches import fence, graph_in_order

HELDOUT = Path(__file__).resolve().parents[1] / "nlu" / "heldout.yml"


def _steps(domain: Any) -> list[tuple[str, list[Any]]]:
    """The events before each action of every training rule and story: a tracker for the policies."""
    from rasa.shared.core.generator import TrainingDataGenerator
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(PROJECT_ROOT / "config.yml"), str(PROJECT_ROOT / "domain.yml"),
        [str(PROJECT_ROOT / path) for path in TRAINING_DATA])
    generated = TrainingDataGenerator(importer.get_stories(), domain, augmentation_factor=0).generate()
    steps = []
    for story in generated:
        events = list(story.events)
        steps += [(story.sender_id, events[:position]) for position, event in enumerate(events)
                  if isinstance(event, ActionExecuted) and position > 0]
    return steps


def _outputs(agent: Any, messages: list[str], steps: list[tuple[str, list[Any]]]) -> list[Any]:
    async def parse() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in messages]

    def predicted(sender_id: str, events: list[Any]) -> Any:
        tracker = DialogueStateTracker.from_events(sender_id, events, agent.domain.slots)  # a prediction changes it
        try:
            p = agent.processor._predict_next_with_tracker(tracker)
        except Exception as error:  # the same failure either way counts as the same answer
            return type(error).__name__
        return (p.policy_name, p.max_confidence_index, round(p.max_confidence, 6), [str(e) for e in p.events],
                p.is_end_to_end_prediction, p.is_no_user_prediction, p.action_metadata)

    parses = [(p["intent"]["name"], [(i["name"], round(i["confidence"], 6)) for i in p["intent_ranking"]],
               [(e["entity"], e.get("value"), e["start"], e["end"]) for e in p["entities"]])
              for p in asyncio.run(parse())]
    return [*parses, *(predicted(*step) for step in steps)]


def test_the_model_answers_exactly_as_with_rasas_runner(stock_rasa: None) -> None:
    from rasa.core.agent import load_agent

    train()  # no-op when the model is current (make test trains first)
    agent = asyncio.run(load_agent(model_path=str(MODEL_PATH)))
    messages = re.findall(r"^    - (.+)$", HELDOUT.read_text(encoding="utf-8"), re.M)
    steps = _steps(agent.domain)
    assert len(messages) > 300 and len(steps) > 200
    rasas = _outputs(agent, messages, steps)
    assert graph_in_order.apply()
    assert fence.patched_by(DaskGraphRunner, "run") == graph_in_order.__name__
    ours = _outputs(agent, messages, steps)
    assert ours == rasas
    assert len({o[0] for o in ours[len(messages):] if isinstance(o, tuple)}) >= 2  # rules and the ML policy


class _Node:
    """A graph component that joins its inputs' values: enough to see order and arguments."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *inputs: tuple[str, Any] | str) -> tuple[str, Any]:
        values = (value if isinstance(value, str) else value[1] for value in inputs)  # a bare name: no such key
        return self.name, f"{self.name}({','.join(map(str, values))})"


def _runner(needs: dict[str, dict[str, str]], targets: set[str]) -> DaskGraphRunner:
    """A DaskGraphRunner over a schema of the given needs, its nodes replaced by _Node."""
    runner = DaskGraphRunner.__new__(DaskGraphRunner)
    runner._graph_schema = GraphSchema({name: SchemaNode(needs=node_needs, uses=object, constructor_name="create",
                                                         fn="run", config={}, is_target=name in targets)
                                        for name, node_needs in needs.items()})
    runner._instantiated_nodes = {name: _Node(name) for name in needs}
    runner._execution_context = None
    return runner


@pytest.mark.parametrize("targets", [None, ["d"], ["b", "c"]])
def test_a_small_graph_gives_what_dask_gives(stock_rasa: None, targets: list[str] | None) -> None:
    """Shared needs, an input, a need that is neither a node nor an input, a node no target needs."""
    needs = {"a": {"x": "__in__"}, "b": {"x": "a", "y": "missing"}, "c": {"x": "a", "y": "b"},
             "d": {"x": "c", "y": "a"}, "unused": {"x": "a"}}
    runner = _runner(needs, {"d"})
    inputs = {"__in__": 7}
    rasas = runner.run(inputs=dict(inputs), targets=targets)
    assert graph_in_order.apply()
    assert runner.run(inputs=dict(inputs), targets=targets) == rasas
    assert runner.run(inputs=dict(inputs), targets=targets) == rasas  # the stored plan
    with pytest.raises(GraphRunError):  # an input's value that is a node's name, as Rasa refuses it
        runner.run(inputs={"__in__": "a"}, targets=targets)


def test_a_graph_with_a_cycle_goes_to_rasas_own_code(stock_rasa: None) -> None:
    runner = _runner({"a": {"x": "b"}, "b": {"x": "a"}}, {"a"})
    assert graph_in_order.plan(runner._graph_schema.nodes, frozenset()) is None
    with pytest.raises(BaseException) as rasas:
        runner.run()
    assert graph_in_order.apply()
    with pytest.raises(BaseException) as ours:
        runner.run()
    assert type(ours.value) is type(rasas.value)
