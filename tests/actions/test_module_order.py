"""Inside actions/, a message's walk goes down: each module imports only the modules of the levels below it.

The forms never import one another, the base class of the typed forms imports no form, and what every
form says alike lives in actions/dialogue.py, which no form owns (docs/architecture.md, "Inside actions/").
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ACTIONS = Path(__file__).resolve().parents[2] / "actions"
# From the bottom: reading the tracker and the services (these may use one another), the shared dialogue,
# the typed forms' base class, the forms and their ask actions, then the actions around the forms, then start over
# (which carries on as a declined withdrawal does).
LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"answers", "language", "lead_details", "services", "way_forward", "typed_commands"}),
    frozenset({"dialogue"}),
    frozenset({"typed_form"}),
    frozenset({"prescreen_form", "contact_form", "other_studies", "side_questions"}),
    frozenset({"screening", "withdrawal"}),
    frozenset({"start_over"}),  # confirmed like a withdrawal: carries on as a declined one does
)
BOTTOM = LEVELS[0]


def level_of(module: str) -> int:
    return next(index for index, modules in enumerate(LEVELS) if module in modules)


def actions_imported(path: Path) -> set[str]:
    """The modules of actions/ that a module imports ("from actions import services" names one too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "actions":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("actions."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("actions."))
    return found


def order_violations(module: str, imported: set[str]) -> list[str]:
    own = level_of(module)
    return sorted(name for name in imported - {module}
                  if level_of(name) > own or (level_of(name) == own and module not in BOTTOM))


MODULES = sorted(path.stem for path in ACTIONS.glob("*.py") if path.stem != "__init__")


def test_every_module_has_a_level() -> None:
    assert set(MODULES) == set().union(*LEVELS)


@pytest.mark.parametrize("module", MODULES)
def test_a_module_imports_only_the_levels_below_it(module: str) -> None:
    assert order_violations(module, actions_imported(ACTIONS / f"{module}.py")) == []


def test_the_check_sees_a_walk_back_up() -> None:
    """A base class that imports a form, and one form that imports another, are caught."""
    assert order_violations("typed_form", {"prescreen_form", "dialogue"}) == ["prescreen_form"]
    assert order_violations("other_studies", {"contact_form", "dialogue", "answers"}) == ["contact_form"]
    assert order_violations("withdrawal", {"screening"}) == ["screening"]
    assert order_violations("language", {"answers"}) == []
