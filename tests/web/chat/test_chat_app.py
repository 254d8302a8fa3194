"""The chat page's Flask app: routes, input checks, security headers and the relay to Rasa.

The relay is tested against real sockets: a closed port (the assistant is down) and a tiny
http.server that answers in the Rasa REST channel's format (only to unit-test the proxy).
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from bot.settings import MAX_MESSAGE_CHARS, get_settings
from bot.web.chat import api as chat_api
from bot.web.chat.app import create_app, frame_ancestors
from tests.web.chat.canned_rasa import SENDER, CannedRasa, free_port, make_settings


def post(client: Any, text: Any = "hello", sender_id: Any = SENDER, **kw: Any) -> Any:
    return client.post("/api/messages", json={"sender_id": sender_id, "text": text}, **kw)


# ---- pages -------------------------------------------------------------------------------------


def test_chat_page_has_the_essentials(down_client: Any) -> None:
    settings = get_settings()
    response = down_client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f"<title>{settings.chat_title or 'CAR-T study prescreen'}</title>" in html
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert re.search(r'<label class="composer-label" for="message"[^>]*>', html)
    assert f'maxlength="{MAX_MESSAGE_CHARS}"' in html
    assert settings.study_contact_phone in html
    assert f">{settings.emergency_phone}</a>" in html
    assert "not give medical advice" in html
    assert 'href="/privacy"' in html
    assert "Start over" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_pages_load_nothing_from_elsewhere_and_have_no_inline_script(down_client: Any) -> None:
    for path in ("/", "/privacy", "/?embed=1&lang=zh"):
        html = down_client.get(path).get_data(as_text=True)
        scripts = re.findall(r"<script\b([^>]*)>", html)
        for attrs in scripts:
            assert 'src="/static/' in attrs or 'type="application/json"' in attrs, attrs
        assert "style=" not in html
        assert not re.search(r"<[a-z][^>]*\son[a-z]+=", html), "inline event handler"
        assert not re.search(r"""(src|href)=["'](https?:)?//""", html), path


def test_language_colour_and_embed_options(down_client: Any) -> None:
    zh = down_client.get("/?lang=zh-CN").get_data(as_text=True)
    assert '<html lang="zh-CN"' in zh and "重新开始" in zh
    assert 'href="/privacy?lang=zh"' in zh
    unknown = down_client.get("/?lang=xx").get_data(as_text=True)
    assert '<html lang="en"' in unknown

    coloured = down_client.get("/?color=%23A51C30").get_data(as_text=True)
    assert 'data-accent="#a51c30"' in coloured
    short = down_client.get("/?color=abc").get_data(as_text=True)
    assert 'data-accent="#aabbcc"' in short
    bad = down_client.get('/?color="><script>alert(1)</script>').get_data(as_text=True)
    assert "data-accent" not in bad and "alert(1)" not in bad

    embedded = down_client.get("/?embed=1").get_data(as_text=True)
    assert 'class="embedded"' in embedded
    assert 'target="_blank" rel="noopener"' in embedded


def test_external_privacy_url_is_used(rasa: CannedRasa) -> None:
    client = create_app(make_settings(rasa.port, privacy_url="https://hospital.example/privacy")).test_client()
    assert 'href="https://hospital.example/privacy"' in client.get("/").get_data(as_text=True)


def test_privacy_notice(down_client: Any) -> None:
    settings = get_settings()
    response = down_client.get("/privacy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for needle in (
        "What we store",
        "answers",
        "contact details",
        "consent",
        "Why",
        "How long we keep it",
        "delete my answers",
        "reference code",
        settings.study_contact_phone,
        settings.emergency_phone,
        f"{getattr(settings, 'retention_days', 180)} days",
    ):
        assert needle in html, needle
    zh = down_client.get("/privacy?lang=zh").get_data(as_text=True)
    assert "隐私声明" in zh and "delete my answers" in zh


