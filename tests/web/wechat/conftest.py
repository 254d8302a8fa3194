"""Fixtures for the WeChat gateway: the gateway on a real socket, the platform's stand-in
(tools/wechat_standin.py) on another, a canned Rasa, and a migrated lead database."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from bot.leads.crypto import FieldCipher
from bot.leads.database import Database
from bot.leads.migrate import upgrade
from bot.leads.wechat import WechatStore
from bot.settings import Settings
from bot.web.wechat.app import WEBHOOK_PATH, create_app
from tests.conftest import TEST_KEY
from tests.web.chat.canned_rasa import CannedRasa, make_settings
from tools.wechat_standin import StandIn

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as an EncodingAESKey
APP_ID = "wx1234567890abcdef"


def wechat_settings(database_url: str, rasa_port: int, api_base: str, aes: str = AES_KEY, **overrides: Any
                    ) -> Settings:
    return dataclasses.replace(
        make_settings(rasa_port), database_url=database_url, data_key=TEST_KEY, old_data_keys=(),
        wechat_token="standin-token", wechat_app_id=APP_ID, wechat_app_secret="standin-secret",
        wechat_aes_key=aes, wechat_api_base=api_base, wechat_id_key="", wechat_senders=2, **overrides)


class Served:
    """A WSGI app on a loopback port, in a thread."""

    def __init__(self, app: Any) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


@dataclass
class Channel:
    standin: StandIn
    rasa: CannedRasa
    settings: Settings
    store: WechatStore
    gateway: Any
    url: str


def open_channel(tmp_path: Path, aes: str = AES_KEY, **overrides: Any) -> tuple[Channel, list[Any]]:
    url = f"sqlite:///{tmp_path / 'prescreen.db'}"
    upgrade(url)
    rasa = CannedRasa()
    standin = StandIn("", APP_ID, "standin-secret", "standin-token", aes).start()
    settings = wechat_settings(url, rasa.port, standin.url, aes, **overrides)
    app = create_app(settings)
    served = Served(app)
    standin.gateway_url = f"http://127.0.0.1:{served.port}{WEBHOOK_PATH}"
    store = WechatStore(Database(url), FieldCipher(TEST_KEY))
    channel = Channel(standin, rasa, settings, store, app.extensions["wechat_gateway"], standin.gateway_url)
    return channel, [served, standin, rasa]


@pytest.fixture
def channel(tmp_path: Path) -> Iterator[Channel]:
    opened, parts = open_channel(tmp_path)
    yield opened
    opened.gateway.worker.stop()
    for part in parts:
        getattr(part, "stop", getattr(part, "close", lambda: None))()


@pytest.fixture
def plain_channel(tmp_path: Path) -> Iterator[Channel]:
    opened, parts = open_channel(tmp_path, aes="")
    yield opened
    opened.gateway.worker.stop()
    for part in parts:
        getattr(part, "stop", getattr(part, "close", lambda: None))()
