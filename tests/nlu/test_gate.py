"""The NLU gate catches a damaged model: trained on data where yes and no are swapped, it must fail.

Trains a real (short) NLU model in a temp dir (about a minute), then runs the gate on it exactly
as `make test` does, only with `--model` pointing at the damaged model.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.nlu.training import rasa_env, rasa_executable
from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

# Enough epochs to learn the (swapped) labels, few enough to keep the test near a minute:
# the damage, not the length of training, is what the gate must catch.
QUICK_EPOCHS = 20


def _swap_yes_and_no(nlu_dir: Path) -> None:
    answers = nlu_dir / "answers.yml"
    text = answers.read_text(encoding="utf-8")
    swapped = {"affirm": "deny", "deny": "affirm"}
    text = re.sub(r"^- intent: (affirm|deny)$", lambda m: "- intent: " + swapped[m.group(1)], text, flags=re.MULTILINE)
    answers.write_text(text, encoding="utf-8")


def _quick_config(path: Path) -> Path:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier":
            component["epochs"] = QUICK_EPOCHS
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def test_gate_fails_on_a_model_trained_with_yes_and_no_swapped(tmp_path: Path) -> None:
    from bot.nlu.terms import build_pipeline

    build_pipeline()  # the spaCy pipeline config.yml loads
    nlu_dir = tmp_path / "nlu"
    shutil.copytree(PROJECT_ROOT / "data" / "nlu", nlu_dir)
    _swap_yes_and_no(nlu_dir)
    config = _quick_config(tmp_path / "config.yml")
    trained = subprocess.run(
        [rasa_executable(), "train", "nlu", "--nlu", str(nlu_dir), "--config", str(config),
         "--out", str(tmp_path), "--fixed-model-name", "damaged"],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600, check=False,
    )
    assert trained.returncode == 0, trained.stdout[-2000:] + trained.stderr[-2000:]

    gate = subprocess.run(
        [sys.executable, "-m", "tools.evaluation", "gate", "--model", str(tmp_path / "damaged.tar.gz")],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600, check=False,
    )
    assert gate.returncode == 1, gate.stdout + gate.stderr
    assert "NLU gate FAILED" in gate.stderr
    assert "yes (affirm) F1" in gate.stderr and "no (deny) F1" in gate.stderr
