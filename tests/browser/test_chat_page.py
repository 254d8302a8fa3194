"""The patient chat page in headless Chromium (Debian's `chromium`, driven by Playwright).

Two groups:
* tests that need no assistant: the page is served by `create_app()` in a thread, with Rasa
  pointed at a closed port (so the "can't reach the assistant" path is real);
* `e2e` tests that need the real assistant, through the `live_stack` fixture (tests/conftest.py):
  a complete prescreen by tapping and by typing, reload in the middle, the assistant stopped and
  started again mid-conversation, axe-core on a live conversation and screenshots.

axe-core comes from the npm registry at test time (pinned version and integrity), cached under
tests/.cache/ and injected with page.add_script_tag; it is never served by the app.
Screenshots go to reports/screenshots/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.settings import get_settings

playwright_sync = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.chat_page import (  # noqa: E402
    EMERGENCY,
    FINISHED,
    PHONE,
    UNAVAILABLE,
    AppServer,
    assert_no_serious_violations,
    bot_texts,
    chat_app_with_rasa_at,
    free_port,
    next_answer,
    no_horizontal_scroll,
    page_fits_the_screen,
    run_axe,
    run_prescreen,
    shoot,
    type_message,
    user_texts,
    wait_idle,
)

pytestmark = pytest.mark.browser


# ---- tests that need no assistant ------------------------------------------------------------


def test_page_loads_and_says_plainly_when_the_assistant_is_unreachable(
    open_page: Callable[..., Page], offline_chat: str
) -> None:
    requests_seen: list[str] = []
    console_errors: list[str] = []
    page = open_page(offline_chat)
    page.on("request", lambda r: requests_seen.append(r.url))
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.reload()

    title = get_settings().chat_title or "CAR-T study prescreen"
    expect(page).to_have_title(title)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text(UNAVAILABLE)
    expect(banner).to_contain_text(PHONE)
    expect(banner.get_by_role("link", name=PHONE)).to_have_attribute("href", re.compile(r"^tel:\+?\d+$"))
    expect(banner.get_by_role("button", name="Try now")).to_be_visible()
    expect(banner).to_contain_text(re.compile(r"Trying again in \d+ seconds?"))
    expect(page.locator("#typing-inner")).to_be_hidden()  # no spinner forever
    expect(page.locator("#app")).to_have_attribute("data-state", "offline")

    expect(page.locator("#notice")).to_contain_text("does not give medical advice")
    expect(page.locator("#notice").get_by_role("link", name=EMERGENCY)).to_be_visible()
    expect(page.get_by_role("link", name="Privacy notice")).to_be_visible()
    expect(page.get_by_role("button", name="Start over")).to_be_visible()
    expect(page.get_by_role("log", name="Conversation")).to_be_attached()
    expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")
    assert no_horizontal_scroll(page)

    # No CSP violations (scripts and styles all from the page's own origin, nothing inline).
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
    own = offline_chat + "/"
    assert requests_seen and all(u.startswith((own, "data:")) for u in requests_seen), requests_seen


def test_typed_message_is_kept_while_unreachable_and_survives_reload(
    open_page: Callable[..., Page], offline_chat: str
) -> None:
    page = open_page(offline_chat)
    wait_idle(page)
    type_message(page, "I am 62 years old")
    expect(page.get_by_label("Your message")).to_have_value("")
    pending = page.locator(".msg-user.msg-pending")
    expect(pending).to_contain_text("I am 62 years old")
    expect(pending).to_contain_text("Not sent yet")
    sender = page.evaluate("() => JSON.parse(sessionStorage.getItem('prescreen.chat.v1')).sender")
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", sender)

    page.reload()
    expect(page.locator(".msg-user.msg-pending")).to_contain_text("I am 62 years old")
    expect(page.get_by_role("alert")).to_contain_text(UNAVAILABLE)
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('prescreen.chat.v1')).sender") == sender
    queue = page.evaluate("() => JSON.parse(sessionStorage.getItem('prescreen.chat.v1')).queue.map(q => q.text)")
    assert queue == ["/greet", "I am 62 years old"]

    # "Try now" tries at once (and it still fails, so the banner stays and the text is still kept).
    page.get_by_role("button", name="Try now").click()
    wait_idle(page)
    expect(page.get_by_role("alert")).to_contain_text(UNAVAILABLE)
    expect(page.locator(".msg-user.msg-pending")).to_have_count(1)

    # Many messages scroll inside the conversation, not the whole page.
    for n in range(8):
        type_message(page, f"Another message, number {n}")
    expect(page.locator(".msg-user.msg-pending")).to_have_count(9)
    assert page_fits_the_screen(page)

    # A draft in the box survives a reload too.
    page.get_by_label("Your message").fill("half-typed answer")
    page.wait_for_timeout(500)
    page.reload()
    expect(page.get_by_label("Your message")).to_have_value("half-typed answer")


def test_keyboard_only_focus_order_and_visible_focus(open_page: Callable[..., Page], offline_chat: str) -> None:
    page = open_page(offline_chat, width=1280, height=800)
    wait_idle(page)
    seen: list[str] = []
    for _ in range(10):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => {
                const el = document.activeElement;
                const cs = getComputedStyle(el);
                return {id: el.id || el.className || el.tagName, tag: el.tagName,
                        outline: parseFloat(cs.outlineWidth) || 0, style: cs.outlineStyle,
                        label: el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30)};
            }"""
        )
        seen.append(f"{info['tag']}:{info['label']}")
        assert info["style"] != "none" and info["outline"] >= 2, f"no visible focus on {info}"
    joined = " | ".join(seen)
    assert "Skip to message box" in seen[0]
    for expected in ("Start over", EMERGENCY, "Conversation", "TEXTAREA", "Send", PHONE, "Privacy notice", "Try now"):
        assert expected in joined, joined

    # Skip link goes straight to the message box.
    page.goto(offline_chat)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "message"

    # Start over asks first, inside the page; Escape cancels and returns focus.
    page.get_by_role("button", name="Start over").focus()
    page.keyboard.press("Enter")
    confirm = page.locator("#confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Start over?")
    assert page.evaluate("() => document.activeElement.id") == "confirm-text"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "confirm-yes"
    page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    assert page.evaluate("() => document.activeElement.id") == "restart"

    # Shift+Enter is a new line, Enter sends.
    box = page.get_by_label("Your message")
    box.focus()
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    expect(box).to_have_value("first line\nsecond line")
    page.keyboard.press("Enter")
    expect(page.locator(".msg-user").last).to_contain_text("first line\nsecond line")


