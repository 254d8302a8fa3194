"""The import rules of docs/architecture.md, checked on every module of bot/, actions/ and tools/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVERY_BOT_ROOM = {"bot.settings", "bot.trial", "bot.reading", "bot.leads", "bot.notify", "bot.nlu", "bot.rasa_ext",
                  "bot.texts", "bot.web", "bot.cli", "bot.ops", "bot.monitoring"}
# room -> the rooms it may import (besides itself)
MAY_IMPORT: dict[str, set[str]] = {
    "bot.settings": set(),
    "bot.monitoring": {"bot.settings"},  # logs and metrics: every process may use them
    "bot.trial": {"bot.settings"},
    "bot.reading": {"bot.trial", "bot.settings"},
    "bot.leads": {"bot.trial", "bot.settings"},
    "bot.notify": {"bot.leads", "bot.trial", "bot.settings", "bot.monitoring"},
    "bot.nlu": {"bot.leads", "bot.trial", "bot.reading", "bot.settings"},
    "bot.rasa_ext": {"bot.leads", "bot.nlu", "bot.reading", "bot.settings", "bot.monitoring"},
    "bot.web": {"bot.leads", "bot.notify", "bot.trial", "bot.reading", "bot.settings", "bot.monitoring"},
    "bot.cli": EVERY_BOT_ROOM - {"bot.ops"},
    "bot.ops": {"bot.leads", "bot.notify", "bot.nlu", "bot.settings", "bot.monitoring"},
    "actions": {"bot.trial", "bot.reading", "bot.leads", "bot.nlu", "bot.texts", "bot.settings", "bot.monitoring"},
    "bot.texts": {"bot.trial", "bot.settings"},
    "tools": EVERY_BOT_ROOM | {"actions"},
}
# Rasa (and rasa-sdk) only where the architecture says so.
MAY_IMPORT_RASA = {"bot.rasa_ext", "bot.nlu", "actions", "tools"}


def room_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] in ("actions", "tools"):
        return parts[0]
    if parts[0] == "bot" and len(parts) > 1:
        return f"bot.{parts[1]}"
    return None


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names if node.module in ("bot", "bot.web"))
    return found


def project_modules() -> list[Path]:
    return sorted(p for folder in ("bot", "actions", "tools") for p in (ROOT / folder).rglob("*.py"))


def layer_violations(path: Path, module: str | None = None) -> list[str]:
    own = room_of(module or module_name(path))
    if own is None:  # bot/__init__.py: a docstring only
        return []
    problems = []
    for imported in imports_of(path):
        top = imported.split(".")[0]
        if top in ("rasa", "rasa_sdk") and own not in MAY_IMPORT_RASA:
            problems.append(f"{imported} (Rasa only in {sorted(MAY_IMPORT_RASA)})")
        target = room_of(imported)
        if target is None or target == own:
            continue
        if target not in MAY_IMPORT[own]:
            problems.append(imported)
    return problems


@pytest.mark.parametrize("path", project_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_the_rooms_below_it(path: Path) -> None:
    assert layer_violations(path) == [], f"{path.relative_to(ROOT)} breaks docs/architecture.md"


def test_the_checker_sees_a_broken_rule(tmp_path: Path) -> None:
    """The rule check itself can fail: a reader that imports the lead store is caught."""
    reader = tmp_path / "probe.py"
    reader.write_text("from bot.leads.store import LeadStore\nimport rasa\nfrom bot.trial import criteria\n")
    assert layer_violations(reader, module="bot.reading.probe") == [
        "bot.leads.store", "rasa (Rasa only in ['actions', 'bot.nlu', 'bot.rasa_ext', 'tools'])"]
