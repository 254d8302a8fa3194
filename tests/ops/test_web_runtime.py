"""The web side runs on a maintained Python (.venv-web, 3.12) without Rasa; Rasa stays on .venv (3.10).

These tests start real processes on `.venv-web/bin/python` (made by `make install`), so the chat page,
the coordinator app, the notifier and the CLI are really exercised on 3.12, not only read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from bot.leads.migrate import upgrade
from bot.ops.run import WEB_VENV_PYTHON, Stack
from tests.conftest import TEST_KEY
from tools.stack import throwaway_settings

ROOT = Path(__file__).resolve().parents[2]
# Packages that must never be importable, let alone imported, on the web runtime.
ASSISTANT_ONLY = ["rasa", "rasa_sdk", "tensorflow", "spacy", "sanic", "jieba"]
# Modules that run on the assistant's runtime only: Rasa's extensions, training, the action server.
ASSISTANT_MODULES = ("bot.rasa_ext", "bot.nlu.training", "bot.nlu.terms", "actions")


def web_python() -> str:
    assert WEB_VENV_PYTHON.exists(), f"{WEB_VENV_PYTHON} is missing: run `make install` (scripts/setup.sh)"
    return str(WEB_VENV_PYTHON)


def run_web(code: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run([web_python(), "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_web_runtime_is_a_maintained_python_without_rasa() -> None:
    found = json.loads(run_web(
        "import importlib.util, json, sys\n"
        f"print(json.dumps({{'version': sys.version_info[:2], 'found': [n for n in {ASSISTANT_ONLY!r} "
        "if importlib.util.find_spec(n)]}))"))
    assert tuple(found["version"]) >= (3, 12)
    assert found["found"] == []
    assert sys.version_info[:2] == (3, 10)  # the tests and Rasa: the assistant's runtime


def test_every_web_side_module_imports_on_the_web_runtime() -> None:
    """Each module of bot/ but Rasa's extensions and training imports on 3.12 with no Rasa installed:
    the import rule of docs/architecture.md, checked by the interpreter rather than by reading."""
    code = (
        "import importlib, json, pkgutil, sys, bot\n"
        "failed, seen = {}, []\n"
        "for info in pkgutil.walk_packages(bot.__path__, 'bot.'):\n"
        f"    if info.name.startswith({ASSISTANT_MODULES!r}) or info.name.endswith('__main__'):\n"
        "        continue\n"
        "    try:\n"
        "        importlib.import_module(info.name); seen.append(info.name)\n"
        "    except Exception as error:\n"
        "        failed[info.name] = repr(error)\n"
        f"leaked = sorted({{m.split('.')[0] for m in sys.modules}} & set({ASSISTANT_ONLY!r}))\n"
        "print(json.dumps({'failed': failed, 'seen': seen, 'leaked': leaked}))"
    )
    found = json.loads(run_web(code, PRESCREEN_DATA_KEY=TEST_KEY))
    assert found["failed"] == {}
    assert found["leaked"] == []
    assert {"bot.web.chat.app", "bot.web.coordinator.app", "bot.notify.worker", "bot.cli.main",
            "bot.ops.health"} <= set(found["seen"])


def test_make_run_starts_the_web_processes_on_the_web_runtime(tmp_path: Path) -> None:
    settings = throwaway_settings(tmp_path, data_key=TEST_KEY, smtp_url="smtp://127.0.0.1:25",
                                  notify_email_to=("team@changhai.example",))
    upgrade(settings.database_url)
    stack = Stack(settings)
    for name in ("chat", "coordinator", "notify"):
        assert stack.services[name].command[0] == str(WEB_VENV_PYTHON), name
    for name in ("rasa", "actions"):  # the assistant's runtime: this interpreter's venv
        assert Path(stack.services[name].command[0]).parent == Path(sys.executable).parent, name
    stack.start(["chat", "coordinator"])
    try:
        chat = requests.get(f"http://127.0.0.1:{settings.chat_port}/healthz", timeout=10)
        assert chat.status_code == 200 and chat.json()["ok"] is True
        login = requests.get(f"http://127.0.0.1:{settings.coordinator_port}/login", timeout=10)
        assert login.status_code == 200
        for name in ("chat", "coordinator"):
            process = stack.services[name].process
            assert process is not None
            executable = os.path.realpath(f"/proc/{process.pid}/exe")
            assert "python3.12" in executable, (name, executable)
    finally:
        stack.stop(["chat", "coordinator"])


def test_the_command_line_runs_on_the_web_runtime(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'prescreen.db'}"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(DATABASE_URL=url, PRESCREEN_DATA_KEY=TEST_KEY, PRESCREEN_VAR_DIR=str(tmp_path))
    prescreen = str(WEB_VENV_PYTHON.with_name("prescreen"))
    for command in (["db", "upgrade"], ["leads", "list"]):
        result = subprocess.run([prescreen, *command], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr


CHARTS_CODE = """
import json, re
from bot.web.coordinator.charts import Bar, Series, bar_chart, column_chart
bars = bar_chart([Bar("Conversations started", 7), Bar("开始的对话", 6), Bar("Enrolled", 1)])
columns = column_chart(["1 Dec", "8 Dec"], [Series("With contact details", [3, 4], "#0072B2"),
                                            Series("No contact details", [1, 0], "#E69F00")], "Leads")
texts = lambda svg: sorted(t for t in re.findall(r">([^<>]+)</text>", svg.decode()) if t.strip())
print(json.dumps({"bars": texts(bars), "columns": texts(columns),
                  "svg": [svg.startswith(b"<?xml") or b"<svg" in svg[:400] for svg in (bars, columns)]}))
"""


def test_the_metrics_charts_draw_the_same_on_both_runtimes() -> None:
    """matplotlib 3.5.3 has no wheel for 3.12; the web runtime's 3.7.3 draws the same labels and numbers."""
    web = json.loads(run_web(CHARTS_CODE))
    here = subprocess.run([sys.executable, "-c", CHARTS_CODE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert here.returncode == 0, here.stderr
    assert web == json.loads(here.stdout)
    assert web["svg"] == [True, True]
    assert "开始的对话" in web["bars"] and "7" in web["bars"]
