"""Who imports whom: the lead store stands on its own, and the CLI and the NLU review have no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def imports_any(path: Path, packages: tuple[str, ...]) -> set[str]:
    return {name for name in imported_modules(path) if name.startswith(packages)}


@pytest.mark.parametrize("path", sorted((ROOT / "bot" / "leads").glob("*.py")), ids=lambda p: p.name)
def test_the_lead_store_uses_no_reader_cli_web_or_rasa(path: Path) -> None:
    assert imports_any(path, ("bot.reading", "bot.cli", "bot.web", "bot.nlu", "actions", "rasa")) == set()


def test_the_nlu_review_is_plain_functions_without_the_cli() -> None:
    assert imports_any(ROOT / "bot" / "nlu" / "review.py", ("bot.cli", "argparse")) == set()


def test_the_coordinator_app_uses_no_cli() -> None:
    for path in (ROOT / "bot" / "web" / "coordinator").glob("*.py"):
        assert imports_any(path, ("bot.cli",)) == set(), path.name
