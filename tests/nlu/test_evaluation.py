"""The NLU regression gate's decisions, on synthetic Rasa reports (no model, no Rasa run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tools import evaluation
from tools.evaluation import AgeScore, Figures, figures_from, gate_decision, misclassified_markdown, score_ages

BASELINE = {"heldout_weighted_f1": 0.975, "answer_f1": {"affirm": 1.0, "deny": 0.995, "dont_know": 0.992},
            "cv_weighted_f1": 0.93, "age_accuracy": 1.0}


def report(weighted: float, affirm: float = 1.0, deny: float = 1.0, dont_know: float = 1.0) -> dict[str, Any]:
    """The shape of Rasa's intent_report.json."""
    def row(f1: float, support: int) -> dict[str, Any]:
        return {"precision": f1, "recall": f1, "f1-score": f1, "support": support, "confused_with": {}}

    return {"affirm": row(affirm, 50), "deny": row(deny, 50), "dont_know": row(dont_know, 40),
            "greet": row(1.0, 12), "accuracy": weighted,
            "macro avg": row(weighted, 152), "weighted avg": row(weighted, 152)}


def figures(weighted: float = 0.975, age: float = 1.0, **answers: float) -> Figures:
    return figures_from(report(weighted, **answers), AgeScore(round(age * 100), 100))


def test_figures_from_a_rasa_report() -> None:
    result = figures_from(report(0.9812, deny=0.97), AgeScore(99, 100), cv_report=report(0.93))
    assert result.weighted_f1 == 0.9812 and result.answer_f1["deny"] == 0.97
    assert result.cv_weighted_f1 == 0.93 and result.age_accuracy == 0.99


def test_gate_passes_at_baseline_and_within_the_allowed_drop() -> None:
    assert gate_decision(figures(0.975), BASELINE).passed
    assert gate_decision(figures(0.965), BASELINE).passed  # exactly 0.01 below
    assert gate_decision(figures(0.99), BASELINE).passed


def test_gate_fails_when_weighted_f1_drops_more_than_001() -> None:
    result = gate_decision(figures(0.9649), BASELINE)
    assert not result.passed
    assert "more than 0.01 below the baseline 0.975" in result.failures[0]


@pytest.mark.parametrize("intent", ["affirm", "deny", "dont_know"])
def test_gate_fails_when_yes_no_not_sure_f1_is_below_099(intent: str) -> None:
    result = gate_decision(figures(0.975, **{intent: 0.985}), BASELINE)
    assert not result.passed and len(result.failures) == 1
    assert intent in result.failures[0] and "below 0.990" in result.failures[0]


def test_a_baseline_below_the_target_holds_the_line_at_the_baseline_and_says_so() -> None:
    low = {**BASELINE, "answer_f1": {"affirm": 0.97, "deny": 1.0, "dont_know": 1.0}}
    at_baseline = gate_decision(figures(0.975, affirm=0.97), low)
    assert at_baseline.passed
    assert any("itself below the 0.99 target" in note for note in at_baseline.notes)
    worse = gate_decision(figures(0.975, affirm=0.96), low)
    assert not worse.passed
    assert "below 0.970" in worse.failures[0] and "itself below the 0.99 target" in worse.failures[0]


def test_gate_fails_on_age_reading_accuracy() -> None:
    result = gate_decision(figures(0.975, age=0.98), BASELINE)
    assert not result.passed and "age-reading accuracy is 0.980" in result.failures[0]


def test_without_a_baseline_only_the_fixed_targets_count() -> None:
    assert gate_decision(figures(0.5), None).passed  # nothing to compare the weighted F1 with
    assert not gate_decision(figures(0.5, deny=0.9), None).passed


def test_every_failure_is_reported_at_once() -> None:
    result = gate_decision(figures(0.9, age=0.5, affirm=0.5, deny=0.5, dont_know=0.5), BASELINE)
    assert len(result.failures) == 5


def test_baseline_round_trip_keeps_the_last_cv_figure_when_cv_was_skipped(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(BASELINE))
    written = evaluation.write_baseline(figures(0.98123), path)
    assert written["heldout_weighted_f1"] == 0.9812 and written["cv_weighted_f1"] == 0.93
    assert json.loads(path.read_text())["answer_f1"] == {"affirm": 1.0, "deny": 1.0, "dont_know": 1.0}


def test_committed_baseline_has_every_figure() -> None:
    baseline = evaluation.load_baseline()
    assert baseline is not None
    assert set(baseline["answer_f1"]) == {"affirm", "deny", "dont_know"}
    for key in ("heldout_weighted_f1", "cv_weighted_f1", "age_accuracy"):
        assert 0 < baseline[key] <= 1


def test_misclassified_markdown_groups_by_expected_intent() -> None:
    errors = [{"text": "yes | no", "intent": "affirm", "intent_prediction": {"name": "deny", "confidence": 0.6}},
              {"text": "dunno", "intent": "dont_know", "intent_prediction": {"name": "deny", "confidence": 0.5}}]
    text = misclassified_markdown([("Held-out test set", errors), ("Cross-validation", [])])
    assert "## Held-out test set (2)" in text and "### affirm" in text and "| yes \\| no | deny | 0.60 |" in text
    assert "## Cross-validation (0)" in text and "None." in text


def test_age_table_is_read_well() -> None:
    """The held-out age table (tests/nlu/ages.yml) at the gate's 0.99."""
    score = score_ages()
    assert score.total >= 100
    assert score.accuracy >= 0.99, score.failures


