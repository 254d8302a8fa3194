"""Issue 19's regression sets through the real servers: patients typing the way they really do, in English
(patient_varieties.yml: Singapore, Indian and British English, voice input, phone typing) and Chinese
(patient_varieties_zh.yml: Traditional characters, Cantonese, Shanghainese, northern and south-western
colloquial, reduplication, voice input), with two-part answers, named tests, questions about stopping
chemotherapy, confirmed withdrawal, a contact typed at the other-studies offer and slash commands. Every
conversation of both files is played; each turn checks the question asked next, the replies and, where
given, the slots and the stored result. tools/play_conversations.py prints their figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import LiveStack
from tests.e2e.conversations import Conversation, load_conversations, play_on_stack

pytestmark = pytest.mark.e2e

VARIETY_FILES = {"en": Path(__file__).with_name("patient_varieties.yml"),
                 "zh": Path(__file__).with_name("patient_varieties_zh.yml")}
VARIETIES = [c for path in VARIETY_FILES.values() for c in load_conversations(path)]


def test_each_language_has_at_least_150_conversations_with_unique_ids() -> None:
    for language, path in VARIETY_FILES.items():
        assert len(load_conversations(path)) >= 150, language
    ids = [c.id for c in VARIETIES]
    assert len(ids) == len(set(ids))


def _marked(conversation: Conversation) -> object:
    """A conversation with a listed gap is expected to fail (not strictly: a fix shows as XPASS, to un-list it)."""
    if conversation.known_gap:
        return pytest.param(conversation, marks=pytest.mark.xfail(reason=conversation.known_gap, strict=False))
    return conversation


def test_known_gaps_are_few_and_say_why() -> None:
    gaps = [c for c in VARIETIES if c.known_gap]
    assert all(len(c.known_gap) > 10 for c in gaps)
    assert len(gaps) <= len(VARIETIES) // 10  # a gap list, not a way to switch the set off


@pytest.mark.parametrize("conversation", [_marked(c) for c in VARIETIES], ids=[c.id for c in VARIETIES])
def test_patient_variety(live_stack: LiveStack, conversation: Conversation) -> None:
    problems = play_on_stack(live_stack, conversation, "variety")
    assert not problems, "\n".join(problems)