def test_message_length_is_capped_and_said(open_page: Callable[..., Page], offline_chat: str) -> None:
    page = open_page(offline_chat)
    box = page.get_by_label("Your message")
    expect(box).to_have_attribute("maxlength", "2000")
    expect(page.locator("#hint")).to_contain_text("2000 characters")
    box.focus()
    page.keyboard.insert_text("a" * 2100)
    assert len(box.input_value()) == 2000
    expect(page.locator("#count")).to_contain_text("2000 of 2000 characters")
    # An empty message is not sent; the page says why.
    box.fill("   ")
    box.press("Enter")
    expect(page.locator("#error")).to_contain_text("Please type a message first")
    expect(box).to_have_attribute("aria-invalid", "true")


def test_reflow_at_320px_with_text_at_200_percent(open_page: Callable[..., Page], offline_chat: str) -> None:
    page = open_page(offline_chat, width=320, height=640)
    wait_idle(page)
    type_message(page, "A fairly long message to see how wrapping behaves on a small phone screen")
    assert no_horizontal_scroll(page)
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    page.wait_for_timeout(200)
    assert no_horizontal_scroll(page)
    for name in ("Start over", "Send", "Try now"):
        button = page.get_by_role("button", name=name)
        button.scroll_into_view_if_needed()
        expect(button).to_be_in_viewport()
    shoot(page, "chat-320-text-200.png")


def test_tap_targets_are_large_and_text_at_least_16px(open_page: Callable[..., Page], offline_chat: str) -> None:
    page = open_page(offline_chat)
    wait_idle(page)
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll('button, textarea, .footer a, .notice a'))
              .filter(e => e.offsetParent !== null)
              .map(e => ({t: e.textContent.trim().slice(0, 20), h: e.getBoundingClientRect().height,
                          w: e.getBoundingClientRect().width}))
              .filter(r => r.h < 44 || r.w < 44)"""
    )
    assert not small, small
    tiny_text = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
              .filter(e => e.offsetParent !== null && e.childNodes.length &&
                      Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()))
              .map(e => ({t: e.textContent.trim().slice(0, 20), px: parseFloat(getComputedStyle(e).fontSize)}))
              .filter(r => r.px < 16)"""
    )
    assert not tiny_text, tiny_text


def test_respects_reduced_motion(open_page: Callable[..., Page], offline_chat: str) -> None:
    page = open_page(offline_chat, reduced_motion="reduce")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.dots span')).animationName") == "none"
    page = open_page(offline_chat, reduced_motion="no-preference")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.dots span')).animationName") == "blink"


