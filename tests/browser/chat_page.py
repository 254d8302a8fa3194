"""The chat page's browser-test helpers: servers, page reading, a patient that answers, axe-core.

Used by test_chat_page.py (English) and test_chat_languages.py (Chinese and a switch of language);
the fixtures (open_page, offline_chat, axe_source) are in conftest.py.
"""

from __future__ import annotations

import dataclasses
import json
import re
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bot.settings import get_settings
from bot.web.chat.app import create_app

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "reports" / "screenshots"
PHONE = get_settings().study_contact_phone
EMERGENCY = get_settings().emergency_phone
UNAVAILABLE = re.compile(r"can.t reach the assistant", re.IGNORECASE)

# A reference code as the patient is given it (bot/leads/reference_codes.py: PS- and six of its alphabet).
REFERENCE_CODE = re.compile(r"PS-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}")
# Han characters: a Chinese reply has some.
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclasses.dataclass(frozen=True)
class Patient:
    """How a patient answers, in one language.

    `typed_answers`: when the assistant asks for something typed, the first pattern that matches its
    last message (without its parenthetical hints) gives the answer; adjust if the domain's wording
    changes. `typed_for_payload`: what the patient types instead of tapping a button with this payload.
    `finished`: the assistant's closing message of a prescreen, which gives the reference code.
    `typed_for_title`: words typed instead of a button whose title matches (before the payload's).
    """

    typed_answers: tuple[tuple[re.Pattern[str], str], ...]
    typed_for_payload: dict[str, str]
    finished: re.Pattern[str]
    typed_for_title: tuple[tuple[re.Pattern[str], str], ...] = ()

    def types_for(self, button: dict[str, str]) -> str:
        for pattern, words in self.typed_for_title:
            if pattern.search(button["title"]):
                return words
        return self.typed_for_payload.get(button["payload"], button["title"])


ENGLISH = Patient(
    typed_answers=(
        (re.compile(r"how old|your age|year of birth|born", re.IGNORECASE), "62"),
        (re.compile(r"phone|mobile", re.IGNORECASE), "13812345678"),
        (re.compile(r"e-?mail", re.IGNORECASE), "test.patient@example.com"),
        (re.compile(r"\bname\b", re.IGNORECASE), "Test Patient"),
        (re.compile(r"best time|what time|when .*(call|contact|reach)", re.IGNORECASE), "weekday mornings"),
    ),
    typed_for_payload={"/affirm": "yes", "/deny": "no", "/dont_know": "not sure"},
    finished=re.compile(r"reference (code|number)", re.IGNORECASE),
)
# A patient in Shanghai typing as people do: 62岁, a mobile number with spaces, 同意 for consent.
CHINESE = Patient(
    typed_answers=(
        (re.compile(r"多大|年龄|年纪|岁数|出生"), "62岁"),
        (re.compile(r"什么时候|时间|时段"), "工作日上午"),  # before the phone: "什么时候方便给您打电话？"
        (re.compile(r"微信"), "zhangwei_1962"),
        (re.compile(r"电话|手机"), "138 0013 8000"),
        (re.compile(r"邮箱|电子邮件|e-?mail", re.IGNORECASE), "test.patient@example.com"),
        (re.compile(r"姓名|名字|称呼"), "张伟"),
    ),
    typed_for_payload={"/affirm": "是的", "/deny": "没有", "/dont_know": "不知道"},
    finished=REFERENCE_CODE,
    typed_for_title=((re.compile(r"^(?:是的?|好的?)?[，,]?\s*我?同意"), "同意"),),  # "是，我同意", not "不同意"
)
FINISHED = ENGLISH.finished  # the English closing message (tests of the English page use it)


# ---- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """A WSGI app on a real port in a background thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        from werkzeug.serving import make_server

        self.port = free_port()
        self.server = make_server(host, self.port, app, threaded=True)
        self.server.daemon_threads = True  # stopping does not wait for the browser's keep-alive connections
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def chat_app_with_rasa_at(port: int, **overrides: Any) -> Any:
    settings = dataclasses.replace(get_settings(), rasa_host="127.0.0.1", rasa_port=port, **overrides)
    return create_app(settings)


# ---- browser ---------------------------------------------------------------------------------


def shoot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.wait_for_timeout(600)  # let smooth scrolling and layout settle
    page.screenshot(path=str(path), full_page=False)
    return path


# ---- axe-core --------------------------------------------------------------------------------


def run_axe(page: Page, axe_source: Path) -> list[dict[str, Any]]:
    """Run axe-core; the page must come from open_page(..., bypass_csp=True), because the
    injected script tag is inline and the chat page's CSP rightly forbids inline scripts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_source))
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
              runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
              resultTypes: ['violations'],
            });
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary).slice(0, 5)}));
        }"""
    )
    return results


