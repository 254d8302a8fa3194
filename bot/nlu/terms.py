"""Clinical terms: the spaCy entity ruler built from data/spacy/terms.yml, and lookups into it.

`build_pipeline` writes a blank English spaCy pipeline with an `entity_ruler` that Rasa's
SpacyNLP loads by path; its version is a hash of the terms, so a change of terms is a new model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

TERMS_FILE = PROJECT_ROOT / "data" / "spacy" / "terms.yml"
# jieba's user dictionary (one word a line, optional frequency and tag): medical words and answer words
# that jieba's general dictionary would split ("结直肠癌肝转移", "原发灶切除", "不太确定"). config.yml names it.
ZH_WORDS_FILE = PROJECT_ROOT / "data" / "spacy" / "zh_words.txt"
PIPELINE_DIR = PROJECT_ROOT / "build" / "spacy" / "prescreen_en"


@lru_cache(maxsize=2)
def load_terms(path: Path = TERMS_FILE) -> dict[str, dict[str, tuple[str, ...]]]:
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return {
        label: {term: tuple(str(p).lower() for p in phrases) for term, phrases in terms.items()}
        for label, terms in raw.items()
    }


@lru_cache(maxsize=2)
def _phrase_to_term(path: Path = TERMS_FILE) -> dict[str, str]:
    return {
        " ".join(phrase.split()): term
        for terms in load_terms(path).values()
        for term, phrases in terms.items()
        for phrase in phrases
    }


def term_id(entity_text: str) -> str | None:
    """The term id of an entity the ruler found ("CAR-T cells" -> "car_t")."""
    text = " ".join(entity_text.lower().replace(" - ", "-").split())
    return _phrase_to_term().get(text) or _phrase_to_term().get(text.replace(" -", "-").replace("- ", "-"))


def terms_fingerprint(path: Path = TERMS_FILE) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def zh_words_fingerprint(path: Path = ZH_WORDS_FILE) -> str:
    """Rasa caches a tokenizer by its config, not by the dictionary file it reads: a change must retrain."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.exists() else "none"


def build_pipeline(output: Path = PIPELINE_DIR, path: Path = TERMS_FILE) -> Path:
    """Write the spaCy pipeline (blank English + entity ruler) to `output`; skip when up to date."""
    import spacy

    fingerprint = terms_fingerprint(path)
    meta_file = output / "meta.json"
    if meta_file.exists() and json.loads(meta_file.read_text()).get("version", "").endswith(fingerprint):
        return output
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(  # type: ignore[attr-defined]
        [
            {"label": label, "pattern": phrase, "id": term}
            for label, terms in load_terms(path).items()
            for term, phrases in terms.items()
            for phrase in phrases
        ]
    )
    nlp.meta["name"] = "prescreen_en"
    nlp.meta["version"] = f"1.0.{int(fingerprint, 16) % 10**9}-{fingerprint}"
    nlp.meta["description"] = "Blank English pipeline with Prescreen's clinical entity ruler"
    if output.exists():
        shutil.rmtree(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the spaCy entity-ruler pipeline used by Rasa.")
    parser.add_argument("--output", type=Path, default=PIPELINE_DIR)
    args = parser.parse_args()
    print(f"spaCy pipeline: {build_pipeline(args.output)}")


if __name__ == "__main__":
    main()
