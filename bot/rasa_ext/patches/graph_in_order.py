"""Run the prediction graph's nodes one after the other in a stored order, without dask's scheduler.

Rasa: `DaskGraphRunner.run` (twice or more per message: the NLU pipeline, then each policy
prediction) works out the minimal schema for its targets, builds a dask graph from it and hands
it to dask's synchronous scheduler, which orders the graph (`dask.order`), builds its bookkeeping
and runs each node through its task queue: about 2 ms of CPU per message here, for about fifteen
nodes whose own work this does not change. It also formats the inputs (the message, the tracker)
into a debug line whether or not debug logging is on.
Patch: the nodes of the same minimal schema, in an order where every node comes after those it
needs (found once per set of targets and input names, then kept), are called one after the other
with the same arguments dask gives them: each needed node's `(name, output)`, an input's
`(name, value)`, or the bare name when it is neither (what dask passes for an unknown key). Same
input check and the same errors (a `RuntimeError` becomes Rasa's `GraphRunError`); the debug line
only when debug logging is on. A graph with a cycle goes to Rasa's own code (dask reports it).
Safe: a node's output depends only on its inputs, so any order that respects the dependencies
gives what dask's does (tested: the trained model's parses and predictions for whole conversations
equal those of Rasa's runner). Only the serving processes are patched; `rasa train` runs unpatched.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.engine.runner.dask.DaskGraphRunner.run",)

Plan = tuple[tuple[str, tuple[str, ...]], ...]  # each node to run, with the names of what it needs


def plan(nodes: dict[str, Any], inputs: frozenset[str]) -> Plan | None:
    """The nodes (name -> SchemaNode) that dask would run, in an order that respects their needs;
    None for a graph with a cycle. An input replaces the node of its name, as in Rasa's dask graph."""
    order: list[tuple[str, tuple[str, ...]]] = []
    state: dict[str, bool] = {}  # False while a node's needs are being visited, True once placed

    def visit(name: str) -> bool:
        if name in inputs or name not in nodes or state.get(name):
            return True
        if name in state:
            return False  # a cycle
        state[name] = False
        needs = tuple(nodes[name].needs.values())
        if not all(visit(need) for need in needs):
            return False
        state[name] = True
        order.append((name, needs))
        return True

    return tuple(order) if all(visit(name) for name in nodes) else None


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner import dask as rasa_dask

    runner_class = rasa_dask.DaskGraphRunner
    if fence.patched_by(runner_class, "run") == __name__:
        return True
    original = runner_class.run
    rasa_log = rasa_dask.logger

    def run(self: Any, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        key = (tuple(run_targets), frozenset(inputs or ()))
        plans: dict[Any, tuple[Plan | None, frozenset[str]]] = self.__dict__.setdefault("_prescreen_plans", {})
        if key not in plans:
            nodes = self._graph_schema.minimal_graph_schema(run_targets).nodes
            plans[key] = (plan(nodes, key[1]), frozenset(nodes))
        steps, names = plans[key]
        if steps is None:
            return original(self, inputs, targets)
        results: dict[str, Any] = {}
        for input_name, input_value in (inputs or {}).items():  # Rasa's check, against the graph built so far
            if isinstance(input_value, str) and (input_value in names or input_value in results):
                raise GraphRunError(
                    f"Input value '{input_value}' clashes with a node name. Make sure "
                    f"that none of the input names passed to the `run` method are the "
                    f"same as node names in the graph schema."
                )
            results[input_name] = (input_name, input_value)
        if rasa_log.isEnabledFor(logging.DEBUG):
            rasa_log.debug(f"Running graph with inputs: {inputs}, targets: {targets} and {self._execution_context}.")
        nodes = self._instantiated_nodes
        try:
            for name, needs in steps:
                results[name] = nodes[name](*(results.get(need, need) for need in needs))
            return dict(results.get(target, target) for target in run_targets)
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e

    fence.replace(runner_class, "run", run, __name__)
    return True