def test_static_assets_and_embed_script(down_client: Any) -> None:
    for path, mimetype in (
        ("/static/chat.js", "javascript"),
        ("/static/chat.css", "text/css"),
        ("/embed.js", "javascript"),
    ):
        response = down_client.get(path)
        assert response.status_code == 200, path
        assert mimetype in response.content_type, (path, response.content_type)
        response.close()
    embed = down_client.get("/embed.js")
    assert embed.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    source = embed.get_data(as_text=True)
    for attribute in ("data-server", "data-title", "data-color", "data-lang"):
        assert attribute in source
    embed.close()
    chat_js = down_client.get("/static/chat.js")
    assert "innerHTML" not in chat_js.get_data(as_text=True)
    chat_js.close()


# ---- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/privacy", "/embed.js", "/healthz", "/static/chat.css", "/nope"])
def test_security_headers_on_every_response(down_client: Any, path: str) -> None:
    response = down_client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    response.close()


def test_security_headers_on_api_errors(down_client: Any) -> None:
    response = down_client.post("/api/messages", data="not json", content_type="text/plain")
    assert response.status_code == 400
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_frame_ancestors_lists_the_hospital_origins_and_drops_junk() -> None:
    settings = make_settings(
        5005,
        cors_origins=(
            "https://www.chhospital.com.cn",
            "https://trials.example.org/",
            "https://evil.example; script-src *",
            "javascript:alert(1)",
            "https://x.example/path",
        ),
    )
    value = frame_ancestors(settings)
    assert value == "'self' https://www.chhospital.com.cn https://trials.example.org"
    client = create_app(settings).test_client()
    csp = client.get("/").headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors 'self' https://www.chhospital.com.cn https://trials.example.org")
    assert "evil" not in csp


# ---- health --------------------------------------------------------------------------------


def test_healthz_reports_rasa(client: Any, down_client: Any) -> None:
    assert client.get("/healthz").get_json() == {"ok": True, "rasa": True}
    down = down_client.get("/healthz")
    assert down.status_code == 200
    assert down.get_json() == {"ok": True, "rasa": False}
    assert down.headers["Cache-Control"] == "no-store"


# ---- input checks --------------------------------------------------------------------------


