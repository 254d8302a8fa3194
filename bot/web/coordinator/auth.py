"""Signing in and out, and the check that every other page needs a signed-in coordinator.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) holding the
coordinator's id, the account's session epoch, when they signed in and when they were last
seen. A request is refused (sent to the sign-in page) when:
  * nobody is signed in;
  * the coordinator was idle longer than IDLE_TIMEOUT, or signed in longer than MAX_SESSION_AGE;
  * the account is gone, or its session epoch moved on (signed out, or password reset).
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from bot.web.coordinator.accounts import MAX_PASSWORD_CHARS
from bot.web.coordinator.core import audit, local_time, services

bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "metrics"})  # metrics: internal clients only
MAX_FAILURE_DELAY_S = 4.0


def failure_delay(failures: int, base: float) -> float:
    """Seconds to wait before answering a failed sign-in: 1×, 2×, 4×... base, capped."""
    if failures < 1 or base <= 0:
        return 0.0
    return min(base * 2 ** (failures - 1), MAX_FAILURE_DELAY_S)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (never another host) is followed after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _refuse(message: str | None = None) -> Response:
    if "coordinator_id" in session:
        # An ended session: drop everything in it. An anonymous one is left alone, so a stray
        # request (a favicon, a second tab) does not invalidate the sign-in form's CSRF token.
        session.clear()
    if message:
        flash(message, "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target) if target and target != "/" else url_for("auth.login"))


@bp.before_app_request
def require_sign_in() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    coordinator_id = session.get("coordinator_id")
    if not isinstance(coordinator_id, int):
        return _refuse()
    now = time.time()
    idle = current_app.config["IDLE_TIMEOUT"].total_seconds()
    if now - float(session.get("seen", 0)) > idle:
        minutes = round(idle / 60)
        return _refuse(_("You were signed out after %(minutes)d minutes without activity. Please sign in again.",
                         minutes=minutes))
    if now - float(session.get("since", 0)) > current_app.config["MAX_SESSION_AGE"].total_seconds():
        return _refuse(_("Your session has ended. Please sign in again."))
    coordinator = services().accounts.get(coordinator_id)
    if coordinator is None or coordinator.session_epoch != session.get("epoch"):
        return _refuse(_("You have been signed out. Please sign in again."))
    session["seen"] = int(now)
    g.coordinator = coordinator
    return None


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/login.html", next=target, username="")

    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password or len(username) > 64 or len(password) > MAX_PASSWORD_CHARS:
        return render_template("auth/login.html", next=target, username=username[:64],
                               error=_("Enter your username and password.")), 400

    accounts = services().accounts
    result = accounts.authenticate(username, password)
    address = request.remote_addr or "unknown address"
    if result.ok and result.coordinator:
        session.clear()  # a fresh session: nothing from before signing in carries over
        session.permanent = True
        now = int(time.time())
        session.update(
            coordinator_id=result.coordinator.id,
            epoch=result.coordinator.session_epoch,
            since=now,
            seen=now,
        )
        g.coordinator = result.coordinator
        audit("sign_in", detail=f"from {address}")
        return redirect(target or url_for("leads.index"))

    g.coordinator = result.coordinator  # the audit entry names the account, if there is one
    if result.locked_until is not None:
        audit("sign_in_locked", detail=f"from {address}")
        until = local_time(result.locked_until)
        zone = services().options.timezone_name
        error = _(
            "Too many failed sign-ins: this account is locked until %(time)s (%(zone)s). "
            "Try again then, or ask an administrator to reset your password.",
            time=f"{until:%H:%M}", zone=zone,
        )
        return render_template("auth/login.html", next=target, username=username, error=error), 429

    audit("sign_in_failed", detail=f"from {address}" + ("" if result.coordinator else ", unknown username"))
    time.sleep(failure_delay(max(result.failures, 1), current_app.config["LOGIN_FAILURE_DELAY"]))
    return render_template("auth/login.html", next=target, username=username,
                           error=_("That username and password do not match an account.")), 401


@bp.post("/logout")
def logout() -> Response:
    coordinator = g.coordinator
    services().accounts.end_sessions(coordinator.id)
    audit("sign_out")
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