def assert_no_serious_violations(violations: list[dict[str, Any]]) -> None:
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, indent=2)


# ---- page helpers ----------------------------------------------------------------------------


def wait_idle(page: Page, timeout: float = 45_000) -> None:
    """Wait until the page is not waiting for the assistant."""
    expect(page.locator("#app")).to_have_attribute("data-state", re.compile("idle|offline"), timeout=timeout)


def bot_texts(page: Page) -> list[str]:
    return page.locator(".msg-bot .bubble").evaluate_all(
        "els => els.map(e => e.lastChild ? e.lastChild.textContent : '')"
    )


def user_texts(page: Page) -> list[str]:
    return page.locator(".msg-user .bubble").evaluate_all(
        "els => els.map(e => e.lastChild ? e.lastChild.textContent : '')"
    )


def latest_bot_turn(page: Page) -> str:
    """The assistant's words since the patient's last message."""
    return page.evaluate(
        """() => {
            const msgs = Array.from(document.querySelectorAll('#log .msg'));
            const out = [];
            for (let i = msgs.length - 1; i >= 0 && msgs[i].classList.contains('msg-bot'); i--) {
              const b = msgs[i].querySelector('.bubble');
              if (b) out.unshift(b.lastChild.textContent);
            }
            return out.join('\\n');
        }"""
    )


def last_bot_message(page: Page) -> str:
    texts = bot_texts(page)
    return texts[-1] if texts else ""


def quick_replies(page: Page) -> list[dict[str, str]]:
    """Buttons on offer now, with the payload the page would send (read from the transcript)."""
    return page.evaluate(
        """() => {
            const s = JSON.parse(sessionStorage.getItem('prescreen.chat.v1') || '{}');
            const last = (s.items || [])[(s.items || []).length - 1];
            const shown = Array.from(document.querySelectorAll('.quick-replies button')).map(b => b.textContent);
            if (!last || last.from !== 'bot' || !last.buttons) return [];
            return last.buttons.filter(b => shown.includes(b.title));
        }"""
    )


def type_message(page: Page, text: str) -> None:
    box = page.locator("#message")
    box.fill(text)
    box.press("Enter")


ANSWER_PAYLOADS = ("/dont_know", "/affirm", "/deny")


def choose_button(buttons: list[dict[str, str]]) -> dict[str, str]:
    """Keep the prescreen going to the end: "not sure" where offered, otherwise yes/agree."""
    by_payload = {b["payload"]: b for b in buttons}
    for payload in ("/dont_know", "/affirm"):
        if payload in by_payload:
            return by_payload[payload]
    return buttons[0]


def typed_answer(question: str, patient: Patient = ENGLISH) -> str | None:
    question = re.sub(r"\([^)]*\)|（[^）]*）", " ", question)
    for pattern, answer in patient.typed_answers:
        if pattern.search(question):
            return answer
    return None


def next_answer(page: Page, patient: Patient = ENGLISH) -> tuple[str, dict[str, str] | None]:
    """What the patient does next: ("tap", button) or ("type", text)."""
    buttons = quick_replies(page)
    if any(b["payload"] in ANSWER_PAYLOADS for b in buttons):
        return "tap", choose_button(buttons)
    typed = typed_answer(last_bot_message(page), patient)
    if typed is not None:  # e.g. a phone number, even if a "Skip" button is on offer
        return typed, None
    if buttons:
        return "tap", choose_button(buttons)
    raise AssertionError(f"Don't know how to answer: {latest_bot_turn(page)!r}")


def run_prescreen(
    page: Page, *, by: str, max_turns: int = 80, stop_after: int | None = None, patient: Patient = ENGLISH
) -> str:
    """Answer the assistant until it gives a reference code (or `stop_after` answers).

    by="tap": tap the quick replies; by="type": type the words a patient would use instead.
    Returns the assistant's last words.
    """
    for answers in range(max_turns):
        wait_idle(page)
        assert page.locator("#app").get_attribute("data-state") == "idle", "assistant unavailable"
        said = latest_bot_turn(page)
        buttons = quick_replies(page)
        if not buttons and patient.finished.search(said):
            return said
        if stop_after is not None and answers >= stop_after:
            return said
        action, button = next_answer(page, patient)
        if button is None:
            type_message(page, action)
        elif by == "tap":
            page.locator(".quick-replies").get_by_role("button", name=button["title"], exact=True).click()
        else:
            type_message(page, patient.types_for(button))
    pytest.fail(f"The prescreen did not finish in {max_turns} turns: {bot_texts(page)[-5:]}")


def page_fits_the_screen(page: Page) -> bool:
    """Unless the page chose to scroll as a whole (large text), only the conversation scrolls."""
    return page.evaluate(
        """() => document.getElementById('app').classList.contains('flow') ||
                 document.documentElement.scrollHeight <= window.innerHeight + 1"""
    )


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )
