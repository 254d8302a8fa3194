"""Flask application factory for the coordinator review app.

Areas (one blueprint each):
  auth      GET/POST /login, POST /logout; every other route needs a signed-in coordinator
  leads     GET /leads (funnel, filters, search, sort: needs action first, pages), GET /leads/<id>
            (evidence, deadline, contact attempts), POST /leads/<id>/status, /leads/<id>/attempts,
            /leads/<id>/callback, /leads/<id>/criteria/<check>/override, /leads/<id>/records,
            /leads/<id>/erase (the patient's data, typed reference code to confirm)
  export    POST /export/leads.csv (the filtered list as CSV)
  other_studies  GET /other-studies (ruled-out patients who agreed to hear about other studies),
            POST /other-studies/export.csv, GET/POST /other-studies/<id>/erase
  insights  GET /insights/agreement (bot vs coordinator, per criterion), GET /insights/metrics (and its
            charts, /insights/metrics/<chart>.svg), GET /insights/audit
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from bot.leads.accounts import Accounts
from bot.leads.crypto import MissingKeyError
from bot.leads.factory import open_lead_store
from bot.leads.models import ReviewStatus
from bot.leads.store import StoreError
from bot.settings import Settings, get_settings
from bot.trial.criteria import load_criteria
from bot.trial.eligibility import Verdict
from bot.web.coordinator import account, auth, export, insights, leads, notifications, other_studies
from bot.web.coordinator.audit_words import audit_detail
from bot.web.coordinator.config import ConfigurationError, coordinator_options
from bot.web.coordinator.core import (
    ACTION_LABELS,
    AUTOMATIC_STATUS_LABELS,
    ERASE_REASON_LABELS,
    EVENT_LABELS,
    PROVISIONAL_LABELS,
    REVIEW_LABELS,
    VERDICT_LABELS,
    Services,
    services,
)
from bot.web.coordinator.criteria_words import criterion_label
from bot.web.coordinator.i18n import format_day, format_moment, init_i18n
from bot.web.coordinator.translatable import _l
from bot.web.metrics import LeadStoreCollector, add_metrics_route

log = logging.getLogger(__name__)

MAX_SESSION_AGE = timedelta(hours=12)  # signed in at most this long, however active
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(settings: Settings | None = None, database_url: str | None = None) -> Flask:
    settings = settings or get_settings()
    if not settings.coordinator_secret_key:
        raise ConfigurationError(
            "COORDINATOR_SECRET_KEY is not set: the coordinator app will not start without it. "
            "Put a long random value in .env, for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` (`make env` does this)."
        )
    options = coordinator_options(settings)
    # Coordinators read contact details: without the data key the app does not start (MissingKeyError says why).
    store = open_lead_store(settings, require_key=True, database_url=database_url)

    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.update(
        SECRET_KEY=settings.coordinator_secret_key,
        SESSION_COOKIE_NAME="__Host-prescreen-coordinator" if options.https else "prescreen-coordinator",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=options.https,
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=options.idle_timeout,
        PREFERRED_URL_SCHEME="https" if options.https else "http",
        IDLE_TIMEOUT=options.idle_timeout,
        MAX_SESSION_AGE=MAX_SESSION_AGE,
        LOGIN_FAILURE_DELAY=0.5,  # seconds; doubles with each consecutive failure (capped)
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the (idle-limited) session
        # Flask-WTF's HTTPS referrer check would refuse every form: with Referrer-Policy no-referrer
        # browsers send no Referer (and Origin: null). The token and SameSite cookies protect instead.
        WTF_CSRF_SSL_STRICT=False,
        MAX_CONTENT_LENGTH=256 * 1024,
    )
    app.extensions["coordinator"] = Services(
        settings=settings,
        options=options,
        store=store,
        accounts=Accounts(store.database, default_language=options.default_language),
        criteria=load_criteria(),
    )

    # The sign-in check is registered before CSRF protection, so anonymous requests are sent to
    # the sign-in page before anything else happens.
    app.register_blueprint(auth.bp)
    app.register_blueprint(leads.bp)
    app.register_blueprint(export.bp)
    app.register_blueprint(insights.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(other_studies.bp)
    app.register_blueprint(account.bp)
    CSRFProtect(app)
    init_i18n(app)

    _register_template_helpers(app)
    _register_error_pages(app)
    add_metrics_route(app, settings, [LeadStoreCollector(store.database, settings.contact_deadline_hours)])

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        # A response with a policy of its own (the metrics charts, SVG images) keeps it.
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        if options.https:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.endpoint != "static":
            # Pages and exports carry personal data: never keep them in a cache.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response

    return app


def _register_template_helpers(app: Flask) -> None:
    @app.template_filter("when")
    def when(moment: datetime | None, seconds: bool = False) -> str:
        return format_moment(moment, seconds)

    @app.template_filter("day")
    def day(moment: datetime | None) -> str:
        return format_day(moment)

    @app.template_filter("phone")
    def phone(number: str | None) -> str:
        """Mainland mobiles in groups, as people read them out: +86 138 1234 5678."""
        if not number:
            return ""
        match = re.fullmatch(r"(\+86)?(1\d{2})(\d{4})(\d{4})", number)
        if not match:
            return number
        return " ".join(part for part in match.groups() if part)

    @app.template_filter("percent")
    def percent(rate: float | None) -> str:
        return "—" if rate is None else f"{rate * 100:.0f}%"

    app.jinja_env.globals.update(
        PROVISIONAL_LABELS=PROVISIONAL_LABELS,
        REVIEW_LABELS=REVIEW_LABELS,
        VERDICT_LABELS=VERDICT_LABELS,
        ACTION_LABELS=ACTION_LABELS,
        AUTOMATIC_STATUS_LABELS=AUTOMATIC_STATUS_LABELS,
        ERASE_REASON_LABELS=ERASE_REASON_LABELS,
        EVENT_LABELS=EVENT_LABELS,
        ReviewStatus=ReviewStatus,
        Verdict=Verdict,
        criterion_label=criterion_label,  # a criterion's title in the app's language
        audit_detail=audit_detail,  # an audit entry's detail in the app's language
    )

    @app.context_processor
    def app_context() -> dict[str, Any]:
        return {"timezone_name": services().options.timezone_name, "trial": services().criteria.trial}


ERROR_TITLES = {404: _l("Not found"), 405: _l("Not allowed"), 413: _l("Too large")}
ERROR_MESSAGES = {
    404: _l("There is nothing here. The lead may have been erased (the audit trail says when and why)."),
    405: _l("This address does not accept that kind of request."),
}


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        message = _("This form has expired or did not come from this app. Go back, reload the page and try again.")
        return render_template("errors/error.html", code=400, title=_("Form expired"), message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        title = ERROR_TITLES.get(error.code, error.name)
        message = ERROR_MESSAGES.get(error.code, error.description or "")
        return render_template("errors/error.html", code=error.code, title=title, message=message), error.code

    # Every store method raises StoreError when the database fails; SQLAlchemyError is the safety net
    # for anything that reaches the database another way. Either way: a 503 page, never a bare 500.
    @app.errorhandler(StoreError)
    @app.errorhandler(MissingKeyError)
    @app.errorhandler(SQLAlchemyError)
    def store_unavailable(error: Exception) -> tuple[str, int]:
        log.error("coordinator app: lead store unavailable: %s", error if not isinstance(error, SQLAlchemyError)
                  else type(error).__name__)  # a raw database error may quote row values: only its type
        message = _("The lead database cannot be read right now (database down, or the data key is wrong). "
                    "Nothing was changed. Try again in a minute, or tell the study's IT contact.")
        return render_template("errors/error.html", code=503, title=_("Leads unavailable"), message=message), 503

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> tuple[str, int]:
        log.exception("coordinator app error: %s", type(error).__name__)
        message = _("Something went wrong on our side; nothing was changed. Try again, or tell the study's IT contact.")
        return render_template("errors/error.html", code=500, title=_("Something went wrong"), message=message), 500
