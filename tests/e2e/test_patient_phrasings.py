"""Patients' own phrasings through the real servers: the conversations marked `regression: true` in
patient_conversations.yml and patient_conversations_zh.yml (family members, Chinese, emoji, answers with
a story, declining a question, not knowing a record-based result, side questions). Each turn checks the
question asked next, the replies and, where given, the stored result."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import LiveStack
from tests.e2e.conversations import Conversation, load_all_conversations, play, rest_say, tracker_slots

pytestmark = pytest.mark.e2e

REGRESSION = [c for c in load_all_conversations() if c.regression]


def test_the_regression_set_is_not_empty() -> None:
    assert len(REGRESSION) >= 15
    assert {c.category for c in REGRESSION} >= {"record_unsure", "decline", "language", "yes_no", "age"}


@pytest.mark.parametrize("conversation", REGRESSION, ids=[c.id for c in REGRESSION])
def test_patient_conversation(live_stack: LiveStack, conversation: Conversation) -> None:
    sender = f"phrasing-{conversation.id}-{uuid.uuid4().hex[:8]}"

    def status(conversation_id: str) -> str | None:
        from bot.leads.store import LeadNotFound

        try:
            return live_stack.store().get_lead(conversation_id).provisional_status
        except LeadNotFound:
            return None

    slots = tracker_slots(live_stack.settings.tracker_store_url, live_stack.settings.data_key)
    result = play(conversation, sender, rest_say(live_stack.rest_url), slots, status)
    problems = [f"turn {f['turn']} {f['said']!r}: {f['problem']}" for f in result.failures]
    assert not problems, "\n".join(problems)
