"""Misreads caught by the safety net, read from a real SQLite tracker store written by Rasa's SQLTrackerStore:
a denied read-back, a correction and a question asked again come first in `prescreen nlu review`."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet

from bot.leads.database import Database
from bot.leads.migrate import upgrade
from bot.leads.store import LeadStore
from bot.nlu.review import as_nlu_yaml, safety_net_to_review
from tests.nlu.test_review import _said, _write_trackers


def _ask(slot: str) -> list:
    return [ActionExecuted("prescreen_form"), SlotSet("requested_slot", slot), ActionExecuted("action_listen")]


def test_denied_read_backs_corrections_and_questions_asked_again_come_first(tmp_path: Path) -> None:
    lead_url = f"sqlite:///{tmp_path / 'prescreen.db'}"
    upgrade(lead_url)
    leads = LeadStore(Database(lead_url))
    leads.start_screening("patient", consent_version="test", criteria_version="test")
    leads.database.engine.dispose()
    tracker = tmp_path / "tracker.db"
    _write_trackers(tracker, {
        "patient": [
            ActionExecuted("action_listen"), SlotSet("language", "zh"), ActiveLoop("prescreen_form"),
            *_ask("consent"), _said("同意", "affirm", 0.99), SlotSet("consent", True),
            *_ask("age"), _said("六十", "inform", 0.9), SlotSet("age", 60),
            *_ask("hepatitis_question_stand_in"),
            *_ask("viral_infection"),
            _said("呒没", "inform", 0.5), SlotSet("viral_infection", "yes"),  # misread: it means none
            *_ask("confirm_exclusion"),
            _said("不对", "deny", 0.9), SlotSet("viral_infection", None), SlotSet("confirm_exclusion", None),
            *_ask("viral_infection"),
            _said("没有没有", "inform", 0.4),  # asked again: could not be read
            *_ask("viral_infection"),
            _said("多少钱？", "ask_study", 0.8), SlotSet("side_questions", [{"topic": "cost"}]),  # a question
            *_ask("viral_infection"),
            _said("没有", "deny", 0.95), SlotSet("viral_infection", "no"),
            *_ask("cns_disease"),
            _said("有", "affirm", 0.95), SlotSet("cns_disease", "yes"),
            *_ask("autoimmune"),
            _said("我说错了，没有", "inform", 0.6),
            BotUttered("没关系", metadata={"utter_action": "utter_correction_applied"}),
            SlotSet("cns_disease", "no"),
            *_ask("autoimmune"),
            ActiveLoop("contact_form"), *_ask("contact_name"), _said("王芳", "inform", 0.2),  # never read
        ],
        "not-consented": [*_ask("age"), _said("blah", "inform", 0.2), *_ask("age")],
    })
    caught = safety_net_to_review(f"sqlite:///{tracker}", lead_url)
    assert [(c.kind, c.question, c.text, c.language, c.reading) for c in caught] == [
        ("read-back denied", "viral_infection", "呒没", "zh", "yes"),
        ("asked again", "viral_infection", "没有没有", "zh", None),
        ("corrected", "cns_disease", "有", "zh", "yes"),
    ]
    exported = as_nlu_yaml([], 0.6, caught=caught)
    assert exported.index("read-back denied at viral_infection (zh), read as yes") < exported.index(
        "corrected at cns_disease") < exported.index("asked again at viral_infection")
    assert [block["examples"] for block in yaml.safe_load(exported)["nlu"]] == ["- 呒没\n", "- 有\n", "- 没有没有\n"]

