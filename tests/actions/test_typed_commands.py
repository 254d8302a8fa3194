"""A typed "/restart" or "/back" (Rasa's own intents) gets a reply and changes nothing."""

from __future__ import annotations

import pytest
from rasa_sdk.events import FollowupAction

from actions.typed_commands import ActionBack, ActionRestart
from tests.actions.conftest import run, sent


@pytest.mark.parametrize("action", [ActionRestart, ActionBack])
def test_a_typed_command_is_answered_and_the_question_asked_again(make_tracker, dispatcher, domain, action) -> None:
    tracker = make_tracker(f"/{action().name().removeprefix('action_')}", action().name().removeprefix("action_"),
                           slots={"consent": True, "age": 60}, requested_slot="crc_liver_mets")
    assert run(action(), dispatcher, tracker, domain) == [FollowupAction("prescreen_form")]
    assert sent(dispatcher) == [{"response": "utter_typed_command"}]


def test_outside_the_forms_it_is_answered_too(make_tracker, dispatcher, domain) -> None:
    assert run(ActionRestart(), dispatcher, make_tracker("/restart", "restart", active_loop=None), domain) == []
    assert sent(dispatcher) == [{"response": "utter_typed_command"}]
