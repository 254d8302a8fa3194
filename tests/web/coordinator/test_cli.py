"""`prescreen coordinator add|list`: passwords from a prompt or stdin, never from the command line."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from bot.cli import main as cli
from bot.leads.accounts import Accounts
from bot.leads.database import Database
from bot.settings import get_settings
from tests.web.coordinator.conftest import FAST_HASHER

PASSWORD = "a long enough password"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    monkeypatch.setattr("bot.leads.accounts.PasswordHasher", lambda: FAST_HASHER)  # cheap hashes
    yield database_url
    get_settings.cache_clear()


def run(monkeypatch: pytest.MonkeyPatch, stdin: io.StringIO, *argv: str) -> int:
    monkeypatch.setattr("sys.stdin", stdin)
    return cli.main(list(argv))


def check(database_url: str, username: str, password: str) -> bool:
    accounts = Accounts(Database(database_url), hasher=FAST_HASHER)
    try:
        return accounts.authenticate(username, password).ok
    finally:
        accounts.database.engine.dispose()


def test_add_reads_one_line_from_stdin(database: str, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, io.StringIO(PASSWORD + "\n"), "coordinator", "add", "alice") == 0
    assert "created" in capsys.readouterr().out
    assert check(database, "alice", PASSWORD)


def test_add_asks_twice_at_a_terminal(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run(monkeypatch, Terminal(), "coordinator", "add", "alice") == 0
    assert check(database, "alice", PASSWORD)


def test_add_refuses_mismatched_passwords(database: str, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run(monkeypatch, Terminal(), "coordinator", "add", "alice") == 2
    assert "do not match" in capsys.readouterr().err
    assert not check(database, "alice", PASSWORD)


def test_add_refuses_a_short_password(database: str, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, io.StringIO("elevenchars\n"), "coordinator", "add", "alice") == 2
    assert "at least 12 characters" in capsys.readouterr().err


def test_add_refuses_an_existing_username_unless_reset(database: str, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, io.StringIO(PASSWORD), "coordinator", "add", "alice") == 0
    assert run(monkeypatch, io.StringIO("another long password"), "coordinator", "add", "alice") == 2
    assert "already an account" in capsys.readouterr().err
    assert check(database, "alice", PASSWORD)
    assert run(monkeypatch, io.StringIO("another long password"), "coordinator", "add", "alice", "--reset") == 0
    assert check(database, "alice", "another long password") and not check(database, "alice", PASSWORD)
    assert run(monkeypatch, io.StringIO(PASSWORD), "coordinator", "add", "bob", "--reset") == 2


def test_the_password_is_not_an_argument(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit):
        run(monkeypatch, io.StringIO(PASSWORD), "coordinator", "add", "alice", PASSWORD)
    with pytest.raises(SystemExit):
        run(monkeypatch, io.StringIO(PASSWORD), "coordinator", "add", "alice", "--password", PASSWORD)


def test_list_shows_accounts_and_locks(database: str, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, io.StringIO(), "coordinator", "list") == 0
    assert "No coordinator accounts yet" in capsys.readouterr().out
    run(monkeypatch, io.StringIO(PASSWORD), "coordinator", "add", "alice")
    run(monkeypatch, io.StringIO(PASSWORD), "coordinator", "add", "bob")
    accounts = Accounts(Database(database), hasher=FAST_HASHER)
    for _ in range(5):
        accounts.authenticate("bob", "not the password")
    accounts.database.engine.dispose()
    capsys.readouterr()
    assert run(monkeypatch, io.StringIO(), "coordinator", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("alice") and lines[1].endswith("ok")
    assert lines[2].startswith("bob") and "locked until" in lines[2]
    assert PASSWORD not in "\n".join(lines)
