"""The chat page inside WeChat's own browser (opened from the official account's menu or a QR code):
phone size, WeChat's user agents, touch, Chinese. Debian's chromium through Playwright."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.chat_page import (  # noqa: E402
    CHINESE,
    CJK,
    PHONE,
    REFERENCE_CODE,
    assert_no_serious_violations,
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

# WeChat's in-app browsers as they identify themselves: Android (XWEB) and iOS (WKWebView).
WECHAT_ANDROID = ("Mozilla/5.0 (Linux; Android 12; PGEM10 Build/SP1A.210812.016; wv) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5075 "
                  "MMWEBSDK/20230405 MMWEBID/2585 MicroMessenger/8.0.35.2360(0x2800233D) WeChat/arm64 Weixin "
                  "NetType/WIFI Language/zh_CN ABI/arm64")
WECHAT_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Mobile/15E148 MicroMessenger/8.0.38(0x1800262c) NetType/WIFI Language/zh_CN")
PHONE_OPTIONS: dict[str, Any] = {"is_mobile": True, "has_touch": True, "locale": "zh-CN", "bypass_csp": True}


def in_wechat(open_page: Callable[..., Page], url: str, agent: str, width: int, height: int) -> Page:
    page = open_page(url, width=width, height=height, user_agent=agent, **PHONE_OPTIONS)
    assert "MicroMessenger" in page.evaluate("navigator.userAgent")
    return page


def test_the_chat_page_in_wechats_android_browser(open_page: Callable[..., Page], offline_chat: str,
                                                  axe_source: Path) -> None:
    errors: list[str] = []
    page = in_wechat(open_page, f"{offline_chat}/?lang=zh", WECHAT_ANDROID, 360, 640)
    page.on("pageerror", lambda error: errors.append(str(error)))
    wait_idle(page)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("alert")).to_contain_text("暂时无法连接到助手")
    expect(page.get_by_role("alert").get_by_role("link", name=PHONE)).to_be_visible()
    assert no_horizontal_scroll(page) and page_fits_the_screen(page)
    # taps, not clicks: the input and the send button answer a finger
    page.locator("textarea").tap()
    page.keyboard.type("我父亲今年六十八岁")
    page.get_by_role("button", name="发送").tap()
    expect(page.locator(".msg-user").last).to_contain_text("我父亲今年六十八岁")  # kept while offline
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll('button, textarea'))
              .filter(e => e.offsetParent !== null)
              .map(e => e.getBoundingClientRect()).filter(r => r.height < 44 || r.width < 44).length""")
    assert small == 0
    assert no_horizontal_scroll(page) and not errors, errors
    assert_no_serious_violations(run_axe(page, axe_source))
    shoot(page, "chat-360-wechat-android-offline.png")


@pytest.mark.e2e
def test_a_whole_chinese_prescreen_in_wechats_iphone_browser(open_page: Callable[..., Page], live_stack: Any,
                                                              axe_source: Path) -> None:
    page = in_wechat(open_page, f"{live_stack.chat_url}/?lang=zh", WECHAT_IPHONE, 390, 844)
    wait_idle(page, timeout=90_000)
    expect(page.locator(".msg-bot").first).to_be_visible()
    type_message(page, "你好")
    last = run_prescreen(page, by="tap", patient=CHINESE, max_turns=90)
    assert REFERENCE_CODE.search(last) and CJK.search(last), last
    assert not any(text.startswith("/") for text in user_texts(page)), "payloads must not show as patient text"
    assert no_horizontal_scroll(page)
    assert_no_serious_violations(run_axe(page, axe_source))
    shoot(page, "prescreen-zh-wechat-iphone-390.png")
