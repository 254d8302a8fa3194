"""The health check counts the WeChat channel's problems and fails on messages stuck unanswered."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.leads.crypto import FieldCipher
from bot.leads.database import Database
from bot.leads.migrate import upgrade
from bot.leads.models import WechatMessage
from bot.leads.wechat import WechatStore, now
from bot.ops.health import run_checks, wechat_check
from tests.conftest import TEST_KEY
from tests.web.wechat.conftest import wechat_settings


def test_problems_are_counted_and_a_stuck_message_fails_the_check(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'prescreen.db'}"
    upgrade(url)
    settings = wechat_settings(url, 1, "http://127.0.0.1:1")
    store = WechatStore(Database(url), FieldCipher(TEST_KEY))
    assert wechat_check(settings) == "last 24 h problems: none"
    store.record_problem("window_closed", 45015)
    store.record_problem("rate_limit", 45009)
    store.record_problem("rate_limit", 45009)
    assert wechat_check(settings) == "last 24 h problems: rate_limit 2, window_closed 1"
    assert store.accept("k1", "wx-1", "oPatient", {"kind": "text", "text": "你好"})
    with store.database.transaction() as session:
        session.execute(update(WechatMessage).values(next_attempt_at=now() - timedelta(minutes=10)))
    with pytest.raises(RuntimeError, match="1 messages unanswered"):
        wechat_check(settings)
    [check] = [c for c in run_checks(settings, timeout=0.2) if c.name == "wechat channel"]
    assert not check.ok and "oPatient" not in check.detail
    off = dataclasses.replace(settings, wechat_token="")
    assert "wechat channel" not in [c.name for c in run_checks(off, timeout=0.2)]
