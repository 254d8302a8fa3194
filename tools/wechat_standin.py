"""A local stand-in for the WeChat platform, for the tests and for trying the channel by hand.

It plays both sides of the platform the gateway meets:
- it pushes patients' messages to the gateway's webhook as WeChat does: XML, signed, encrypted in
  safe mode, with MsgIds, retried on request (same MsgId), late, or with a bad signature;
- it serves the API the gateway calls: /cgi-bin/token (and stable_token), the customer-service
  message API (text and msgmenu), /cgi-bin/menu/create; it records what was sent, and can delay,
  expire the token, and refuse with the platform's real error codes (40001, 42001, 45009, 45015,
  45047, 43004 …), and enforces the per-message quota and the 48-hour window as the platform does.

By hand, against `make run` (with the WECHAT_* settings in .env and WECHAT_API_BASE pointing here):

    python tools/wechat_standin.py --port 9400 --gateway http://127.0.0.1:8080/webhooks/wechat/webhook
    > 你好                     (each line is pushed as a text message; the replies are printed)
    > :voice 我今年六十八岁     (a voice message with that Recognition; ":voice" alone: none)
    > :tap 2                   (tap the 2nd item of the last menu)
    > :menu PRESCREEN_DELETE   (the account menu's button)   :image   :follow   :quit

Its control interface is HTTP too (for other tools and for conversations driven from outside):
  POST /standin/say      {"openid", "text"?, "kind"?: text|voice|tap|menu|image|follow, …} -> {"replies": [...]}
  GET  /standin/sent?openid=…                 every message the gateway sent to that patient
  POST /standin/refuse   {"code", "count", "api"}  the next `count` calls of that API (send, token,
                                              menu) answer with that errcode
  POST /standin/expire_token                  the current token becomes expired (42001 on use)
  POST /standin/delay    {"seconds"}          every API answer waits that long
"""

from __future__ import annotations

import argparse
import itertools
import logging
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.web.wechat.protocol import aes_key, build_xml, encrypt, signature  # noqa: E402

TOKEN_LIFETIME_S = 7200
WINDOW_S = 48 * 3600


@dataclass
class Sent:
    openid: str
    message: dict[str, Any]
    at: float


@dataclass
class Platform:
    """The platform's state: tokens, what was sent, what it will refuse."""

    app_id: str
    app_secret: str
    token: str
    aes: str = ""
    quota: int = 5
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expires (monotonic)
    current: str = ""
    token_requests: int = 0
    sent: list[Sent] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)
    refusals: dict[str, list[int]] = field(default_factory=dict)  # errcodes for the next calls, per API
    delay_s: float = 0.0
    since_push: dict[str, int] = field(default_factory=dict)  # messages sent per patient since their last push
    last_push: dict[str, float] = field(default_factory=dict)
    unfollowed: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(default_factory=threading.Condition)


