"""Fixtures for the Rasa extension tests: Rasa as installed, restored after each test that patches it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain

from bot.rasa_ext import patches as rasa_patches
from bot.rasa_ext.patches import fence

TARGETS = [target for patch in rasa_patches.PATCHES for target in patch.REPLACES]
ROOT = Path(__file__).resolve().parents[2]
_names = itertools.count()


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def tracker_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty tracker store: SQLite in a temp folder, or a fresh database on the throwaway PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    from tests.postgres import create_database

    return create_database(request.getfixturevalue("postgres_server"), f"tracker_{next(_names)}")


@pytest.fixture
def stock_rasa() -> Iterator[None]:
    """Rasa as installed for the test, and put back as it was after it (whatever the test applied)."""
    saved = [(owner, name, fence.raw(owner, name)) for owner, name in map(fence.resolve, TARGETS)]
    for owner, name, _value in saved:
        assert fence.patched_by(owner, name) is None, f"{owner}.{name} is patched before the test"
    yield
    for owner, name, value in saved:
        setattr(owner, name, value)
