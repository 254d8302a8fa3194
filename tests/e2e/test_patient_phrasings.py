"""Patients' own phrasings through the real servers: the conversations marked `regression: true` in
patient_conversations.yml and patient_conversations_zh.yml (family members, Chinese, emoji, answers with
a story, declining a question, not knowing a record-based result, side questions). Each turn checks the
question asked next, the replies and, where given, the stored result."""

from __future__ import annotations

import pytest

from tests.conftest import LiveStack
from tests.e2e.conversations import Conversation, load_all_conversations, play_on_stack

pytestmark = pytest.mark.e2e

REGRESSION = [c for c in load_all_conversations() if c.regression]


def test_the_regression_set_is_not_empty() -> None:
    assert len(REGRESSION) >= 15
    assert {c.category for c in REGRESSION} >= {"record_unsure", "decline", "language", "yes_no", "age"}


@pytest.mark.parametrize("conversation", REGRESSION, ids=[c.id for c in REGRESSION])
def test_patient_conversation(live_stack: LiveStack, conversation: Conversation) -> None:
    problems = play_on_stack(live_stack, conversation, "phrasing")
    assert not problems, "\n".join(problems)