def test_axe_and_screenshots_without_the_assistant(
    open_page: Callable[..., Page], offline_chat: str, axe_source: Path
) -> None:
    for width, height in ((375, 740), (1280, 800)):
        page = open_page(offline_chat, width=width, height=height, bypass_csp=True)
        wait_idle(page)
        type_message(page, "Hello, is this the CAR-T study?")
        expect(page.locator(".msg-pending")).to_be_visible()
        assert_no_serious_violations(run_axe(page, axe_source))
        shoot(page, f"chat-{width}-unavailable.png")
        # The start-over confirmation too.
        page.get_by_role("button", name="Start over").click()
        assert_no_serious_violations(run_axe(page, axe_source))
        page.get_by_role("button", name="Cancel").click()
    privacy = open_page(offline_chat + "/privacy", bypass_csp=True)
    expect(privacy.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(privacy.locator("main")).to_contain_text("delete my answers")
    assert_no_serious_violations(run_axe(privacy, axe_source))
    shoot(privacy, "privacy-375.png")
    zh = open_page(offline_chat + "/?lang=zh", bypass_csp=True)
    expect(zh.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(zh.get_by_role("button", name="重新开始")).to_be_visible()
    assert_no_serious_violations(run_axe(zh, axe_source))


HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Changhai Hospital – clinical studies</title></head>
<body style="font-family: sans-serif; margin: 2rem">
<h1>Clinical studies at Changhai Hospital</h1>
<p>Information about our studies.</p>
<script src="{chat}/embed.js" data-server="{chat}" data-title="CAR-T study prescreen"
        data-color="#7fb3e6" data-lang="en" defer></script>
</body></html>"""


@pytest.fixture(scope="module")
def embed_host() -> Iterator[tuple[str, str]]:
    """A hospital page on another origin (localhost) embedding the chat page (127.0.0.1)."""
    host_port = free_port()
    host_origin = f"http://localhost:{host_port}"
    chat = AppServer(chat_app_with_rasa_at(free_port(), cors_origins=(host_origin,)))
    chat_url = f"http://127.0.0.1:{chat.port}"
    body = HOST_PAGE.format(chat=chat_url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    host = ThreadingHTTPServer(("127.0.0.1", host_port), Handler)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    yield host_origin + "/", chat_url
    host.shutdown()
    host.server_close()
    chat.stop()


def test_embed_snippet_adds_launcher_and_panel(
    open_page: Callable[..., Page], embed_host: tuple[str, str], axe_source: Path
) -> None:
    host_url, chat_url = embed_host
    for width, height in ((1280, 800), (375, 740)):
        page = open_page(host_url, width=width, height=height, bypass_csp=True)
        launcher = page.get_by_role("button", name="CAR-T study prescreen")
        expect(launcher).to_be_visible()
        expect(launcher).to_have_attribute("aria-expanded", "false")
        box = launcher.bounding_box()
        assert box and box["height"] >= 44
        assert_no_serious_violations(run_axe(page, axe_source))
        launcher.focus()
        page.keyboard.press("Enter")
        panel = page.get_by_role("dialog", name="CAR-T study prescreen")
        expect(panel).to_be_visible()
        frame = page.frame_locator("iframe[title='CAR-T study prescreen']")
        expect(frame.get_by_label("Your message")).to_be_visible()
        expect(frame.locator("#offline")).to_contain_text(UNAVAILABLE)
        expect(frame.get_by_role("button", name="Start over")).to_be_visible()
        expect(frame.get_by_role("link", name="Privacy notice")).to_have_attribute("target", "_blank")
        # The page's colour follows data-color, darkened for contrast.
        accent = frame.locator("html").evaluate("e => getComputedStyle(e).getPropertyValue('--accent').trim()")
        assert accent and accent != "#0b57a4" and accent.startswith("#"), accent
        shoot(page, f"embed-{width}.png")
        frame_el = page.locator("iframe")
        assert frame_el.get_attribute("src").startswith(chat_url + "/?embed=1")
        # Escape inside the chat closes the panel and gives focus back to the launcher.
        frame.get_by_label("Your message").focus()
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden()
        expect(launcher).to_be_focused()
        expect(launcher).to_have_attribute("aria-expanded", "false")
        # The close button works too.
        launcher.click()
        expect(panel).to_be_visible()
        page.get_by_role("button", name="Close chat").click()
        expect(panel).to_be_hidden()


# ---- tests with the real assistant (live_stack) ---------------------------------------------


@pytest.fixture
def stack(live_stack: Any) -> Any:
    """The real servers (tests/conftest.py): chat_url, stop_rasa(), start_rasa()."""
    return live_stack


def start_conversation(open_page: Callable[..., Page], stack: Any, **kw: Any) -> Page:
    page = open_page(stack.chat_url, **kw)
    wait_idle(page, timeout=90_000)
    expect(page.locator(".msg-bot").first).to_be_visible()
    return page


@pytest.mark.e2e
def test_complete_prescreen_by_tapping_buttons(open_page: Callable[..., Page], stack: Any) -> None:
    page = start_conversation(open_page, stack)
    assert not user_texts(page), "the hidden /greet must not show as a patient message"
    last = run_prescreen(page, by="tap")
    assert FINISHED.search(last)
    assert not any(t.startswith("/") for t in user_texts(page)), "payloads must not show as patient text"
    shoot(page, "prescreen-tapped-375.png")


@pytest.mark.e2e
def test_complete_prescreen_by_typing(open_page: Callable[..., Page], stack: Any) -> None:
    page = start_conversation(open_page, stack, width=1280, height=800)
    last = run_prescreen(page, by="type")
    assert FINISHED.search(last)
    assert "not sure" in user_texts(page) or "yes" in user_texts(page)


@pytest.mark.e2e
def test_reload_in_the_middle_keeps_the_conversation(open_page: Callable[..., Page], stack: Any) -> None:
    page = start_conversation(open_page, stack)
    run_prescreen(page, by="tap", stop_after=3)
    before_bot, before_user = bot_texts(page), user_texts(page)
    sender = page.evaluate("() => JSON.parse(sessionStorage.getItem('prescreen.chat.v1')).sender")
    page.reload()
    wait_idle(page)
    assert bot_texts(page) == before_bot and user_texts(page) == before_user
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('prescreen.chat.v1')).sender") == sender
    # A "tab switch": the page is hidden and shown again; nothing is lost or re-sent.
    page.evaluate(
        "() => { Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange'));"
        " Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    wait_idle(page)
    assert bot_texts(page) == before_bot
    # The assistant continues where the patient was, not from the greeting.
    last = run_prescreen(page, by="tap")
    assert FINISHED.search(last)
    assert bot_texts(page)[: len(before_bot)] == before_bot


@pytest.mark.e2e
def test_assistant_stopped_mid_conversation_then_back(open_page: Callable[..., Page], stack: Any) -> None:
    page = start_conversation(open_page, stack)
    run_prescreen(page, by="tap", stop_after=2)
    answered = len(user_texts(page))
    stack.stop_rasa()
    try:
        action, button = next_answer(page)
        if button is None:
            type_message(page, action)
        else:
            page.locator(".quick-replies").get_by_role("button", name=button["title"], exact=True).click()
        banner = page.get_by_role("alert")
        expect(banner).to_contain_text(UNAVAILABLE, timeout=45_000)
        expect(banner).to_contain_text(PHONE)
        expect(page.locator(".msg-user.msg-pending")).to_have_count(1)
        expect(page.locator("#typing-inner")).to_be_hidden()
        expect(page.locator("#app")).to_have_attribute("data-state", "offline")
        shoot(page, "chat-375-assistant-down.png")
    finally:
        stack.start_rasa()
    # Retries on its own (backoff capped at 30 s) and sends the kept answer.
    expect(page.locator(".msg-user.msg-pending")).to_have_count(0, timeout=120_000)
    wait_idle(page)
    expect(page.locator("#offline")).not_to_contain_text(UNAVAILABLE)
    assert len(user_texts(page)) == answered + 1
    last = run_prescreen(page, by="tap")
    assert FINISHED.search(last)


@pytest.mark.e2e
def test_start_over_with_the_assistant(open_page: Callable[..., Page], stack: Any) -> None:
    page = start_conversation(open_page, stack)
    greeting = bot_texts(page)
    run_prescreen(page, by="tap", stop_after=2)
    page.get_by_role("button", name="Start over").click()
    page.get_by_role("button", name="Yes, start over").click()
    wait_idle(page)
    assert not user_texts(page)
    texts = bot_texts(page)
    assert "start again" in texts[0] and "cleared your earlier answers" in texts[0]
    assert texts[1:1 + len(greeting)] == greeting  # then the introduction and the consent question again


@pytest.mark.e2e
def test_axe_and_screenshots_in_a_live_conversation(
    open_page: Callable[..., Page], stack: Any, axe_source: Path
) -> None:
    for width, height in ((375, 740), (1280, 800)):
        page = start_conversation(open_page, stack, width=width, height=height, bypass_csp=True)
        run_prescreen(page, by="tap", stop_after=3)
        expect(page.locator(".quick-replies button").first).to_be_visible()
        assert_no_serious_violations(run_axe(page, axe_source))
        assert no_horizontal_scroll(page)
        assert page_fits_the_screen(page)
        shoot(page, f"chat-{width}.png")
