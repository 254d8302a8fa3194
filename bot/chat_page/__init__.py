"""The patient chat page: a small Flask app that serves the page and relays messages to Rasa.

`create_app()` builds it; `python -m bot.chat_page` serves it with waitress.
"""

from bot.chat_page.app import create_app

__all__ = ["create_app"]
