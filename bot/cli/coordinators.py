"""`prescreen coordinator add USERNAME [--reset] [--language zh|en]` and `prescreen coordinator list`.

The password is never a command-line argument (it would land in shell history and `ps`): it is
asked twice at a terminal, or read as one line from standard input (for scripts).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO

from bot.languages import LANGUAGES
from bot.leads.accounts import AccountError, Accounts, check_password, check_username
from bot.leads.database import Database
from bot.leads.models import utcnow
from bot.settings import get_settings


def read_password(stdin: TextIO | None = None) -> str:
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass("New password (at least 12 characters): ")
        check_password(first)
        if getpass.getpass("Repeat the password: ") != first:
            raise AccountError("The two passwords do not match; nothing was changed.")
        return first
    line = stdin.readline()
    return check_password(line.rstrip("\r\n"))


def _accounts() -> Accounts:
    settings = get_settings()
    # A COORDINATOR_DEFAULT_LANGUAGE that is not one of LANGUAGES: AccountError, which main prints.
    default = settings.coordinator_default_language.strip().lower()
    return Accounts(Database(settings.database_url), default_language=default)


def cmd_add(args: argparse.Namespace) -> int:
    username = check_username(args.username)
    password = read_password()
    account = _accounts().add(username, password, reset=args.reset, language=args.language)
    if args.reset:
        print(f"New password set for {account.username}; the account is unlocked and its sessions are signed out.")
    else:
        print(f"Coordinator account {account.username} created (app language: {account.language}).")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    accounts = _accounts().list()
    if not accounts:
        print("No coordinator accounts yet: `prescreen coordinator add USERNAME`.")
        return 0
    now = utcnow()
    print(f"{'USERNAME':<24} {'LANG':<5}{'CREATED (UTC)':<17} {'LAST SIGN-IN (UTC)':<19} STATE")
    for account in accounts:
        last = f"{account.last_login_at:%Y-%m-%d %H:%M}" if account.last_login_at else "never"
        if account.locked(now):
            state = f"locked until {account.locked_until:%Y-%m-%d %H:%M} UTC"
        elif account.failed_logins:
            state = f"{account.failed_logins} failed sign-in(s)"
        else:
            state = "ok"
        print(f"{account.username:<24} {account.language:<5}{account.created_at:%Y-%m-%d %H:%M}  {last:<19} {state}")
    return 0


def add_coordinator_commands(groups: argparse._SubParsersAction) -> None:
    """Register `prescreen coordinator ...` on the main parser's subcommands."""
    parser = groups.add_parser("coordinator", help="coordinator app accounts")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser(
        "add", help="create an account; the password is asked twice, or read as one line from stdin"
    )
    add.add_argument("username")
    add.add_argument("--reset", action="store_true",
                     help="give an existing account a new password (also unlocks it and ends its sessions)")
    add.add_argument("--language", choices=LANGUAGES,
                     help="the app's language for this coordinator (default: COORDINATOR_DEFAULT_LANGUAGE; "
                          "they can change it on their account page)")
    add.set_defaults(run=cmd_add)
    commands.add_parser("list", help="accounts, last sign-in and lock state").set_defaults(run=cmd_list)
