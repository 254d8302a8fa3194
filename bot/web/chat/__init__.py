"""The patient chat page: a small Flask app that serves the page and relays messages to Rasa.

`create_app()` builds it; `python -m bot.web.chat` serves it with waitress.
"""

from bot.web.chat.app import create_app

__all__ = ["create_app"]
