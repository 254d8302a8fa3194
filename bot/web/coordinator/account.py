"""The signed-in coordinator's own account page: the language the app speaks to them."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from bot.languages import LANGUAGES
from bot.web.coordinator.core import audit, services
from bot.web.coordinator.i18n import LANGUAGE_NAMES

bp = Blueprint("account", __name__)


@bp.get("/account")
def index() -> str:
    # The site's language for new accounts first (Chinese in Shanghai), then the others.
    codes = sorted(LANGUAGES, key=lambda code: code != services().options.default_language)
    return render_template("account/index.html", languages=[(code, LANGUAGE_NAMES[code]) for code in codes])


@bp.post("/account/language")
def set_language() -> Response:
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        flash(_("Choose a language."), "error")
        return redirect(url_for("account.index"))
    services().accounts.set_language(g.coordinator.id, language)
    audit("set_language", detail=language)
    with force_locale(language):  # said in the language just chosen, as the next page is
        flash(_("The app now speaks %(language)s to you.", language=LANGUAGE_NAMES[language]), "success")
    return redirect(url_for("account.index"))
