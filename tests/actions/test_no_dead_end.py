"""No dead end, as a guarantee: every question (each check of the criteria, the read-back, consent, the
contact and other-studies questions) and every message of the readers' tables (tests/reading: the YAML
tables and the parametrized ones): typed three times in a row, the conversation moves on, or gives a
different reply, within two messages; a question left open three times comes with a way forward.

At the action level (the forms' validators, no Rasa server), with the conversation's events as Rasa
sends them, so the count of messages that left a question open is read from the transcript.
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import pkgutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

import tests.reading
from actions.contact_form import ValidateContactForm
from actions.dialogue import CONFIRM_SLOT
from actions.other_studies import ValidateOtherStudiesForm
from actions.prescreen_form import ValidatePrescreenForm
from actions.way_forward import NOT_SURE_WORKS, OTHERWISE
from bot.trial.criteria import load_criteria
from bot.trial.eligibility import questions_to_ask
from tests.actions.conftest import DOMAIN

CRITERIA = load_criteria()
WAY_FORWARD = {NOT_SURE_WORKS, OTHERWISE}
_senders = itertools.count()


def _strings(value: Any, found: set[str]) -> None:
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _strings(key, found)
            _strings(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _strings(item, found)


def table_messages() -> list[str]:
    """Every text of the readers' tables: tests/reading/*.yml and the tests' parametrize tables."""
    found: set[str] = set()
    for path in Path(tests.reading.__file__).parent.glob("*.yml"):
        _strings(yaml.safe_load(path.read_text(encoding="utf-8")), found)
    for module_info in pkgutil.iter_modules(tests.reading.__path__):
        module = importlib.import_module(f"tests.reading.{module_info.name}")
        for item in vars(module).values():
            for mark in getattr(item, "pytestmark", []):
                if mark.name == "parametrize":
                    _strings([getattr(row, "values", row) for row in mark.args[1]], found)
    return sorted(text for text in found if text.strip())


MESSAGES = table_messages()


def eligible_before(check_id: str) -> dict[str, Any]:
    """Answers that lead to `check_id`'s question: consent, then every earlier question answered as eligible."""
    answers: dict[str, Any] = {}
    for check in CRITERIA.checks:
        if check.id == check_id:
            break
        answers[check.id] = check.meets if check.answer == "yes_no" else 38  # pregnancy questions are asked
    assert check_id in questions_to_ask(CRITERIA, answers)
    return {CRITERIA.check(cid).slot: value for cid, value in answers.items()} | {"consent": True}


CONTACT = {"contact_ok": True, "contact_name": "Li Wei", "contact_phone": "+8613812345678", "contact_wechat": False,
           "contact_email": False, "contact_time": "mornings"}
OTHER = {"screening_outcome": "screened_out", "other_studies_ok": True, "other_studies_name": "Li Wei",
         "other_studies_contact": "+8613812345678"}
RULED_OUT = eligible_before(CRITERIA.checks[-1].id) | {"age": 90}
# (question, the validator that reads its answers, the slots before it is asked)
QUESTIONS: list[tuple[str, type[FormValidationAction], dict[str, Any]]] = [
    ("consent", ValidatePrescreenForm, {}),
    *((check.slot, ValidatePrescreenForm, eligible_before(check.id)) for check in CRITERIA.checks),
    (CONFIRM_SLOT, ValidatePrescreenForm, RULED_OUT),
    *((slot, ValidateContactForm, {name: CONTACT[name] for name in list(CONTACT)[:position]})
      for position, slot in enumerate([*CONTACT, "contact_confirmed"])),
    *((slot, ValidateOtherStudiesForm, {name: OTHER[name] for name in list(OTHER)[:position + 1]})
      for position, slot in enumerate(["other_studies_ok", "other_studies_name", "other_studies_contact",
                                       "other_studies_confirmed"])),
]


def type_three_times(form: FormValidationAction, slots: dict[str, Any], question: str, text: str,
                     language: str) -> tuple[bool, list[list[str]]]:
    """The same message typed up to three times at `question`: (moved on, the replies to each message)."""
    state = {name: None for name in DOMAIN["slots"]} | slots | {"language": language, "requested_slot": question}
    events: list[dict[str, Any]] = [{"event": "slot", "name": "requested_slot", "value": question}]
    sender = f"dead-end-{next(_senders)}"
    replies: list[list[str]] = []
    for _ in range(3):
        message = {"text": text, "intent": {"name": "inform", "confidence": 0.9}, "entities": []}
        events.append({"event": "user", **message, "parse_data": message})
        form_name = "contact_form" if isinstance(form, ValidateContactForm) else (
            "other_studies_form" if isinstance(form, ValidateOtherStudiesForm) else "prescreen_form")
        tracker = Tracker(sender, dict(state), message, list(events), False, None, {"name": form_name},
                          "action_listen")
        dispatcher = CollectingDispatcher()
        returned = asyncio.run(form.run(dispatcher, tracker, DOMAIN))
        replies.append([m.get("response") or "text" for m in dispatcher.messages])
        for event in returned:
            if event.get("event") == "slot":
                state[event["name"]] = event["value"]
        events += returned
        if state.get("requested_slot") != question or state.get(question) is not None:
            return True, replies
    return False, replies


@pytest.mark.parametrize(("question", "form", "slots"), QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_no_message_leaves_a_question_without_a_way_forward(question, form, slots, lead_store) -> None:
    assert len(MESSAGES) > 500  # the tables are read
    stuck = []
    for text in MESSAGES:
        language = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
        moved_on, replies = type_three_times(form(), slots, question, text, language)
        if moved_on and len(replies) <= 2:
            continue
        if moved_on or replies[1] == replies[0] or not WAY_FORWARD & set(replies[1]) or not WAY_FORWARD & set(
                replies[2]):
            stuck.append((text, replies))
    assert stuck == []


def test_the_guarantee_can_fail(monkeypatch, lead_store) -> None:
    """Without the way forward, an unreadable message gets the same reply three times: the check above sees it."""
    import actions.way_forward

    slots = eligible_before("self_care")
    moved_on, replies = type_three_times(ValidatePrescreenForm(), slots, "self_care", "qwrtz", "en")
    assert not moved_on and replies[0] != replies[1] and OTHERWISE not in replies[1]
    assert replies[1] == [*replies[0], NOT_SURE_WORKS] == replies[2]
    monkeypatch.setattr(actions.way_forward, "REPEATS_BEFORE_WAY_FORWARD", 99)
    moved_on, replies = type_three_times(ValidatePrescreenForm(), slots, "self_care", "qwrtz", "en")
    assert not moved_on and replies[0] == replies[1] == replies[2]
