"""The WeChat platform's API: the access token shared by every worker, customer-service messages,
the account menu.

The access token lives about two hours, and asking for a new one invalidates the old one after a
few minutes, so every gateway worker and instance uses the one stored in the database: it is
refreshed five minutes before it expires, or when the platform calls it invalid, by one worker at
a time (a compare-and-set on its row, bot/leads/wechat.py); the others wait for the new one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests

from bot.leads.wechat import WechatStore, now

log = logging.getLogger(__name__)

TIMEOUT = (3.0, 10.0)
REFRESH_AHEAD = timedelta(minutes=5)
REFRESH_HOLD_S = 15.0  # a refresher that died lets go after this
WAIT_FOR_REFRESH_S = 20.0

# The platform's error codes, by what the gateway does about them.
TOKEN_INVALID = frozenset({40001, 40014, 42001})  # invalid, not the latest, expired: refresh and try again
RATE_LIMITED = frozenset({45009, 45011, 45033, -1})  # daily API quota, too fast, system busy: later
WINDOW_CLOSED = frozenset({45015})  # the 48 hours since the patient last wrote are over
UNSUBSCRIBED = frozenset({43004, 43019, 40003})  # unfollowed, blocked the account, no such OpenID
QUOTA = frozenset({45047})  # more messages than the platform allows for one patient message
KINDS = {**{c: "token" for c in TOKEN_INVALID}, **{c: "rate_limit" for c in RATE_LIMITED},
         **{c: "window_closed" for c in WINDOW_CLOSED}, **{c: "unsubscribed" for c in UNSUBSCRIBED},
         **{c: "quota" for c in QUOTA}}


class WechatError(RuntimeError):
    """The platform answered with an error code (or not at all: code None)."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"WeChat error {code}: {message}" if code is not None else message)
        self.code = code

    @property
    def kind(self) -> str:
        if self.code is None:
            return "unreachable"
        return KINDS.get(self.code, "refused")


@dataclass(frozen=True)
class ApiConfig:
    base: str
    app_id: str
    app_secret: str


class WechatApi:
    def __init__(self, config: ApiConfig, store: WechatStore, http: requests.Session | None = None) -> None:
        self.config = config
        self.store = store
        self.http = http or requests.Session()
        self._cached: tuple[str, datetime] | None = None

    # ----------------------------------------------------------------- the access token

    def access_token(self, invalid: str | None = None) -> str:
        """A valid token: the stored one, or a new one when it is missing, expiring, or `invalid`.

        The process keeps the token it last read until it nears its expiry or is called invalid
        (the database stays the one source: a refresh elsewhere shows up as 40001 here, then re-read)."""
        cached = self._cached
        if cached and cached[0] != invalid and cached[1] - now() > REFRESH_AHEAD:
            return cached[0]
        deadline = time.monotonic() + WAIT_FOR_REFRESH_S
        while True:
            token, expires_at, generation = self.store.token(self.config.app_id)
            if token and expires_at and expires_at - now() > REFRESH_AHEAD and token != invalid:
                self._cached = (token, expires_at)
                return str(token)
            if self.store.begin_refresh(self.config.app_id, generation, REFRESH_HOLD_S):
                token = self._refresh()
                self._cached = None  # read back from the database, with its expiry, next time
                return token
            if time.monotonic() > deadline:
                raise WechatError(None, "no access token: another worker's refresh did not finish")
            time.sleep(0.1)  # another worker is refreshing: wait for its token

    def _refresh(self) -> str:
        try:
            body = self._call("GET", "/cgi-bin/token", params={
                "grant_type": "client_credential", "appid": self.config.app_id, "secret": self.config.app_secret})
            token, expires_in = str(body["access_token"]), int(body.get("expires_in", 7200))
        except (WechatError, KeyError, ValueError) as error:
            self.store.end_refresh_failed(self.config.app_id)
            code = error.code if isinstance(error, WechatError) else ""
            self.store.record_problem("token_refresh", code or "")
            log.error("wechat: the access token could not be refreshed (%s)", code or type(error).__name__)
            raise error if isinstance(error, WechatError) else WechatError(None, "bad token answer") from error
        self.store.store_token(self.config.app_id, token, expires_in)
        log.info("wechat: access token refreshed (valid %d s)", expires_in)
        return token

    # ----------------------------------------------------------------- calls

    def _call(self, method: str, path: str, params: dict[str, str] | None = None,
              json: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self.http.request(method, self.config.base.rstrip("/") + path, params=params,
                                         data=None if json is None else _json_bytes(json),
                                         headers={"Content-Type": "application/json; charset=utf-8"},
                                         timeout=TIMEOUT)
        except requests.RequestException as error:
            raise WechatError(None, f"the platform cannot be reached ({type(error).__name__})") from error
        if response.status_code >= 400:
            raise WechatError(None, f"the platform answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise WechatError(None, "the platform's answer is not JSON") from error
        if not isinstance(body, dict):
            raise WechatError(None, "the platform's answer is not a JSON object")
        code = int(body.get("errcode") or 0)
        if code:
            raise WechatError(code, str(body.get("errmsg", ""))[:200])
        return body

    def call_with_token(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST with the access token; a token the platform calls invalid is refreshed once and the call repeated."""
        token = self.access_token()
        try:
            return self._call("POST", path, params={"access_token": token}, json=payload)
        except WechatError as error:
            if error.code not in TOKEN_INVALID:
                raise
            self.store.record_problem("token", error.code)
            log.warning("wechat: the platform called the access token invalid (%s); refreshing", error.code)
            token = self.access_token(invalid=token)
            return self._call("POST", path, params={"access_token": token}, json=payload)

    def send(self, openid: str, message: dict[str, Any]) -> None:
        """One customer-service message (text or msgmenu) to a patient."""
        body = {key: value for key, value in message.items() if key != "fallback"}
        self.call_with_token("/cgi-bin/message/custom/send", {"touser": openid, **body})

    def create_menu(self, menu: dict[str, Any]) -> None:
        self.call_with_token("/cgi-bin/menu/create", menu)


def _json_bytes(payload: dict[str, Any]) -> bytes:
    """JSON as WeChat wants it: UTF-8 characters, not \\u escapes (it counts lengths in bytes)."""
    import json

    return json.dumps(payload, ensure_ascii=False).encode("utf-8")
