"""The coordinator review app: sign in, review leads, decide, learn, export.

`create_app()` builds the Flask app; `python -m bot.web.coordinator` serves it with waitress.
Flask is imported only when the app is built, so `prescreen coordinator ...` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from bot.settings import Settings


def create_app(settings: Settings | None = None, database_url: str | None = None) -> Flask:
    """The coordinator app for `settings` (default: the environment), on `database_url`
    (default: settings.database_url)."""
    from bot.web.coordinator.app import create_app as build

    return build(settings, database_url)


__all__ = ["create_app"]
