"""What every part of the lead store shares: the database, the cipher, and one way to fail.

Every database error, read or write, becomes a StoreError whose message says what failed, so the
actions, the CLI and the coordinator app each have one exception to handle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.leads.crypto import FieldCipher
from bot.leads.database import Database
from bot.leads.errors import LeadNotFound, StoreError
from bot.leads.models import Screening

log = logging.getLogger(__name__)


def unavailable(what: str, error: SQLAlchemyError) -> StoreError:
    """The StoreError for a failed database call (logged without any data, only the error's type)."""
    log.error("lead store: %s failed: %s", what, type(error).__name__)
    return StoreError(f"{what} failed: the lead database is unavailable")


class StoreBase:
    """The database and cipher that the store's parts (screenings, search, review, audit, stats) use."""

    def __init__(self, database: Database, cipher: FieldCipher | None = None) -> None:
        self.database = database
        self.cipher = cipher

    @contextmanager
    def _transaction(self, what: str) -> Iterator[Session]:
        """A session committed as one, or rolled back; `what` names the work in the error."""
        try:
            with self.database.transaction() as session:
                yield session
        except (LeadNotFound, ValueError):
            raise
        except SQLAlchemyError as error:
            raise unavailable(what, error) from error

    @contextmanager
    def _reading(self, what: str) -> Iterator[Session]:
        """A session for reading; `what` names the work in the error."""
        try:
            with self.database.session() as session:
                yield session
        except SQLAlchemyError as error:
            raise unavailable(what, error) from error

    @staticmethod
    def _screening(session: Session, conversation_id: str) -> Screening:
        screening = session.execute(
            select(Screening).where(Screening.conversation_id == conversation_id)
        ).scalar_one_or_none()
        if screening is None:
            raise LeadNotFound(f"no screening for conversation {conversation_id}")
        return screening