def test_rejects_non_json(client: Any, rasa: CannedRasa) -> None:
    response = client.post("/api/messages", data="sender_id=x&text=hi",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"
    broken = client.post("/api/messages", data="{not json", content_type="application/json")
    assert broken.status_code == 400
    array = client.post("/api/messages", json=["hello"])
    assert array.status_code == 400
    assert rasa.received == []


@pytest.mark.parametrize(
    "sender_id",
    [None, 12345678, "", "short", "has space in it", "semi;colon12", "x" * 65, "ünïcödé123", "../../etc/passwd"],
)
def test_rejects_bad_sender_ids(client: Any, rasa: CannedRasa, sender_id: Any) -> None:
    response = post(client, sender_id=sender_id)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_sender_id"
    assert rasa.received == []


@pytest.mark.parametrize("sender_id", ["abcdefgh", "A-b_C-d_12345678", "x" * 64, SENDER])
def test_accepts_good_sender_ids(client: Any, rasa: CannedRasa, sender_id: str) -> None:
    rasa.reply_with([{"recipient_id": sender_id, "text": "Hi"}])
    assert post(client, sender_id=sender_id).status_code == 200


@pytest.mark.parametrize("text", [None, 42, ["hi"], {"t": "hi"}])
def test_rejects_text_that_is_not_a_string(client: Any, text: Any) -> None:
    response = post(client, text=text)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_text"


def test_rejects_empty_text(client: Any, rasa: CannedRasa) -> None:
    response = post(client, text="   \n ")
    assert response.status_code == 400
    assert response.get_json()["error"] == "empty_text"
    assert rasa.received == []


def test_text_length_limit(client: Any, rasa: CannedRasa) -> None:
    rasa.reply_with([{"text": "ok"}])
    at_limit = post(client, text="  " + "a" * MAX_MESSAGE_CHARS + "\n")
    assert at_limit.status_code == 200
    assert rasa.received[-1]["body"]["message"] == "a" * MAX_MESSAGE_CHARS  # stripped before relaying

    too_long = post(client, text="a" * (MAX_MESSAGE_CHARS + 1))
    assert too_long.status_code == 413
    body = too_long.get_json()
    assert body["error"] == "message_too_long"
    assert str(MAX_MESSAGE_CHARS) in body["message"]
    assert len(rasa.received) == 1


def test_huge_body_is_a_json_413(client: Any) -> None:
    response = post(client, text="a" * 200_000)
    assert response.status_code == 413
    assert response.is_json and response.get_json()["error"] == "message_too_long"


def test_wrong_method_and_unknown_api_path(client: Any) -> None:
    assert client.get("/api/messages").status_code == 405
    missing = client.get("/api/nothing")
    assert missing.status_code == 404 and missing.is_json


# ---- relay to Rasa -------------------------------------------------------------------------


def test_relays_to_rasa_rest_channel_and_returns_text_and_buttons(client: Any, rasa: CannedRasa) -> None:
    rasa.reply_with([
        {"recipient_id": SENDER, "text": "Have you had surgery?\nTake your time."},
        {
            "recipient_id": SENDER,
            "text": "Choose one:",
            "buttons": [
                {"title": "Yes", "payload": "/affirm"},
                {"title": "Not sure", "payload": "/dont_know"},
                {"title": "", "payload": "/junk"},
                "junk",
            ],
        },
        {"recipient_id": SENDER, "image": "https://elsewhere.example/x.png"},
        {"recipient_id": SENDER, "custom": {"x": 1}},
    ])
    response = post(client, text="  /affirm ")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "messages": [
            {"text": "Have you had surgery?\nTake your time.", "lang": "en"},
            {
                "text": "Choose one:",
                "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "Not sure", "payload": "/dont_know"}],
                "lang": "en",
            },
        ],
        "lang": "en",
    }
    assert rasa.received == [
        {"path": "/webhooks/rest/webhook",
         "body": {"sender": SENDER, "message": "/affirm", "metadata": {"lang": "en"}}}
    ]


def test_unicode_round_trip(client: Any, rasa: CannedRasa) -> None:
    rasa.reply_with([{"text": "您好！请问您多大年纪？"}])
    response = post(client, text="我今年62岁")
    assert response.get_json()["messages"][0]["text"] == "您好！请问您多大年纪？"
    assert rasa.received[-1]["body"]["message"] == "我今年62岁"


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "assistant_unavailable"
    assert get_settings().study_contact_phone in body["message"]
    assert "can't reach the assistant" in body["message"]


def test_rasa_down_is_a_503_with_the_phone_number(down_client: Any) -> None:
    assert_unavailable(post(down_client))


def test_rasa_5xx_is_a_503(client: Any, rasa: CannedRasa) -> None:
    rasa.reply_with({"error": "boom"}, status=500)
    assert_unavailable(post(client))


def test_rasa_garbage_is_a_503(client: Any, rasa: CannedRasa) -> None:
    rasa.respond = lambda body: (200, b"<html>proxy error</html>")
    assert_unavailable(post(client))


def test_empty_reply_to_a_message_is_a_503(client: Any, rasa: CannedRasa) -> None:
    rasa.reply_with([])
    assert_unavailable(post(client, text="yes"))


def test_empty_reply_to_restart_is_fine(client: Any, rasa: CannedRasa) -> None:
    rasa.reply_with([])
    response = post(client, text="/restart")
    assert response.status_code == 200
    assert response.get_json() == {"messages": [], "lang": "en"}


def test_slow_rasa_times_out_as_a_503(client: Any, rasa: CannedRasa, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chat_api, "RASA_TIMEOUT", (1.0, 0.5))

    def slow(body: dict[str, Any]) -> tuple[int, bytes]:
        time.sleep(1.5)
        return 200, b'[{"text": "too late"}]'

    rasa.respond = slow
    started = time.monotonic()
    assert_unavailable(post(client))
    assert time.monotonic() - started < 1.4


