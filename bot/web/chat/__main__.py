"""Serve the patient chat page: `python -m bot.web.chat` (waitress, settings.chat_host:chat_port)."""

from __future__ import annotations

from bot.monitoring.logs import announce
from bot.settings import get_settings
from bot.web.chat.app import create_app
from bot.web.serving import configure_logging, serve, shown_host


def main() -> int:
    configure_logging("chat")
    settings = get_settings()
    app = create_app(settings)
    host = shown_host(settings.chat_host)
    announce(f"Prescreen chat page: http://{host}:{settings.chat_port}/")
    announce(f"Embed snippet script: http://{host}:{settings.chat_port}/embed.js")
    announce(f"Relaying to Rasa at {settings.rasa_url}")
    serve(app, host=settings.chat_host, port=settings.chat_port, ident="prescreen-chat")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
