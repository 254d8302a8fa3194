"""What every `prescreen` command shares: who runs it (for the audit trail), the lead store, where exports go."""

from __future__ import annotations

import getpass
import os
import sys

from bot.leads.factory import open_lead_store
from bot.leads.private_files import write_private
from bot.leads.store import LeadStore
from bot.settings import Settings, get_settings


def actor() -> str:
    """Who runs the command, for the audit trail."""
    return f"cli:{os.environ.get('SUDO_USER') or getpass.getuser()}"


def open_store(settings: Settings | None = None) -> LeadStore:
    """The lead store of DATABASE_URL; without a data key, commands that need no contact details still work."""
    return open_lead_store(settings or get_settings(), require_key=False)


def write_export(text: str, output: str | None, what: str) -> None:
    """An export to a file readable by its owner only, or to standard output; the count goes to stderr."""
    if output:
        write_private(output, text)
        print(f"Exported {what} to {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
