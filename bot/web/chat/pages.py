"""The pages: GET / (the chat page), GET /privacy, GET /embed.js (the one-tag embed) and GET /healthz."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests
from flask import Blueprint, Response, current_app, jsonify, render_template, request

from bot.languages import DEFAULT_LANGUAGE, FACTS, LANGUAGES, SCRIPTS
from bot.settings import MAX_MESSAGE_CHARS
from bot.web.chat.core import services
from bot.web.chat.strings import all_strings, pick_lang, strings_for

bp = Blueprint("pages", __name__)

COLOR_RE = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
HEALTH_TIMEOUT = (1.0, 2.0)


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


def page_scripts() -> dict[str, dict[str, str]]:
    """Each language's script, for the page to tag what the patient types: {"han": {"lang": "zh", "chars": ...}}."""
    return {FACTS[language].script: {"lang": language, "chars": SCRIPTS[FACTS[language].script]}
            for language in LANGUAGES}


def page_context() -> dict[str, Any]:
    settings = services().settings
    lang = pick_lang(request.args.get("lang"))
    words = strings_for(lang)
    return {
        "s": words,
        "all_strings": all_strings(),  # the page's words follow the conversation when it switches language
        "lang": lang,
        "default_lang": DEFAULT_LANGUAGE,  # the script's fallback: bot/languages.py, not a copy in the JS
        "scripts": page_scripts(),  # which language typed words are in, by their letters: bot/languages.py too
        "settings": settings,
        "title": settings.chat_title or words["title"],  # a site's own title, else the page's in its language
        "max_chars": MAX_MESSAGE_CHARS,
        "embedded": request.args.get("embed") == "1",
        "accent": _normalise_color(request.args.get("color")),
        "retention": words["retention"].format(days=settings.retention_days),  # the purge job enforces it
        "tel": re.sub(r"[^0-9+]", "", settings.study_contact_phone),
        "emergency_tel": re.sub(r"[^0-9+]", "", settings.emergency_phone),
    }


@bp.get("/")
def index() -> str:
    ctx = page_context()
    href = services().settings.privacy_url or "/privacy"
    if href == "/privacy" and ctx["lang"] != DEFAULT_LANGUAGE:
        href += f"?lang={ctx['lang']}"
    ctx["privacy_href"] = href
    return render_template("index.html", **ctx)


@bp.get("/privacy")
def privacy() -> str:
    return render_template("privacy.html", **page_context())


def embed_languages() -> dict[str, dict[str, str]]:
    """What the embed script shows of each language: its tag and the close button's words."""
    return {language: {key: words[key] for key in ("html_lang", "close_chat")}
            for language, words in all_strings().items()}


@lru_cache(maxsize=1)
def _embed_source() -> str:
    """embed.js with the chat's languages put in (bot/languages.py and the texts), read once."""
    source = (Path(current_app.static_folder or "") / "embed.js").read_text(encoding="utf-8")
    return source.replace('{"__LANGUAGES__": 1}', json.dumps(embed_languages())).replace(
        "'__DEFAULT_LANGUAGE__'", json.dumps(DEFAULT_LANGUAGE))


@bp.get("/embed.js")
def embed_js() -> Response:
    response = Response(_embed_source(), content_type="text/javascript; charset=utf-8")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    response.add_etag()
    response.make_conditional(request)
    # Loaded by <script src> from the hospital's site.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    try:
        reply = services().http.get(services().settings.rasa_url + "/", timeout=HEALTH_TIMEOUT)
        rasa_ok = reply.status_code < 500
    except requests.RequestException:
        rasa_ok = False
    return jsonify({"ok": True, "rasa": rasa_ok})
