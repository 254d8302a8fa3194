"""What can go wrong in the lead store, as the callers (actions, CLI, coordinator app) catch it."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The lead store could not be read or written (database down, locked, misconfigured).

    The message says what failed, e.g. "searching leads failed: the lead database is unavailable".
    """


class LeadNotFound(LookupError):
    """No lead (or no screening) under the id, reference code or conversation id given."""
