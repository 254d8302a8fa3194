"""One rule for "a server listening on every address": connect through the loopback, print localhost
(bot/settings.py's local_host, used by the settings' URLs, the notifier's links, `make run` and the apps)."""

from __future__ import annotations

import pytest

from bot.notify.config import notify_config
from bot.settings import Settings, local_host
from bot.web.serving import shown_host


@pytest.mark.parametrize(("host", "connect", "shown"), [
    ("0.0.0.0", "127.0.0.1", "localhost"), ("::", "127.0.0.1", "localhost"), ("", "127.0.0.1", "localhost"),
    ("127.0.0.1", "127.0.0.1", "localhost"), ("10.0.0.5", "10.0.0.5", "10.0.0.5"),
    ("prescreen.hospital.cn", "prescreen.hospital.cn", "prescreen.hospital.cn"),
])
def test_every_wildcard_address_is_reached_through_the_loopback(host: str, connect: str, shown: str) -> None:
    assert local_host(host) == connect and shown_host(host) == shown
    settings = Settings(rasa_host=host, actions_host=host, coordinator_host=host)
    assert settings.rasa_url == f"http://{connect}:5005"
    assert settings.action_endpoint_url == f"http://{connect}:5055/webhook"
    assert notify_config(settings).public_url == f"http://{connect}:{settings.coordinator_port}"
