"""Leads for the coordinator tests, written through the LeadStore API like the bot writes them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import create_engine, text, update

from bot.leads import lead_facts
from bot.leads.models import Screening
from bot.leads.store import ContactDetails, LeadStore
from bot.trial.criteria import load_criteria
from bot.trial.eligibility import evaluate

CRITERIA = load_criteria()
ELIGIBLE: dict[str, Any] = {
    c.id: ("yes" if c.meets == "yes" else "no") for c in CRITERIA.checks if c.answer == "yes_no"
} | {"age": 60}
PASSWORD = "correct horse battery staple"
XSS_NAME = "<img src=x onerror=alert(1)>"


def words_for(answers: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """What the patient typed for each answer, as the bot logs it."""
    said = {"yes": "Yes, that's right", "no": "No, never", "unsure": "I'm not sure"}
    log = {}
    for check_id, value in answers.items():
        if check_id == "age":
            log[check_id] = {"text": f"I am {value}", "value": str(value), "how": f"read age {value}"}
        else:
            log[check_id] = {"text": said[str(value)], "value": str(value), "how": "button"}
    return log


def seed_lead(
    store: LeadStore,
    conversation_id: str,
    contact: ContactDetails | None = None,
    answers: Mapping[str, Any] | None = None,
    completed_at: datetime | None = None,
    patient_words: Mapping[str, Mapping[str, str]] | None = None,
) -> int:
    """A completed prescreen (optionally with contact details); returns the lead id."""
    answers = dict(ELIGIBLE if answers is None else answers)
    store.start_screening(conversation_id, "consent-test", CRITERIA.version)
    store.complete_screening(conversation_id, evaluate(CRITERIA, answers), patient_words or words_for(answers))
    if contact is not None:
        store.save_contact(conversation_id, contact)
    lead_id = store.get_lead(conversation_id).id
    if completed_at is not None:
        with store.database.transaction() as session:
            session.execute(update(Screening).where(Screening.id == lead_id).values(completed_at=completed_at))
            lead_facts.refresh(session, [lead_id])  # the wait to a first contact counts from it
    return lead_id


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def sign_in(client: FlaskClient, username: str = "alice", password: str = PASSWORD, **extra: str) -> Any:
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token, **extra})


def tracker_senders(url: str) -> list[str]:
    """The conversations that still have events in a tracker store."""
    engine = create_engine(url)
    with engine.connect() as connection:
        senders = sorted(row[0] for row in connection.execute(text("select sender_id from events")))
    engine.dispose()
    return senders
