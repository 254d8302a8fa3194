"""Build the spaCy pipeline and train the Rasa model only when their inputs changed.

The fingerprint covers config.yml, domain.yml, the training data, the normaliser the model reads
through, the spaCy pipeline's version and jieba's user dictionary, so
`make run` and `make train` retrain only after a real change. Trained models are build
outputs under models/ and never committed.
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bot.nlu.terms import build_pipeline, terms_fingerprint, zh_words_fingerprint
from bot.settings import PROJECT_ROOT

MODEL_DIR = PROJECT_ROOT / "models"
MODEL_NAME = "prescreen"
MODEL_PATH = MODEL_DIR / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_FILE = MODEL_DIR / f"{MODEL_NAME}.fingerprint"
# One model for both languages (issue 13; the measurements are in docs/languages.md): English
# examples in data/nlu, Simplified Chinese in data/zh/nlu, the rules for both in data/rules.
TRAINING_DATA = ("data/nlu", "data/zh/nlu", "data/rules")
# The normaliser the model reads every message through (bot/rasa_ext/spoken_text.py): a change to it
# changes what the model learns from, so it retrains the model too.
NORMALISER_INPUTS = ("bot/rasa_ext/spoken_text.py", "bot/reading/normaliser.py", "bot/reading/lexicon.py",
                     "bot/reading/lexicon.yml")
# The project's own pipeline components: a change to one changes the features or the model.
COMPONENT_INPUTS = ("bot/rasa_ext/chinese_tokenizer.py", "bot/rasa_ext/sentence_features.py")
TRAINING_INPUTS = ("config.yml", "domain.yml", *TRAINING_DATA, *NORMALISER_INPUTS, *COMPONENT_INPUTS)


def rasa_env() -> dict[str, str]:
    """Environment for Rasa commands: no telemetry (no network here), quiet TensorFlow."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    return env


def rasa_executable() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def training_fingerprint(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    digest.update(terms_fingerprint().encode())
    digest.update(zh_words_fingerprint().encode())
    return digest.hexdigest()


def _lexicon_fingerprint() -> str:
    return f"{terms_fingerprint()}-{zh_words_fingerprint()}"


def model_is_current() -> bool:
    return MODEL_PATH.exists() and FINGERPRINT_FILE.exists() and (
        FINGERPRINT_FILE.read_text().strip() == training_fingerprint()
    )


def _children_cpu_seconds() -> float:
    """CPU time (user + system) of finished child processes: what training costs on a shared machine,
    where the wall-clock time depends on the other jobs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def train(force: bool = False) -> Path:
    """Train when needed; print what happens and how long it took."""
    build_pipeline()
    if not force and model_is_current():
        print(f"Model is up to date: {MODEL_PATH.relative_to(PROJECT_ROOT)}", flush=True)
        return MODEL_PATH
    print("Training the Rasa model (data, config or domain changed; log: models/train.log)...", flush=True)
    started, cpu_before = time.monotonic(), _children_cpu_seconds()
    fingerprint = training_fingerprint()
    command = [rasa_executable(), "train", "--data", *TRAINING_DATA, "--fixed-model-name", MODEL_NAME,
               "--out", str(MODEL_DIR)]
    terms_stamp = MODEL_DIR / "spacy-terms.fingerprint"
    if force or not terms_stamp.exists() or terms_stamp.read_text().strip() != _lexicon_fingerprint():
        # Rasa caches spaCy features by the pipeline's path and the tokenizer by its config, not by the
        # content of the files they read: retrain everything.
        command.append("--force")
    log_path = MODEL_DIR / "train.log"
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=rasa_env(), stdout=log, stderr=subprocess.STDOUT)
        next_report = 10.0
        while process.poll() is None:
            time.sleep(1)
            if time.monotonic() - started >= next_report:
                print(f"  ...{next_report:.0f} s", flush=True)
                next_report += 10
    if process.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
        raise SystemExit(f"rasa train failed (exit {process.returncode}). End of {log_path}:\n{tail}")
    FINGERPRINT_FILE.write_text(fingerprint + "\n")
    terms_stamp.write_text(_lexicon_fingerprint() + "\n")
    print(f"Trained {MODEL_PATH.relative_to(PROJECT_ROOT)} in {time.monotonic() - started:.0f} s "
          f"({_children_cpu_seconds() - cpu_before:.0f} s CPU)", flush=True)
    return MODEL_PATH


def main() -> None:
    train(force="--force" in sys.argv[1:])


if __name__ == "__main__":
    main()
