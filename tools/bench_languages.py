"""Measure NLU models on both held-out sets in one process: F1, parse latency, memory (issue 13).

    python -m tools.bench_languages --model models/prescreen.tar.gz [--zh-model M] [--errors FILE]

One model (the combined design) parses both held-out sets; with `--zh-model` the Chinese set
goes to that model instead (the design with one model per language). Prints, per set: weighted
intent F1 and yes / no / not-sure F1 as `rasa test nlu` computes them (the intent the full
pipeline predicts, nlu_fallback included), the parse latency per message (p50 / p95, after one
warm-up pass) and the process's peak RSS after loading and parsing. Used for docs/languages.md;
the gate itself stays `rasa test nlu` (tools/evaluation.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools.evaluation import ANSWER_INTENTS, LANGUAGES


def load_examples(path: Path) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(str(m.get("text")), str(m.get("intent"))) for m in data.intent_examples]


def scores(pairs: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
    """Weighted F1 and per-answer F1 from (text, expected, predicted), as Rasa's intent report has them."""
    from sklearn.metrics import classification_report

    expected = [e for _, e, _ in pairs]
    predicted = [p for _, _, p in pairs]
    report = classification_report(expected, predicted, output_dict=True, zero_division=0)
    return {"weighted_f1": round(float(report["weighted avg"]["f1-score"]), 4),
            "answer_f1": {i: round(float(report.get(i, {}).get("f1-score", 0.0)), 4) for i in ANSWER_INTENTS},
            "wrong": sum(e != p for _, e, p in pairs), "total": len(pairs)}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _quiet() -> None:
    """Rasa's structlog prints every parse (with the held-out text) at debug level: keep warnings only."""
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.getLogger().setLevel(logging.WARNING)


def measure(models: dict[str, Path], sets: dict[str, Path]) -> dict[str, Any]:
    from rasa.core.agent import Agent

    _quiet()

    started = time.monotonic()
    agents = {str(path): Agent.load(str(path)) for path in set(models.values())}
    load_seconds = time.monotonic() - started
    result: dict[str, Any] = {"load_s": round(load_seconds, 1), "rss_after_load_mb": round(_peak_rss_mb())}
    errors: dict[str, list[dict[str, Any]]] = {}
    for language, heldout in sets.items():
        agent = agents[str(models[language])]
        examples = load_examples(heldout)

        async def parse_all(agent: Any = agent, examples: list[tuple[str, str]] = examples,
                            ) -> list[tuple[dict[str, Any], float]]:
            out = []
            for text, _ in examples:
                t0 = time.perf_counter()
                parsed = await agent.parse_message(text)
                out.append((parsed, time.perf_counter() - t0))
            return out

        asyncio.run(parse_all())  # warm-up: first-call costs (jieba's dictionary, TensorFlow graphs)
        parsed = asyncio.run(parse_all())
        pairs = [(text, expected, str((p.get("intent") or {}).get("name")))
                 for (text, expected), (p, _) in zip(examples, parsed, strict=True)]
        latencies = sorted(ms * 1000 for _, ms in parsed)
        result[language] = {**scores(pairs), "parse_ms_p50": round(statistics.median(latencies), 1),
                            "parse_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1)}
        errors[language] = [{"text": t, "expected": e, "predicted": p} for t, e, p in pairs if e != p]
    result["peak_rss_mb"] = round(_peak_rss_mb())
    result["errors"] = errors
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_languages", description=__doc__)
    parser.add_argument("--model", required=True, help="the model for English (and Chinese without --zh-model)")
    parser.add_argument("--zh-model", help="a separate Chinese model (one model per language)")
    parser.add_argument("--errors", help="write the misclassified held-out messages to this JSON file")
    args = parser.parse_args(argv)
    models = {"en": Path(args.model), "zh": Path(args.zh_model or args.model)}
    result = measure(models, {language.code: language.heldout for language in LANGUAGES})
    errors = result.pop("errors")
    if args.errors:
        Path(args.errors).write_text(json.dumps(errors, ensure_ascii=False, indent=1), encoding="utf-8")
    sizes = {name: round(path.stat().st_size / 2**20, 1) for name, path in models.items()}
    print(json.dumps({**result, "model_mb": sizes}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