def create_app(platform: Platform) -> Flask:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = Flask("wechat_standin")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    def answer(errcode: int = 0, **extra: Any) -> Response:
        return jsonify({"errcode": errcode, "errmsg": "ok" if not errcode else f"stand-in error {errcode}", **extra})

    def refusal(api: str) -> int | None:
        if platform.delay_s:
            time.sleep(platform.delay_s)
        with platform.lock:
            waiting = platform.refusals.get(api)
            return waiting.pop(0) if waiting else None

    def new_token() -> Response:
        if refusal_code := refusal("token"):
            return answer(refusal_code)
        appid = request.args.get("appid") or (request.get_json(silent=True) or {}).get("appid")
        secret = request.args.get("secret") or (request.get_json(silent=True) or {}).get("secret")
        if appid != platform.app_id or secret != platform.app_secret:
            return answer(40125 if appid == platform.app_id else 40013)
        with platform.lock:
            token = secrets.token_urlsafe(24)
            if platform.current:  # the old token works on for a while, as on the platform (5 minutes)
                platform.tokens[platform.current] = min(platform.tokens[platform.current], time.monotonic() + 300)
            platform.tokens[token] = time.monotonic() + TOKEN_LIFETIME_S
            platform.current = token
            platform.token_requests += 1
        return answer(access_token=token, expires_in=TOKEN_LIFETIME_S)

    app.get("/cgi-bin/token")(new_token)
    app.post("/cgi-bin/stable_token")(new_token)

    def token_error() -> int | None:
        token = request.args.get("access_token", "")
        with platform.lock:
            expires = platform.tokens.get(token)
        if expires is None:
            return 40001
        if expires < time.monotonic():
            return 42001
        return None

    @app.post("/cgi-bin/message/custom/send")
    def custom_send() -> Response:
        if code := refusal("send") or token_error():
            return answer(code)
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict) or not body.get("touser") or body.get("msgtype") not in ("text", "msgmenu"):
            return answer(40008)
        openid = str(body["touser"])
        with platform.lock:
            if openid in platform.unfollowed:
                return answer(43004)
            if time.time() - platform.last_push.get(openid, 0) > WINDOW_S:
                return answer(45015)
            if platform.since_push.get(openid, 0) >= platform.quota:
                return answer(45047)
            if body["msgtype"] == "text" and len(body["text"]["content"].encode()) > 2048:
                return answer(45002)
            platform.since_push[openid] = platform.since_push.get(openid, 0) + 1
            platform.sent.append(Sent(openid, {k: v for k, v in body.items() if k != "touser"}, time.time()))
        with platform.arrived:
            platform.arrived.notify_all()
        return answer()

    @app.post("/cgi-bin/menu/create")
    def menu_create() -> Response:
        if code := refusal("menu") or token_error():
            return answer(code)
        platform.menus.append(request.get_json(force=True))
        return answer()

    return app


