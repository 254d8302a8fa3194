"""Signing in and out: passwords, lockout, idle expiry, session cookies, CSRF on the sign-in form."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.leads.accounts import Accounts
from bot.leads.database import Database
from bot.leads.models import Coordinator, utcnow
from bot.leads.store import LeadStore
from bot.settings import Settings
from bot.web.coordinator import auth, create_app
from bot.web.coordinator.config import ConfigurationError
from tests.web.coordinator.conftest import FAST_HASHER, services
from tests.web.coordinator.seed import PASSWORD, csrf_token, sign_in


def audit_actions(store: LeadStore) -> list[str]:
    return [entry["action"] for entry in reversed(store.audit_entries())]


def test_sign_in_with_the_right_password(app: Flask, alice: str, store: LeadStore) -> None:
    client = app.test_client()
    response = sign_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/leads"
    assert client.get("/leads").status_code == 200
    assert audit_actions(store) == ["sign_in", "view_list"]
    assert services(app).accounts.list()[0].last_login_at is not None


def test_session_cookie_is_httponly_and_samesite(app: Flask, alice: str) -> None:
    response = sign_in(app.test_client())
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("prescreen-coordinator=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over plain HTTP in this test


def test_session_cookie_is_secure_when_served_over_https(
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(dataclasses.replace(settings, coordinator_https="1"), database_url)
    services(app).accounts.add("alice", PASSWORD)
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    response = sign_in(client)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-prescreen-coordinator=") and "Secure" in cookie and "HttpOnly" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    # Forms work over HTTPS although browsers send no Referer (Referrer-Policy: no-referrer).
    token = csrf_token(client, "/leads")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    services(app).store.database.engine.dispose()


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong password, sorry"), ("mallory", PASSWORD)])
def test_wrong_password_or_unknown_user_is_refused_alike(
    app: Flask, alice: str, store: LeadStore, username: str, password: str
) -> None:
    client = app.test_client()
    response = sign_in(client, username, password)
    assert response.status_code == 401
    assert "That username and password do not match an account." in response.get_data(as_text=True)
    assert client.get("/leads").status_code == 302
    assert audit_actions(store) == ["sign_in_failed"]
    assert "mallory" not in str(store.audit_entries())  # a mistyped username may be a password


def test_five_failures_lock_the_account_for_15_minutes(app: Flask, alice: str, store: LeadStore) -> None:
    client = app.test_client()
    for _ in range(4):
        assert sign_in(client, password="not the password").status_code == 401
    locked = sign_in(client, password="not the password")
    assert locked.status_code == 429
    assert "locked until" in locked.get_data(as_text=True)
    # Even the right password is refused while locked.
    assert sign_in(client).status_code == 429
    assert client.get("/leads").status_code == 302
    [account] = services(app).accounts.list()
    assert account.locked()
    assert timedelta(minutes=14) < account.locked_until - utcnow() <= timedelta(minutes=15)
    assert audit_actions(store).count("sign_in_locked") == 2


def test_lockout_is_in_the_database_so_it_survives_a_restart(
    app: Flask, alice: str, settings: Settings, database_url: str
) -> None:
    for _ in range(5):
        sign_in(app.test_client(), password="not the password")
    restarted = create_app(settings, database_url)  # another process, same database
    restarted.config["LOGIN_FAILURE_DELAY"] = 0
    assert sign_in(restarted.test_client()).status_code == 429
    services(restarted).store.database.engine.dispose()


def test_lock_expires(database_url: str) -> None:
    accounts = Accounts(Database(database_url), hasher=FAST_HASHER)
    accounts.add("alice", PASSWORD)
    start = utcnow()
    for _ in range(5):
        result = accounts.authenticate("alice", "not the password", now=start)
    assert result.locked_until == start + timedelta(minutes=15)
    assert not accounts.authenticate("alice", PASSWORD, now=start + timedelta(minutes=14)).ok
    later = accounts.authenticate("alice", PASSWORD, now=start + timedelta(minutes=16))
    assert later.ok and accounts.list()[0].failed_logins == 0
    accounts.database.engine.dispose()


def test_a_success_resets_the_failure_count(database_url: str) -> None:
    accounts = Accounts(Database(database_url), hasher=FAST_HASHER)
    accounts.add("alice", PASSWORD)
    for _ in range(4):
        accounts.authenticate("alice", "not the password")
    assert accounts.authenticate("alice", PASSWORD).ok
    for _ in range(4):
        assert accounts.authenticate("alice", "not the password").locked_until is None
    accounts.database.engine.dispose()


def test_failed_sign_ins_slow_down(app: Flask, alice: str, monkeypatch: pytest.MonkeyPatch) -> None:
    delays: list[float] = []
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        # `auth.time` is the time module: background threads of earlier tests (the actions' spool
        # replayer) sleep through it too. Only the requests' own delays (this thread) are recorded.
        if threading.current_thread() is threading.main_thread():
            delays.append(seconds)
        else:
            real_sleep(seconds)

    monkeypatch.setattr(auth.time, "sleep", sleep)
    app.config["LOGIN_FAILURE_DELAY"] = 0.5
    client = app.test_client()
    for _ in range(4):
        sign_in(client, password="not the password")
    assert delays == [0.5, 1.0, 2.0, 4.0]
    assert auth.failure_delay(10, 0.5) == auth.MAX_FAILURE_DELAY_S


def test_idle_session_expires(client: FlaskClient, app: Flask) -> None:
    assert app.config["IDLE_TIMEOUT"] == timedelta(minutes=30)
    with client.session_transaction() as session:
        session["seen"] -= 29 * 60
    assert client.get("/leads").status_code == 200  # still within 30 minutes; `seen` moves on
    with client.session_transaction() as session:
        session["seen"] -= 31 * 60
    response = client.get("/leads")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after 30 minutes without activity" in page
    assert client.get("/leads").status_code == 302  # the session is gone for good


def test_idle_timeout_is_a_setting(settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(dataclasses.replace(settings, coordinator_idle_minutes="5"), database_url)
    assert app.config["IDLE_TIMEOUT"] == timedelta(minutes=5)
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=5)
    services(app).store.database.engine.dispose()


def test_sign_out_ends_the_session_and_old_cookies(client: FlaskClient, store: LeadStore) -> None:
    stolen = client.get_cookie("prescreen-coordinator").value
    token = csrf_token(client, "/leads")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/leads").status_code == 302
    # A copy of the cookie taken before signing out no longer works either.
    client.set_cookie("prescreen-coordinator", stolen)
    assert client.get("/leads").status_code == 302
    assert "sign_out" in audit_actions(store)


def test_sign_out_needs_a_post_with_csrf_token(client: FlaskClient) -> None:
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/leads").status_code == 200


def test_password_reset_ends_existing_sessions(client: FlaskClient, app: Flask) -> None:
    services(app).accounts.add("alice", "a brand new password", reset=True)
    assert client.get("/leads").status_code == 302


def test_sign_in_form_needs_its_csrf_token(app: Flask, alice: str) -> None:
    client = app.test_client()
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/leads").status_code == 302


def test_after_sign_in_go_where_you_were_going_but_only_on_this_site(app: Flask, alice: str) -> None:
    client = app.test_client()
    first = client.get("/insights/agreement")
    assert first.headers["Location"] == "/login?next=/insights/agreement"
    response = sign_in(client, next="/insights/agreement")
    assert response.headers["Location"] == "/insights/agreement"
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = sign_in(app.test_client(), next=evil)
        assert response.headers["Location"] == "/leads"


def test_default_password_hashes_are_argon2id(settings: Settings, database_url: str) -> None:
    app = create_app(settings, database_url)
    accounts = services(app).accounts
    account = accounts.add("alice", PASSWORD)
    with accounts.database.session() as session:
        stored = session.get(Coordinator, account.id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.hasher.memory_cost >= 65536 and accounts.hasher.time_cost >= 3
    assert accounts.authenticate("alice", PASSWORD).ok
    assert not accounts.authenticate("alice", PASSWORD.upper()).ok
    accounts.database.engine.dispose()


def test_app_refuses_to_start_without_a_secret_key(settings: Settings, database_url: str) -> None:
    with pytest.raises(ConfigurationError, match="COORDINATOR_SECRET_KEY"):
        create_app(dataclasses.replace(settings, coordinator_secret_key=""), database_url)
