"""Fixtures for the Rasa extension tests: Rasa as installed, restored after each test that patches it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.rasa_ext import patches as rasa_patches
from bot.rasa_ext.patches import fence

TARGETS = [target for patch in rasa_patches.PATCHES for target in patch.REPLACES]


@pytest.fixture
def stock_rasa() -> Iterator[None]:
    """Rasa as installed for the test, and put back as it was after it (whatever the test applied)."""
    saved = [(owner, name, fence.raw(owner, name)) for owner, name in map(fence.resolve, TARGETS)]
    for owner, name, _value in saved:
        assert fence.patched_by(owner, name) is None, f"{owner}.{name} is patched before the test"
    yield
    for owner, name, value in saved:
        setattr(owner, name, value)