class StandIn:
    """The stand-in on a loopback port, with the pushes a patient makes."""

    def __init__(self, gateway_url: str, app_id: str, app_secret: str, token: str, aes: str = "",
                 port: int = 0, account: str = "gh_standin0001") -> None:
        self.platform = Platform(app_id=app_id, app_secret=app_secret, token=token, aes=aes)
        self.gateway_url = gateway_url
        self.account = account
        self.app = create_app(self.platform)
        add_control(self, self.app)
        self._server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._msg_ids = itertools.count(24_000_000_000_000_000 + secrets.randbelow(10**15))
        self._last_push: dict[str, tuple[str, str]] = {}
        self.http = requests.Session()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    # ----------------------------------------------------------------- pushes

    def message_fields(self, openid: str, kind: str = "text", **values: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {"ToUserName": self.account, "FromUserName": openid,
                                  "CreateTime": int(time.time()), "MsgType": kind}
        if kind != "event":
            fields["MsgId"] = next(self._msg_ids)
        fields.update(values)
        return fields

    def push_xml(self, xml: str, openid: str | None = None, timestamp: int | None = None,
                 bad_signature: bool = False, raw_body: bytes | None = None) -> requests.Response:
        """POST a message to the gateway as the platform does (signed; encrypted in safe mode)."""
        stamp, nonce = str(timestamp if timestamp is not None else int(time.time())), secrets.token_hex(5)
        params = {"timestamp": stamp, "nonce": nonce, "openid": openid or "",
                  "signature": signature(self.platform.token, stamp, nonce)}
        body = xml.encode()
        if self.platform.aes:
            encrypted = encrypt(xml, aes_key(self.platform.aes), self.platform.app_id)
            params.update(encrypt_type="aes", msg_signature=signature(self.platform.token, stamp, nonce, encrypted))
            body = build_xml({"ToUserName": self.account, "Encrypt": encrypted}).encode()
        if bad_signature:
            params["signature"] = "0" * 40
            params["msg_signature"] = "0" * 40
        if openid:
            with self.platform.lock:
                self.platform.last_push[openid] = time.time()
                self.platform.since_push[openid] = 0  # each patient message opens the quota again
        return self.http.post(self.gateway_url, params=params, data=raw_body if raw_body is not None else body,
                              headers={"Content-Type": "text/xml"}, timeout=5)  # WeChat waits 5 seconds

    def push(self, openid: str, kind: str = "text", retries: int = 0, **values: Any) -> requests.Response:
        """A patient's message or event; `retries` more times with the same MsgId, as WeChat retries.

        As the platform does, a push the gateway did not take (no answer in 5 seconds, or anything but
        HTTP 200) is pushed again, up to three times (`retry_delay_s` apart; WeChat waits about 5 s)."""
        xml = build_xml(self.message_fields(openid, kind, **values))
        self._last_push[openid] = (xml, kind)
        response = self._push_until_taken(xml, openid)
        for _ in range(retries):
            self.push_xml(xml, openid)
        return response

    retry_delay_s = 1.0

    def _push_until_taken(self, xml: str, openid: str) -> requests.Response:
        for attempt in range(4):
            try:
                response = self.push_xml(xml, openid)
                if response.status_code == 200 or attempt == 3:
                    return response
            except requests.Timeout:
                if attempt == 3:
                    raise
            time.sleep(self.retry_delay_s)
        raise AssertionError("unreachable")

    def retry_last(self, openid: str) -> requests.Response:
        return self.push_xml(self._last_push[openid][0], openid)

    def text(self, openid: str, content: str, **values: Any) -> requests.Response:
        return self.push(openid, "text", Content=content, **values)

    def voice(self, openid: str, recognition: str) -> requests.Response:
        return self.push(openid, "voice", MediaId=secrets.token_hex(8), Format="amr", Recognition=recognition)

    def tap(self, openid: str, number: int) -> requests.Response:
        """Tap the `number`th item of the last menu the patient was sent."""
        menu = next(s.message["msgmenu"] for s in reversed(self.sent_to(openid)) if s.message["msgtype"] == "msgmenu")
        item = menu["list"][number - 1]
        return self.text(openid, item["content"], bizmsgmenuid=item["id"])

    def menu_click(self, openid: str, key: str) -> requests.Response:
        return self.push(openid, "event", Event="CLICK", EventKey=key)

    def follow(self, openid: str) -> requests.Response:
        return self.push(openid, "event", Event="subscribe", EventKey="")

    # ----------------------------------------------------------------- what was sent

    def sent_to(self, openid: str) -> list[Sent]:
        with self.platform.lock:
            return [s for s in self.platform.sent if s.openid == openid]

    def wait_replies(self, openid: str, after: int, timeout_s: float = 60, quiet_s: float = 1.0) -> list[Sent]:
        """The messages sent to `openid` after the first `after`, once they stop coming."""
        deadline = time.monotonic() + timeout_s
        last_count, last_change = after, time.monotonic()
        while time.monotonic() < deadline:
            count = len(self.sent_to(openid))
            if count != last_count:
                last_count, last_change = count, time.monotonic()
            elif count > after and time.monotonic() - last_change >= quiet_s:
                break
            with self.platform.arrived:
                self.platform.arrived.wait(0.1)
        return self.sent_to(openid)[after:]

    def say(self, openid: str, text: str | None = None, kind: str = "text", timeout_s: float = 60,
            quiet_s: float = 1.0, **values: Any) -> list[str]:
        """Push and return the replies' texts (a menu as its head, then "[n] item" lines)."""
        before = len(self.sent_to(openid))
        response = {
            "text": lambda: self.text(openid, text or "", **values),
            "voice": lambda: self.voice(openid, text or ""),
            "tap": lambda: self.tap(openid, int(text or 1)),
            "menu": lambda: self.menu_click(openid, text or ""),
            "follow": lambda: self.follow(openid),
            "image": lambda: self.push(openid, "image", PicUrl="http://127.0.0.1/x.jpg", MediaId="m1"),
        }[kind]()
        response.raise_for_status()
        return [shown(s.message) for s in self.wait_replies(openid, before, timeout_s, quiet_s)]

    # ----------------------------------------------------------------- the platform's moods

    def refuse(self, code: int, count: int = 1, api: str = "send") -> None:
        """The next `count` calls of `api` (send, token, menu) answer with errcode `code`."""
        with self.platform.lock:
            self.platform.refusals.setdefault(api, []).extend([code] * count)

    def expire_token(self) -> None:
        with self.platform.lock:
            for token in self.platform.tokens:
                self.platform.tokens[token] = time.monotonic() - 1

    def unfollow(self, openid: str) -> None:
        with self.platform.lock:
            self.platform.unfollowed.add(openid)


def shown(message: dict[str, Any]) -> str:
    """A sent message as text: a menu shows its head and its items."""
    if message.get("msgtype") == "msgmenu":
        menu = message["msgmenu"]
        items = "\n".join(f"[{n}] {item['content']}" for n, item in enumerate(menu["list"], start=1))
        return "\n".join(t for t in (menu.get("head_content", ""), items, menu.get("tail_content", "")) if t)
    return str(message.get("text", {}).get("content", ""))


def add_control(standin: StandIn, app: Flask) -> None:
    """The stand-in's HTTP control interface (see the module's docstring)."""

    @app.post("/standin/say")
    def control_say() -> Response:
        body = request.get_json(force=True)
        replies = standin.say(str(body["openid"]), body.get("text"), kind=body.get("kind", "text"),
                              timeout_s=float(body.get("timeout_s", 60)))
        return jsonify({"replies": replies})

    @app.get("/standin/sent")
    def control_sent() -> Response:
        return jsonify([s.message for s in standin.sent_to(request.args.get("openid", ""))])

    @app.post("/standin/refuse")
    def control_refuse() -> Response:
        body = request.get_json(force=True)
        standin.refuse(int(body["code"]), int(body.get("count", 1)), str(body.get("api", "send")))
        return jsonify({"ok": True})

    @app.post("/standin/expire_token")
    def control_expire() -> Response:
        standin.expire_token()
        return jsonify({"ok": True})

    @app.post("/standin/delay")
    def control_delay() -> Response:
        standin.platform.delay_s = float(request.get_json(force=True).get("seconds", 0))
        return jsonify({"ok": True})


def main(argv: list[str] | None = None) -> int:
    from bot.settings import load_settings

    settings = load_settings()
    parser = argparse.ArgumentParser(description="A local stand-in for the WeChat platform.")
    parser.add_argument("--port", type=int, default=9400, help="the API's port (WECHAT_API_BASE=http://127.0.0.1:PORT)")
    parser.add_argument("--gateway", default=f"http://127.0.0.1:{settings.chat_port}/webhooks/wechat/webhook")
    parser.add_argument("--openid", default="oStandInPatient0001", help="the patient you play")
    args = parser.parse_args(argv)
    if not settings.wechat_enabled:
        print("Set WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET (and WECHAT_API_BASE=http://127.0.0.1:"
              f"{args.port}) in .env, then `make run`.", file=sys.stderr)
        return 2
    standin = StandIn(args.gateway, settings.wechat_app_id, settings.wechat_app_secret, settings.wechat_token,
                           settings.wechat_aes_key, args.port).start()
    print(f"WeChat stand-in: API on {standin.url}, pushing to {args.gateway} as {args.openid}. ", flush=True)
    print("Type a message (:voice WORDS, :tap N, :menu KEY, :image, :follow, :quit).", flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        if line == ":quit":
            break
        command, _, rest = line.partition(" ") if line.startswith(":") else ("", "", line)
        kind = {"": "text", ":voice": "voice", ":tap": "tap", ":menu": "menu", ":image": "image",
                ":follow": "follow"}.get(command)
        if kind is None:
            print("?", flush=True)
            continue
        try:
            for reply in standin.say(args.openid, rest or None, kind=kind):
                print("\n" + reply, flush=True)
        except (requests.RequestException, StopIteration) as error:
            print(f"({type(error).__name__}: {error})", flush=True)
        print("\n> ", end="", flush=True)
    standin.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
