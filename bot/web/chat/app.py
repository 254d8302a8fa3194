"""Flask application factory for the patient chat page.

Routes:
  GET  /           the chat page (phone-first, accessible, no third-party assets)
  GET  /embed.js   one-tag embed: a launcher button and a panel holding an iframe of the page
  GET  /privacy    the privacy notice
  GET  /healthz    {"ok": true, "rasa": bool}
  POST /api/messages?lang=xx  {"sender_id", "text"} -> Rasa REST channel
                     -> {"messages": [{"text", "buttons"?, "lang"}...], "lang": the conversation's language}
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask, Response, jsonify, render_template, request, send_from_directory

from bot.monitoring.metrics import CHAT_RELAYS
from bot.reading.language import DEFAULT_LANGUAGE, pick_language
from bot.settings import Settings, get_settings
from bot.web.chat.ratelimit import SlidingWindowLimiter
from bot.web.chat.reply_language import tag_languages
from bot.web.chat.strings import all_strings, pick_lang, strings_for
from bot.web.metrics import add_metrics_route

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2000
SENDER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
COLOR_RE = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
RASA_TIMEOUT = (3.0, 30.0)  # (connect, read) seconds
HEALTH_TIMEOUT = (1.0, 2.0)
# Messages Rasa may legitimately answer with nothing (e.g. `action_restart` without an
# `utter_restart` response); for everything else an empty reply means something went wrong.
SILENT_OK = frozenset({"/restart", "/session_start"})


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


def _normalise_color(raw: str | None) -> str:
    if not raw:
        return ""
    match = COLOR_RE.match(raw.strip())
    if not match:
        return ""
    value = match.group(1)
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return "#" + value.lower()


def _clean_messages(raw: Any) -> list[dict[str, Any]]:
    """Keep only what the page renders: text and buttons (title, payload)."""
    cleaned: list[dict[str, Any]] = []
    if not isinstance(raw, list):
        return cleaned
    for item in raw:
        if not isinstance(item, dict):
            continue
        message: dict[str, Any] = {}
        text = item.get("text")
        if isinstance(text, str) and text.strip():
            message["text"] = text
        buttons = []
        for button in item.get("buttons") or []:
            if not isinstance(button, dict):
                continue
            title, payload = button.get("title"), button.get("payload")
            if isinstance(title, str) and title.strip():
                buttons.append({"title": title, "payload": payload if isinstance(payload, str) else title})
        if buttons:
            message["buttons"] = buttons
        if message:
            cleaned.append(message)
    return cleaned


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["prescreen_settings"] = settings
    http = requests.Session()
    per_conversation = SlidingWindowLimiter(settings.chat_rate_per_conversation)
    per_address = SlidingWindowLimiter(settings.chat_rate_per_address)
    ancestors = frame_ancestors(settings)

    def unavailable_body(lang: str = "en") -> dict[str, str]:
        text = strings_for(lang)["unavailable"].format(phone=settings.study_contact_phone)
        return {"error": "assistant_unavailable", "message": text, "phone": settings.study_contact_phone}

    def json_error(status: int, error: str, message: str) -> Response:
        response = jsonify({"error": error, "message": message})
        response.status_code = status
        return response

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

    def page_context() -> dict[str, Any]:
        lang = pick_lang(request.args.get("lang"))
        words = strings_for(lang)
        return {
            "s": words,
            "all_strings": all_strings(),  # the page's words follow the conversation when it switches language
            "lang": lang,
            "settings": settings,
            "title": settings.chat_title or words["title"],  # a site's own title, else the page's in its language
            "max_chars": MAX_TEXT_CHARS,
            "embedded": request.args.get("embed") == "1",
            "accent": _normalise_color(request.args.get("color")),
            "retention": words["retention"].format(days=settings.retention_days),  # the purge job enforces it
            "tel": re.sub(r"[^0-9+]", "", settings.study_contact_phone),
            "emergency_tel": re.sub(r"[^0-9+]", "", settings.emergency_phone),
        }

    @app.get("/")
    def index() -> str:
        ctx = page_context()
        href = settings.privacy_url or "/privacy"
        if href == "/privacy" and ctx["lang"] != "en":
            href += f"?lang={ctx['lang']}"
        ctx["privacy_href"] = href
        return render_template("index.html", **ctx)

    @app.get("/privacy")
    def privacy() -> str:
        return render_template("privacy.html", **page_context())

    @app.get("/embed.js")
    def embed_js() -> Response:
        response = send_from_directory(app.static_folder, "embed.js", max_age=300)  # type: ignore[arg-type]
        response.headers["Content-Type"] = "text/javascript; charset=utf-8"
        # Loaded by <script src> from the hospital's site.
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response

    add_metrics_route(app, settings)

    @app.get("/healthz")
    def healthz() -> Response:
        try:
            reply = http.get(settings.rasa_url + "/", timeout=HEALTH_TIMEOUT)
            rasa_ok = reply.status_code < 500
        except requests.RequestException:
            rasa_ok = False
        return jsonify({"ok": True, "rasa": rasa_ok})

    @app.post("/api/messages")
    def messages() -> Response:
        # The conversation's language as the page knows it: the page's choice at first, then the assistant's.
        lang = pick_language(request.args.get("lang")) or DEFAULT_LANGUAGE
        if not request.is_json:
            return json_error(400, "bad_request", "Send JSON with sender_id and text.")
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return json_error(400, "bad_request", "Send a JSON object with sender_id and text.")
        sender_id, text = data.get("sender_id"), data.get("text")
        if not isinstance(sender_id, str) or not SENDER_ID_RE.match(sender_id):
            return json_error(
                400, "bad_sender_id", "sender_id must be 8 to 64 letters, digits, '-' or '_'."
            )
        if not isinstance(text, str):
            return json_error(400, "bad_text", "text must be a string.")
        text = text.strip()
        if not text:
            return json_error(400, "empty_text", "The message is empty.")
        if len(text) > MAX_TEXT_CHARS:
            return json_error(
                413,
                "message_too_long",
                f"The message is too long: {len(text)} characters; the limit is {MAX_TEXT_CHARS}.",
            )
        address = request.remote_addr or "unknown"
        for limiter, key in ((per_conversation, sender_id), (per_address, address)):
            if not limiter.allow(key):
                log.warning("rate limit hit (%s)", "conversation" if limiter is per_conversation else "address")
                response = json_error(429, "too_many_messages",
                                      "Too many messages in a short time. Please wait a moment and try again.")
                response.headers["Retry-After"] = str(limiter.retry_after(key))
                return response
        try:
            reply = http.post(
                settings.rasa_url + "/webhooks/rest/webhook",
                json={"sender": sender_id, "message": text, "metadata": {"lang": lang}},  # the page's language
                timeout=RASA_TIMEOUT,
            )
        except requests.RequestException as error:
            log.warning("Rasa unreachable: %s", error.__class__.__name__)
            CHAT_RELAYS.labels("rasa_unreachable").inc()
            response = jsonify(unavailable_body(lang))
            response.status_code = 503
            return response
        if reply.status_code >= 400:
            log.warning("Rasa answered HTTP %s", reply.status_code)
            CHAT_RELAYS.labels("rasa_error").inc()
            response = jsonify(unavailable_body(lang))
            response.status_code = 503
            return response
        try:
            payload = reply.json()
        except ValueError:
            payload = None
        cleaned = _clean_messages(payload)
        if not cleaned and text not in SILENT_OK:
            log.warning("Rasa sent no reply to a message")
            CHAT_RELAYS.labels("no_reply").inc()
            response = jsonify(unavailable_body(lang))
            response.status_code = 503
            return response
        tagged, conversation = tag_languages(cleaned, lang)
        CHAT_RELAYS.labels("answered").inc()
        return jsonify({"messages": tagged, "lang": conversation})

    @app.errorhandler(413)
    def too_large(_error: Exception) -> Response:
        return json_error(
            413, "message_too_long", f"The message is too long; the limit is {MAX_TEXT_CHARS} characters."
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