# ------------------------------------------------------------------------- both languages

ZH_BASELINE = {"heldout_weighted_f1": 0.98, "answer_f1": {"affirm": 1.0, "deny": 1.0, "dont_know": 1.0},
               "cv_weighted_f1": None, "age_accuracy": 1.0, "phone_accuracy": 1.0}
ENGLISH, CHINESE = evaluation.LANGUAGES


def test_each_language_reads_its_own_part_of_the_baseline() -> None:
    both = {**BASELINE, "zh": ZH_BASELINE}
    assert ENGLISH.baseline_of(both) == BASELINE  # English at the top level, as before Chinese came
    assert CHINESE.baseline_of(both) == ZH_BASELINE
    assert CHINESE.baseline_of(BASELINE) is None  # no Chinese baseline yet: only the fixed targets count


def test_a_chinese_failure_says_it_is_chinese() -> None:
    result = gate_decision(figures(0.975, deny=0.98), ZH_BASELINE, "Chinese")
    assert not result.passed
    assert all(message.startswith("Chinese: ") for message in result.failures + result.checks)
    assert "Chinese: no (deny) F1 is 0.980" in result.failures[0]


@pytest.mark.parametrize("phones, passed", [(None, True), (1.0, True), (0.99, True), (0.98, False)])
def test_phone_reading_is_gated_where_a_phone_table_exists(phones: float | None, passed: bool) -> None:
    scored = figures_from(report(0.98), AgeScore(100, 100),
                          phones=None if phones is None else AgeScore(round(phones * 100), 100))
    result = gate_decision(scored, ZH_BASELINE, "Chinese")
    assert result.passed is passed
    assert any("phone-reading accuracy" in check for check in result.checks) is (phones is not None)


def test_writing_one_languages_baseline_keeps_the_other(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({**BASELINE, "zh": ZH_BASELINE}))
    evaluation.write_baseline(figures(0.9912), path, CHINESE)
    written = json.loads(path.read_text())
    assert written["heldout_weighted_f1"] == 0.975 and written["zh"]["heldout_weighted_f1"] == 0.9912
    evaluation.write_baseline(figures(0.99), path, ENGLISH)
    written = json.loads(path.read_text())
    assert written["heldout_weighted_f1"] == 0.99 and written["zh"]["heldout_weighted_f1"] == 0.9912


def test_committed_baseline_covers_chinese() -> None:
    chinese = CHINESE.baseline_of(evaluation.load_baseline())
    assert chinese is not None
    assert chinese["heldout_weighted_f1"] >= 0.97  # issue 13's target
    assert set(chinese["answer_f1"]) == {"affirm", "deny", "dont_know"}
    # Reading figures stay out of it until the Chinese readers are in: then the fixed 0.99 target applies.
    assert "age_accuracy" not in chinese or chinese["age_accuracy"] >= 0.99


def test_the_chinese_held_out_tables_are_big_enough() -> None:
    """Issue 13: at least 400 held-out messages, 60 per answer intent, 100 ages and 100 phones."""
    from rasa.shared.nlu.training_data.loading import load_data

    counts: dict[str, int] = {}
    for message in load_data(str(CHINESE.heldout)).intent_examples:
        counts[str(message.get("intent"))] = counts.get(str(message.get("intent")), 0) + 1
    assert sum(counts.values()) >= 400 and min(counts[i] for i in ("affirm", "deny", "dont_know")) >= 60
    assert evaluation.score_ages(CHINESE.ages).total >= 100
    assert CHINESE.phones is not None and evaluation.score_phones(CHINESE.phones, "zh").total >= 100


def test_nlu_replaces_one_languages_held_out_set_only() -> None:
    args = evaluation.build_parser().parse_args(["gate", "--language", "zh", "--nlu", "other.yml"])
    assert [(language.code, language.heldout.name) for language in evaluation.chosen_languages(args)] == [
        ("zh", "other.yml")]
    both = evaluation.build_parser().parse_args(["gate", "--nlu", "other.yml"])
    with pytest.raises(evaluation.EvaluationError):
        evaluation.chosen_languages(both)
    default = evaluation.build_parser().parse_args(["gate"])
    assert [language.code for language in evaluation.chosen_languages(default)] == ["en", "zh"]


def test_evaluate_reports_misreads_caught_per_100_conversations(tmp_path, monkeypatch) -> None:
    """From the lead store the settings name: one correction over two consented conversations is 50 per 100."""
    from bot.leads.database import Database
    from bot.leads.migrate import upgrade
    from bot.leads.models import AnswerEvent, Screening
    from bot.leads.store import LeadStore
    from bot.settings import get_settings
    from tools.evaluation import misreads_caught_lines

    url = f"sqlite:///{tmp_path / 'leads.db'}"
    upgrade(url)
    store = LeadStore(Database(url))
    store.start_screening("one", "consent-test", "v")
    store.start_screening("two", "consent-test", "v")
    with store.database.transaction() as session:
        screening = session.query(Screening).filter_by(conversation_id="one").one()
        session.add(AnswerEvent(screening_id=screening.id, check_id="age", event="corrected", patient_text="x",
                                value="60"))
    store.database.engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert misreads_caught_lines()[-1].startswith("50.0 per 100 conversations: 1 read-backs denied")
    finally:
        get_settings.cache_clear()
