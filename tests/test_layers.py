"""The import rules of docs/architecture.md, checked on every module of bot/, actions/ and tools/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVERY_BOT_ROOM = {"bot.settings", "bot.languages", "bot.trial", "bot.reading", "bot.leads", "bot.notify", "bot.nlu",
                  "bot.rasa_ext", "bot.texts", "bot.web", "bot.cli", "bot.ops", "bot.monitoring", "bot.dialogue"}
BOTTOM = {"bot.settings", "bot.languages"}  # every room may import these two
MONITORING = {"bot.monitoring"}  # logs and metrics: every process may use them
# room -> the rooms it may import (besides itself); the table "What may import what" in docs/architecture.md
MAY_IMPORT: dict[str, set[str]] = {
    "bot.settings": {"bot.languages"},
    "bot.languages": set(),
    "bot.monitoring": BOTTOM,
    "bot.trial": BOTTOM,
    "bot.reading": {"bot.trial"} | BOTTOM,
    "bot.dialogue": {"bot.trial", "bot.reading"} | BOTTOM,  # the conversation's rules, pure Python: for actions/
    "bot.leads": {"bot.trial"} | BOTTOM,
    "bot.notify": {"bot.leads", "bot.trial"} | BOTTOM | MONITORING,
    "bot.nlu": {"bot.leads", "bot.trial", "bot.reading"} | BOTTOM,
    "bot.rasa_ext": {"bot.leads", "bot.nlu", "bot.reading"} | BOTTOM | MONITORING,
    "bot.web": {"bot.leads", "bot.notify", "bot.trial", "bot.reading"} | BOTTOM | MONITORING,
    "bot.cli": EVERY_BOT_ROOM - {"bot.ops", "bot.dialogue"},  # of bot.web only the apps' factories: WEB_FACTORIES
    "bot.ops": {"bot.leads", "bot.notify", "bot.nlu"} | BOTTOM | MONITORING,
    "actions": {"bot.trial", "bot.reading", "bot.dialogue", "bot.leads", "bot.nlu", "bot.texts"} | BOTTOM | MONITORING,
    "bot.texts": {"bot.trial"} | BOTTOM,
    "tools": EVERY_BOT_ROOM | {"actions"},
}
# What the command line may import of the web apps: the packages that build them (create_app), none of
# their modules (the account store, the apps' config and views are the apps' own).
WEB_FACTORIES = {"bot.web.chat", "bot.web.coordinator", "bot.web.wechat"}  # wechat: the platform client
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
        elif own == "bot.cli" and target == "bot.web" and imported not in WEB_FACTORIES:
            problems.append(f"{imported} (of bot.web only {sorted(WEB_FACTORIES)})")
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


def test_the_command_line_builds_the_web_apps_only_through_their_factories(tmp_path: Path) -> None:
    """The account store lives in bot/leads: a command that reaches into the coordinator app is caught."""
    command = tmp_path / "probe.py"
    command.write_text("from bot.web.coordinator import create_app\nfrom bot.web.coordinator.accounts import Accounts\n"
                       "from bot.web.chat.app import MAX_TEXT_CHARS\nfrom bot.leads.accounts import Accounts\n")
    assert layer_violations(command, module="bot.cli.probe") == [
        f"bot.web.coordinator.accounts (of bot.web only {sorted(WEB_FACTORIES)})",
        f"bot.web.chat.app (of bot.web only {sorted(WEB_FACTORIES)})"]


def _documented_rules() -> dict[str, set[str]]:
    """The table "What may import what" of docs/architecture.md: room -> the rooms its last cell names."""
    rules: dict[str, set[str]] = {}
    for line in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        room = cells[0].strip("`").removesuffix(".py").rstrip("/").replace("/", ".")
        if room not in MAY_IMPORT:
            continue  # tests/
        named = {room_of(name) for name in re.findall(r"`(bot\.[a-z_.]+|actions)`", cells[2])}
        rules[room] = {name for name in named if name is not None} - {room}
    return rules


def test_the_rules_are_the_ones_docs_architecture_md_writes_down() -> None:
    """Each room's row names exactly the rooms this test lets it import (tools/: anything)."""
    documented = _documented_rules()
    assert set(documented) == set(MAY_IMPORT)
    for room, allowed in MAY_IMPORT.items():
        if room != "tools":
            assert documented[room] == allowed - {room}, room
