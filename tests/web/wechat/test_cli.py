"""`prescreen wechat check` and `prescreen wechat menu` against the platform's stand-in."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import wechat as wechat_cli
from bot.cli.main import main
from bot.leads.migrate import upgrade
from bot.settings import Settings
from bot.web.wechat.inbound import MENU_PAYLOADS
from tests.web.wechat.conftest import AES_KEY, APP_ID, wechat_settings
from tools.wechat_standin import StandIn


@pytest.fixture
def standin() -> Iterator[StandIn]:
    running = StandIn("", APP_ID, "standin-secret", "standin-token", AES_KEY).start()
    yield running
    running.stop()


@pytest.fixture
def settings(tmp_path: Path, standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> Settings:
    url = f"sqlite:///{tmp_path / 'prescreen.db'}"
    upgrade(url)
    chosen = wechat_settings(url, 1, standin.url)
    monkeypatch.setattr(wechat_cli, "get_settings", lambda: chosen)
    return chosen


def test_check_fetches_a_token(settings: Settings, standin: StandIn, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wechat", "check"]) == 0
    out = capsys.readouterr().out
    assert "safe mode" in out and "access token       ok" in out and "standin-secret" not in out
    assert standin.platform.token_requests == 1


def test_check_says_what_is_wrong(settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    wrong = dataclasses.replace(settings, wechat_app_secret="not-the-secret")
    monkeypatch.setattr(wechat_cli, "get_settings", lambda: wrong)
    assert main(["wechat", "check"]) == 1
    assert "40125" in capsys.readouterr().err


def test_menu_is_set_with_the_chat_pages_payloads(settings: Settings, standin: StandIn) -> None:
    assert main(["wechat", "menu"]) == 0
    [menu] = standin.platform.menus
    assert [b["name"] for b in menu["button"]] == ["开始预筛查", "删除回答", "联系团队"]
    assert {b["key"] for b in menu["button"]} == set(MENU_PAYLOADS)
    assert all(len(b["name"].encode()) <= 16 for b in wechat_cli.account_menu("en")["button"])
