"""The domain, the criteria file, the NLU data and the entity ruler agree with each other."""

from __future__ import annotations

import re

import yaml

from actions.services import consent_version
from bot.nlu.terms import load_terms
from bot.reading import QUESTION_INTENTS, REQUEST_INTENTS
from bot.settings import PROJECT_ROOT
from bot.trial.criteria import load_criteria

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
CRITERIA = load_criteria()


def test_every_check_has_a_slot_and_an_ask_action() -> None:
    # An action is its name, or {name: {send_domain: true}} for one that reads the domain.
    actions = {name for entry in DOMAIN["actions"] for name in ([entry] if isinstance(entry, str) else entry)}
    for check in CRITERIA.checks:
        assert check.slot in DOMAIN["slots"], check.id
        assert f"action_ask_{check.slot}" in actions, check.id
    not_checks = ("action_ask_contact_confirmed", "action_ask_contact_wechat", "action_ask_confirm_exclusion",
                  "action_ask_other_studies_ok", "action_ask_other_studies_confirmed")
    ask_actions = {a for a in actions if a.startswith("action_ask_") and a not in not_checks}
    assert ask_actions == {f"action_ask_{c.slot}" for c in CRITERIA.checks}


def test_side_intents_are_domain_intents_with_rules() -> None:
    rules = "\n".join(p.read_text() for p in (PROJECT_ROOT / "data" / "rules").glob("*.yml"))
    for intent in QUESTION_INTENTS | REQUEST_INTENTS:
        assert intent in DOMAIN["intents"]
        assert f"intent: {intent}\n" in rules, intent


def test_topics_name_entity_ruler_terms() -> None:
    terms = {term for label in load_terms().values() for term in label}
    for check in CRITERIA.checks:
        assert set(check.topic) <= terms, check.id
    assert set(load_terms()) == set(DOMAIN["entities"])


def test_consent_version_follows_the_consent_text() -> None:
    version = consent_version()
    assert version.startswith("consent-") and len(version) == len("consent-") + 12


def test_every_intent_has_training_examples() -> None:
    nlu = "\n".join(p.read_text() for p in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"))
    for intent in DOMAIN["intents"]:
        assert f"intent: {intent}\n" in nlu, intent


def test_every_response_the_actions_send_is_in_the_domain() -> None:
    sent = set()
    for source in (PROJECT_ROOT / "actions").glob("*.py"):
        sent |= set(re.findall(r'"(utter_\w+)"', source.read_text()))
    assert {"utter_handoff", "utter_handoff_quoting_code", "utter_location", "utter_contact_summary",
            "utter_explain_rule_out"} <= sent
    assert sent <= set(DOMAIN["responses"]), sent - set(DOMAIN["responses"])


def test_the_hospital_is_named_in_one_place() -> None:
    # every response says {study_site}; the slot's initial value is the one place the name is written
    assert DOMAIN["slots"]["study_site"]["initial_value"] == "Changhai Hospital"
    assert (PROJECT_ROOT / "domain.yml").read_text().count("Changhai") == 1
    assert DOMAIN["slots"]["study_site_zh"]["initial_value"] == "上海长海医院"
    assert (PROJECT_ROOT / "domain.yml").read_text().count("长海") == 1
    for source in (PROJECT_ROOT / "actions").glob("*.py"):
        assert "Changhai" not in source.read_text() and "长海" not in source.read_text(), source.name
