"""Migration 0004 and what it holds: corrected and confirmed answers, the patient's own questions (issue 12).

Like test_migration.py: on SQLite and, where the tests run with a server, PostgreSQL (`database_url`).
"""

from __future__ import annotations

from alembic import command
from flask.testing import FlaskClient
from sqlalchemy import inspect

from bot.leads.database import make_engine
from bot.leads.migrate import alembic_config, upgrade
from bot.leads.store import LeadStore
from bot.trial.eligibility import evaluate
from tests.web.coordinator.seed import CRITERIA, ELIGIBLE, words_for

AT = "2026-12-02T10:15:00+00:00"


def tables(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_downgrade_to_0002_and_upgrade_again(database_url: str) -> None:
    assert {"answer_events", "side_questions"} <= tables(database_url)
    command.downgrade(alembic_config(database_url), "0002")
    assert not {"answer_events", "side_questions"} & tables(database_url)
    upgrade(database_url)
    assert {"answer_events", "side_questions"} <= tables(database_url)


def corrected_lead(store: LeadStore, conversation_id: str = "conv-slip") -> int:
    """A patient who pressed yes to CAR-T, corrected it to no, and confirmed a "yes" to lung disease."""
    answers = {**ELIGIBLE, "lung_disease": "yes"}
    log = words_for(answers)
    log["prior_car_t"] = {"text": "sorry, I meant no", "value": "no", "how": "corrected ('i meant'): 'no'",
                          "history": [{"text": "[tapped] Yes", "value": "yes", "how": "button", "event": "corrected",
                                       "at": AT}]}
    log["lung_disease"] |= {"confirmed_at": AT}
    side = [{"topic": "residence", "text": "do I have to live in Shanghai?", "at": AT, "during": "crc_liver_mets"}]
    store.start_screening(conversation_id, "consent-test", CRITERIA.version)
    store.complete_screening(conversation_id, evaluate(CRITERIA, answers), log, None, side)
    return store.get_lead(conversation_id).id


def test_the_store_keeps_both_answers_and_the_questions(store: LeadStore) -> None:
    corrected_lead(store)
    lead = store.get_lead("conv-slip")
    assert [(e["check_id"], e["event"], e["patient_text"], e["value"]) for e in lead.answer_events] == [
        ("prior_car_t", "corrected", "[tapped] Yes", "yes"),
        ("lung_disease", "confirmed", "Yes, that's right", "yes"),
    ]
    assert [(q["topic"], q["patient_text"], q["during_check"]) for q in lead.side_questions] == [
        ("residence", "do I have to live in Shanghai?", "crc_liver_mets")]
    answers = {a["check_id"]: a["value"] for a in lead.answers}
    assert answers["prior_car_t"] == "no"


def test_completing_again_replaces_the_history(store: LeadStore) -> None:
    corrected_lead(store)
    store.complete_screening("conv-slip", evaluate(CRITERIA, ELIGIBLE), words_for(ELIGIBLE))
    lead = store.get_lead("conv-slip")
    assert lead.answer_events == [] and lead.side_questions == []


def test_the_lead_page_shows_corrections_confirmations_and_questions(client: FlaskClient, app_store: LeadStore) -> None:
    lead_id = corrected_lead(app_store)
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "Earlier answer (corrected)" in page and "[tapped] Yes" in page
    assert "Confirmed at the read-back" in page
    assert "Patient&#39;s questions for the call" in page or "Patient's questions for the call" in page
    assert "do I have to live in Shanghai?" in page


def test_agreement_counts_corrected_and_confirmed_answers(store: LeadStore) -> None:
    lead_id = corrected_lead(store)
    store.set_review_status(lead_id, "rejected", "COPD on records", "alice", screen_failure_reason="exclusion_met")
    rows = {row.check_id: row for row in store.agreement().criteria}
    assert (rows["prior_car_t"].corrected, rows["prior_car_t"].confirmed) == (1, 0)
    assert (rows["lung_disease"].corrected, rows["lung_disease"].confirmed) == (0, 1)
    assert rows["age"].corrected == rows["age"].confirmed == 0


def test_erasing_a_lead_erases_its_history(store: LeadStore, database_url: str) -> None:
    corrected_lead(store)
    store.erase_conversation("conv-slip")
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            from sqlalchemy import text
            assert connection.execute(text("SELECT COUNT(*) FROM answer_events")).scalar() == 0
            assert connection.execute(text("SELECT COUNT(*) FROM side_questions")).scalar() == 0
    finally:
        engine.dispose()
