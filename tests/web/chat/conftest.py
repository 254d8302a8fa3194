"""Fixtures for the chat page's tests: a canned Rasa, and clients with Rasa up (canned) or down."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.web.chat.app import create_app
from tests.web.chat.canned_rasa import CannedRasa, free_port, make_settings


@pytest.fixture
def rasa() -> Iterator[CannedRasa]:
    canned = CannedRasa()
    yield canned
    canned.close()


@pytest.fixture
def client(rasa: CannedRasa) -> Any:
    return create_app(make_settings(rasa.port)).test_client()


@pytest.fixture
def down_client() -> Any:
    """The assistant is down: nothing listens on Rasa's port."""
    return create_app(make_settings(free_port())).test_client()
