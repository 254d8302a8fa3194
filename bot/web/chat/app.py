"""Flask application factory for the patient chat page: a blueprint per area, like the coordinator app.

  pages  GET /           the chat page (phone-first, accessible, no third-party assets)
         GET /embed.js   one-tag embed: a launcher button and a panel holding an iframe of the page
         GET /privacy    the privacy notice
         GET /healthz    {"ok": true, "rasa": bool}
  api    POST /api/messages?lang=xx  {"sender_id", "text"} -> Rasa REST channel
                     -> {"messages": [{"text", "buttons"?, "lang"}...], "lang": the conversation's language}

The limits on a message (bot/settings.py) are the ones Rasa's own port enforces (bot/rasa_ext/server.py).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Response, request

from bot.settings import MAX_MESSAGE_CHARS, MAX_REQUEST_BYTES, Settings, get_settings
from bot.web.chat import api, pages
from bot.web.chat.core import ChatServices, json_error
from bot.web.metrics import add_metrics_route


def _origin_ok(origin: str) -> bool:
    """Only plain http(s) origins (or `*`) go into the frame-ancestors header."""
    if origin == "*":
        return True
    parts = urlsplit(origin)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not parts.path.strip("/")
        and not parts.query
        and re.fullmatch(r"[A-Za-z0-9.\-:\[\]*]+", parts.netloc) is not None
    )


def frame_ancestors(settings: Settings) -> str:
    origins = [o.rstrip("/") for o in settings.cors_origins if _origin_ok(o.rstrip("/"))]
    return " ".join(["'self'", *origins])


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["prescreen_settings"] = settings
    app.extensions["prescreen_chat"] = ChatServices.of(settings)
    ancestors = frame_ancestors(settings)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    add_metrics_route(app, settings)
    if settings.wechat_enabled:  # the WeChat gateway on the same public server (docs/architecture.md)
        from bot.web.wechat.app import install

        install(app, settings)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
            f"form-action 'self'; frame-ancestors {ancestors}"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.path.startswith("/api/") or request.path in ("/", "/healthz"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(413)
    def too_large(_error: Exception) -> Response:
        return json_error(
            413, "message_too_long", f"The message is too long; the limit is {MAX_MESSAGE_CHARS} characters."
        )

    @app.errorhandler(404)
    def not_found(_error: Exception) -> Response:
        if request.path.startswith("/api/"):
            return json_error(404, "not_found", "No such endpoint.")
        return Response("Not found", status=404, mimetype="text/plain")

    @app.errorhandler(405)
    def not_allowed(_error: Exception) -> Response:
        return json_error(405, "method_not_allowed", "Method not allowed.")

    return app
