"""What the actions store with a lead besides the answers: the conversation's language, the text
versions shown (actions/lead_details.py) and the WeChat ID."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.lead_details import conversation_language, optional_text, shown_text_versions
from actions.screening import ActionFinishScreening, ActionSubmitLead
from bot.texts import text_versions
from bot.trial.criteria import load_criteria
from tests.actions.conftest import run, sent, slot_events

CRITERIA = load_criteria()
ELIGIBLE = {c.id: c.meets for c in CRITERIA.checks if c.answer == "yes_no"} | {"age": 40, "consent": True}


@pytest.mark.parametrize(("slot", "stored"), [("zh", "zh"), ("en", "en"), (None, "en")])
def test_the_conversation_language_is_stored_with_the_screening(make_tracker, dispatcher, domain, lead_store,
                                                                slot: str | None, stored: str) -> None:
    lead_store.start_screening("test-conversation", "consent-test", CRITERIA.version)
    tracker = make_tracker(slots=ELIGIBLE | {"language": slot}, active_loop=None)
    events = run(ActionFinishScreening(), dispatcher, tracker, domain)
    [lead] = lead_store.list_leads()
    assert events == [SlotSet("reference_code", lead.reference_code), SlotSet("screening_outcome", "continue")]
    assert lead.language == stored
    assert lead.text_versions == shown_text_versions(tracker) == text_versions([stored])
    assert set(lead.text_versions) == {f"texts-{stored}", f"consent-{stored}"}


def test_a_conversation_that_switched_stores_the_texts_of_both_languages(make_tracker) -> None:
    tracker = make_tracker(slots={"language": "en"}, active_loop=None)
    tracker.events.extend([{"event": "slot", "name": "language", "value": "zh"},
                           {"event": "slot", "name": "language", "value": "en"}])
    assert shown_text_versions(tracker) == text_versions(["en", "zh"])
    assert shown_text_versions(tracker)["consent-zh"].startswith("consent-")


@pytest.mark.parametrize(("wechat", "stored"), [("liwei_1962", "liwei_1962"), (None, None), (False, None),
                                                ("  ", None)])
def test_the_wechat_id_is_stored_with_the_contact(make_tracker, dispatcher, domain, lead_store,
                                                  wechat: object, stored: str | None) -> None:
    lead_store.start_screening("test-conversation", "consent-test", CRITERIA.version)
    tracker = make_tracker(slots=ELIGIBLE, active_loop=None)
    code = slot_events(run(ActionFinishScreening(), dispatcher, tracker, domain))["reference_code"]
    contact = {"contact_ok": True, "contact_name": "李伟", "contact_phone": "+8613812345678",
               "contact_confirmed": True, "reference_code": code, "contact_wechat": wechat}
    dispatcher.messages.clear()
    assert run(ActionSubmitLead(), dispatcher, make_tracker(slots=contact, active_loop=None), domain) == []
    assert sent(dispatcher) == [{"response": "utter_lead_saved", "reference_code": code}]
    [lead] = lead_store.list_leads()
    assert lead.contact is not None and lead.contact.wechat == stored


def test_a_missing_language_slot_reads_as_english(make_tracker) -> None:
    assert conversation_language(make_tracker()) == "en"
    assert optional_text(True) is None and optional_text(" wx ") == "wx"
