"""Coordinator accounts: argon2 password hashes, and sign-in throttling kept in the database.

The store behind the coordinator app's sign-in and the `prescreen coordinator` commands; it lives with
the lead store so the command line need not reach into the web app.

Failed sign-ins are counted in the `coordinators` row itself, with atomic updates, so the
lockout holds across restarts and across processes (several waitress workers, the CLI).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.languages import DEFAULT_LANGUAGE, LANGUAGES, known_language
from bot.leads.database import Database
from bot.leads.models import Coordinator, utcnow
from bot.leads.pipeline import as_utc
from bot.leads.store import StoreError

USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,63}")
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)


class AccountError(ValueError):
    """A username or password that cannot be used, or an account that does (not) exist."""


def check_username(username: str) -> str:
    if not USERNAME_RE.fullmatch(username):
        raise AccountError(
            "A username is 2 to 64 characters: letters, digits and . _ @ - (starting with a letter or digit)."
        )
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"The password is too short: use at least {MIN_PASSWORD_CHARS} characters.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"The password is too long: use at most {MAX_PASSWORD_CHARS} characters.")
    if not password.strip():
        raise AccountError("The password cannot be only spaces.")
    return password


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise AccountError(f"The language must be one of: {', '.join(LANGUAGES)}.")
    return language


@dataclass(frozen=True)
class CoordinatorInfo:
    id: int
    username: str
    failed_logins: int
    locked_until: datetime | None
    session_epoch: int
    created_at: datetime
    last_login_at: datetime | None
    language: str = DEFAULT_LANGUAGE  # the app's language for this coordinator

    def locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())

    @classmethod
    def of(cls, row: Coordinator) -> CoordinatorInfo:
        return cls(
            id=row.id,
            username=row.username,
            failed_logins=row.failed_logins or 0,
            locked_until=as_utc(row.locked_until),
            session_epoch=row.session_epoch or 0,
            created_at=as_utc(row.created_at),  # type: ignore[arg-type]
            last_login_at=as_utc(row.last_login_at),
            language=known_language(row.language),
        )


@dataclass(frozen=True)
class SignIn:
    """The outcome of one sign-in attempt."""

    ok: bool
    coordinator: CoordinatorInfo | None = None
    locked_until: datetime | None = None  # set when the account is (now) locked
    failures: int = 0  # consecutive failures so far, for slowing down the next attempt


class Accounts:
    def __init__(
        self,
        database: Database,
        hasher: PasswordHasher | None = None,
        max_failures: int = MAX_FAILURES,
        lock_for: timedelta = LOCK_FOR,
        default_language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self.database = database
        self.default_language = check_language(default_language)  # for new accounts
        self.hasher = hasher or PasswordHasher()
        self.max_failures = max_failures
        self.lock_for = lock_for

    @cached_property
    def _dummy_hash(self) -> str:
        # Unknown usernames cost one hash check too, so timing does not tell which names exist.
        return self.hasher.hash("not a real password, only here to spend the same time")

    @contextmanager
    def _transaction(self, what: str) -> Iterator[Session]:
        try:
            with self.database.transaction() as session:
                yield session
        except SQLAlchemyError as error:
            raise StoreError(
                f"{what} failed: the database is unavailable or its schema is out of date "
                "(run `prescreen db upgrade`)"
            ) from error

    def _by_name(self, session: Session, username: str, lock: bool = False) -> Coordinator | None:
        query = select(Coordinator).where(Coordinator.username == username)
        if lock:
            query = query.with_for_update()
        return session.execute(query).scalar_one_or_none()

    def add(self, username: str, password: str, reset: bool = False, language: str | None = None) -> CoordinatorInfo:
        """Create an account (in `language`, else the default); with `reset`, give an existing one a new
        password (and unlock it; its language changes only when one is given)."""
        check_username(username)
        if language is not None:
            check_language(language)
        check_password(password)
        password_hash = self.hasher.hash(password)
        with self._transaction("saving the account") as session:
            row = self._by_name(session, username, lock=True)
            if row is not None and not reset:
                raise AccountError(
                    f"There is already an account named {username!r} (use --reset to change its password)."
                )
            if row is None and reset:
                raise AccountError(f"There is no account named {username!r} to reset.")
            if row is None:
                row = Coordinator(username=username, password_hash=password_hash, failed_logins=0, session_epoch=0,
                                  language=language or self.default_language)
                session.add(row)
            else:
                row.language = language or row.language
                row.password_hash = password_hash
                row.password_changed_at = utcnow()
                row.failed_logins = 0
                row.locked_until = None
                row.session_epoch = (row.session_epoch or 0) + 1  # signs out existing sessions
            session.flush()
            return CoordinatorInfo.of(row)

    def list(self) -> list[CoordinatorInfo]:
        with self._transaction("listing accounts") as session:
            rows = session.execute(select(Coordinator).order_by(Coordinator.username)).scalars()
            return [CoordinatorInfo.of(row) for row in rows]

    def get(self, coordinator_id: int) -> CoordinatorInfo | None:
        with self._transaction("reading an account") as session:
            row = session.get(Coordinator, coordinator_id)
            return None if row is None else CoordinatorInfo.of(row)

    def set_language(self, coordinator_id: int, language: str) -> None:
        """The language the app speaks to this coordinator (their choice on the account page)."""
        check_language(language)
        with self._transaction("saving the language") as session:
            session.execute(update(Coordinator).where(Coordinator.id == coordinator_id).values(language=language))

    def end_sessions(self, coordinator_id: int) -> None:
        """Invalidate every session cookie issued to this coordinator so far (sign-out)."""
        with self._transaction("signing out") as session:
            session.execute(
                update(Coordinator).where(Coordinator.id == coordinator_id)
                .values(session_epoch=Coordinator.session_epoch + 1)
            )

    def authenticate(self, username: str, password: str, now: datetime | None = None) -> SignIn:
        """Check a password. A locked account is refused without looking at the password;
        the `max_failures`-th consecutive failure locks the account for `lock_for`."""
        now = now or utcnow()
        with self._transaction("signing in") as session:
            row = self._by_name(session, username, lock=True) if USERNAME_RE.fullmatch(username) else None
            if row is None:
                self._verify(self._dummy_hash, password)
                return SignIn(ok=False)
            locked_until = as_utc(row.locked_until)
            if locked_until is not None and locked_until > now:
                return SignIn(ok=False, coordinator=CoordinatorInfo.of(row), locked_until=locked_until,
                              failures=self.max_failures)
            if not self._verify(row.password_hash, password):
                session.execute(
                    update(Coordinator).where(Coordinator.id == row.id)
                    .values(failed_logins=Coordinator.failed_logins + 1)
                )
                failures = session.execute(
                    select(Coordinator.failed_logins).where(Coordinator.id == row.id)
                ).scalar_one()
                if failures >= self.max_failures:
                    until = now + self.lock_for
                    session.execute(
                        update(Coordinator).where(Coordinator.id == row.id).values(failed_logins=0, locked_until=until)
                    )
                    session.refresh(row)
                    return SignIn(ok=False, coordinator=CoordinatorInfo.of(row), locked_until=until, failures=failures)
                session.refresh(row)
                return SignIn(ok=False, coordinator=CoordinatorInfo.of(row), failures=failures)
            row.failed_logins = 0
            row.locked_until = None
            row.last_login_at = now
            if self.hasher.check_needs_rehash(row.password_hash):
                row.password_hash = self.hasher.hash(password)
            session.flush()
            return SignIn(ok=True, coordinator=CoordinatorInfo.of(row))

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