def test_unavailable_message_in_chinese(down_client: Any) -> None:
    response = down_client.post("/api/messages?lang=zh", json={"sender_id": SENDER, "text": "你好"})
    assert response.status_code == 503
    assert "暂时无法连接到助手" in response.get_json()["message"]


def test_default_timeouts_are_short() -> None:
    assert chat_api.RASA_TIMEOUT == (3.0, 30.0)


# ---- launcher ------------------------------------------------------------------------------


def test_main_serves_with_waitress(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import waitress

    from bot.web.chat import __main__ as entry

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: calls.append({"app": app, **kw}))
    assert entry.main() == 0
    settings = get_settings()
    assert calls and calls[0]["host"] == settings.chat_host and calls[0]["port"] == settings.chat_port
    assert calls[0]["threads"] == 8
    assert f":{settings.chat_port}/" in capsys.readouterr().out


def test_rate_limits_per_conversation_and_per_address(rasa: CannedRasa) -> None:
    rasa.respond = lambda body: (200, b'[{"recipient_id": "x", "text": "ok"}]')
    client = create_app(make_settings(rasa.port, chat_rate_per_conversation=3, chat_rate_per_address=5)).test_client()
    assert [post(client, sender_id="conversation-a").status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = post(client, sender_id="conversation-a")
    assert limited.get_json()["error"] == "too_many_messages" and int(limited.headers["Retry-After"]) >= 1
    # the same address, another conversation: two more fit under the address limit of 5 per minute
    assert [post(client, sender_id="conversation-b").status_code for _ in range(3)] == [200, 200, 429]


def test_sliding_window_forgets_old_hits() -> None:
    from bot.web.chat.ratelimit import SlidingWindowLimiter

    limiter = SlidingWindowLimiter(2, window_s=60)
    assert limiter.allow("k", now=0) and limiter.allow("k", now=1) and not limiter.allow("k", now=2)
    assert limiter.allow("k", now=61)  # the first hit left the window
    assert SlidingWindowLimiter(0).allow("k")  # 0 means no limit


def test_every_language_of_the_page_has_every_text() -> None:
    """One file per language (bot/web/chat/texts/): a text in one language only fails here."""
    from bot.web.chat.strings import all_strings

    languages = all_strings()
    assert set(languages) == {"en", "zh"}
    assert set(languages["en"]) == set(languages["zh"])
    for lang, strings in languages.items():
        assert all(text.strip() for text in strings.values()), lang


def test_passes_the_pages_language_to_rasa(client, rasa) -> None:
    rasa.reply_with([{"recipient_id": SENDER, "text": "好的"}])
    response = client.post("/api/messages?lang=zh-CN", json={"sender_id": SENDER, "text": "/greet"})
    assert response.status_code == 200
    assert rasa.received[-1]["body"]["metadata"] == {"lang": "zh"}


@pytest.mark.parametrize("offered", [True, False])
def test_privacy_notice_names_the_other_studies_consent_only_when_it_is_offered(offered: bool) -> None:
    client = create_app(make_settings(free_port(), offer_other_studies=offered)).test_client()
    english = client.get("/privacy").get_data(as_text=True)
    chinese = client.get("/privacy?lang=zh").get_data(as_text=True)
    assert ("other studies at this hospital" in english) is offered
    assert ("本医院的其他研究" in chinese) is offered


@pytest.mark.parametrize("site_title", ["", "长海医院 CAR-T 研究"])
def test_the_page_title_follows_the_language_unless_the_site_sets_one(site_title: str) -> None:
    client = create_app(make_settings(free_port(), chat_title=site_title)).test_client()
    english = client.get("/").get_data(as_text=True)
    chinese = client.get("/?lang=zh").get_data(as_text=True)
    assert f"<title>{site_title or 'CAR-T study prescreen'}</title>" in english
    assert f"<title>{site_title or 'CAR-T 临床研究预筛查'}</title>" in chinese
    assert ('data-s="title"' in chinese) is not bool(site_title)  # a site's own title is not switched
