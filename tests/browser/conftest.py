"""One headless Chromium per browser test module: Debian's `chromium`, driven by Playwright."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.chat_page import AppServer, chat_app_with_rasa_at, free_port

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "tests" / ".cache"
AXE_VERSION = "4.10.2"
AXE_INTEGRITY = (
    "sha512-RE3mdQ7P3FRSe7eqCWoeQ/Z9QXrtniSjp1wUjt5nRC3WIpz5rSCve6o3fsZ2aCpJtrZjSZgjwXAoTO5k4tEI0w=="
)

CHROMIUM = shutil.which("chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM:  # .ci/run installs it: a missing browser is a failure, not a skip
        pytest.fail("Debian's chromium is not installed (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def offline_chat() -> Iterator[str]:
    """The chat page with the assistant unreachable (Rasa "at" a closed port)."""
    server = AppServer(chat_app_with_rasa_at(free_port()))
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    contexts = []

    def _open(url: str, width: int = 375, height: int = 740, **options: Any) -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            device_scale_factor=1,
            **options,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(url)
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page of the coordinator app that fails the test on any console error or script
    error (a CSP violation, a failed load), except the 401 of a refused sign-in."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    problems: list[str] = []
    expected = "the server responded with a status of 401"
    opened.on("console", lambda message: problems.append(message.text)
              if message.type == "error" and expected not in message.text else None)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    context.close()
    assert problems == [], problems


@pytest.fixture(scope="session")
def axe_source() -> Path:
    """axe.min.js from the npm registry's axe-core package (pinned), cached under tests/.cache."""
    target = CACHE / f"axe-core-{AXE_VERSION}.min.js"
    if target.exists():
        return target
    npm = shutil.which("npm")
    if not npm:
        pytest.skip("npm is needed to fetch axe-core for the accessibility check")
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n", encoding="utf-8")
    work = CACHE / f"axe-core-{AXE_VERSION}-pack"
    work.mkdir(exist_ok=True)
    result = subprocess.run(
        [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", str(work), "--silent"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=work,
        check=False,
    )
    tarballs = sorted(work.glob("axe-core-*.tgz"))
    if result.returncode != 0 or not tarballs:
        pytest.fail(f"npm pack axe-core@{AXE_VERSION} failed: {result.stderr.strip()[-500:]}")
    tarball = tarballs[0]
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    assert digest == AXE_INTEGRITY, f"axe-core tarball integrity mismatch: {digest}"
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/axe.min.js")
        assert member is not None
        source = member.read().decode("utf-8")
    target.write_text(source, encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    return target
