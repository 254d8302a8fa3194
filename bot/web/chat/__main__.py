"""Serve the patient chat page: `python -m bot.web.chat` (waitress, settings.chat_host:chat_port)."""

from __future__ import annotations

import logging
import sys

from bot.settings import get_settings
from bot.web.chat.app import create_app


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    try:
        from waitress import serve
    except ImportError:  # pragma: no cover - waitress is in requirements
        print("waitress is not installed: pip install waitress", file=sys.stderr)
        return 1
    app = create_app(settings)
    shown_host = "localhost" if settings.chat_host in ("0.0.0.0", "127.0.0.1", "") else settings.chat_host
    print(f"Prescreen chat page: http://{shown_host}:{settings.chat_port}/", flush=True)
    print(f"Embed snippet script: http://{shown_host}:{settings.chat_port}/embed.js", flush=True)
    print(f"Relaying to Rasa at {settings.rasa_url}", flush=True)
    serve(app, host=settings.chat_host, port=settings.chat_port, threads=8, ident="prescreen-chat")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
