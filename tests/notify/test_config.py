"""Notification settings: SMTP URLs, the digest time, and errors that name the variable to fix."""

from __future__ import annotations

import dataclasses
import os
from datetime import time
from pathlib import Path

import pytest

from bot.notify.config import NotifyConfigError, SmtpServer, notify_config, parse_smtp_url
from bot.settings import PROJECT_ROOT, get_settings
from tests.notify.certificates import Certificates


@pytest.mark.parametrize(("url", "server"), [
    ("smtp://user:p%40ss@mail.example.org:587", SmtpServer("mail.example.org", 587, "starttls", "user", "p@ss")),
    ("smtp://user:pw@mail.example.org", SmtpServer("mail.example.org", 587, "starttls", "user", "pw")),
    ("smtps://user:pw@smtp.exmail.qq.com", SmtpServer("smtp.exmail.qq.com", 465, "tls", "user", "pw")),
    ("smtp://relay.intranet", SmtpServer("relay.intranet", 25, "starttls", "", "")),
])
def test_smtp_urls(url: str, server: SmtpServer) -> None:
    assert parse_smtp_url(url) == server


@pytest.mark.parametrize(("changes", "names"), [
    ({"smtp_url": "mail.example.org:587"}, "SMTP_URL"),
    ({"notify_webhook_format": "dingtalk"}, "NOTIFY_WEBHOOK_FORMAT"),
    ({"notify_language": "fr"}, "NOTIFY_LANGUAGE"),
    ({"notify_statuses": ("eligible",)}, "NOTIFY_STATUSES"),
    ({"notify_digest_time": "half past eight"}, "NOTIFY_DIGEST_TIME"),
    ({"notify_max_attempts": 0}, "NOTIFY_MAX_ATTEMPTS"),
    ({"coordinator_timezone": "Mars/Olympus"}, "COORDINATOR_TIMEZONE"),
])
def test_a_wrong_setting_is_named(changes: dict[str, object], names: str) -> None:
    with pytest.raises(NotifyConfigError, match=names):
        notify_config(dataclasses.replace(get_settings(), **changes))  # type: ignore[arg-type]


def test_digest_time_and_links() -> None:
    settings = dataclasses.replace(get_settings(), notify_digest_time="07:05", coordinator_public_url="",
                                   coordinator_host="0.0.0.0", coordinator_port=8123)
    config = notify_config(settings)
    assert config.digest_time == time(7, 5) and config.public_url == "http://127.0.0.1:8123"
    assert notify_config(dataclasses.replace(settings, notify_digest_time="off")).digest_time is None


def test_smtp_ca_file_is_checked_and_found_from_the_project(tmp_path: Path, certificates: Certificates) -> None:
    settings = dataclasses.replace(get_settings(), smtp_url="smtp://relay.intranet:25")
    assert notify_config(settings).smtp_ca_file == ""  # the system's list
    assert notify_config(dataclasses.replace(settings, smtp_ca_file=str(certificates.ca_file))).smtp_ca_file == str(
        certificates.ca_file
    )
    relative = os.path.relpath(certificates.ca_file, PROJECT_ROOT)  # as written in .env, from the project
    assert notify_config(dataclasses.replace(settings, smtp_ca_file=relative)).smtp_ca_file == str(
        (PROJECT_ROOT / relative).resolve()
    )
    with pytest.raises(NotifyConfigError, match="SMTP_CA_FILE: no file at"):
        notify_config(dataclasses.replace(settings, smtp_ca_file=str(tmp_path / "missing.pem")))
    not_pem = tmp_path / "hospital-ca.der"
    not_pem.write_bytes(b"\x30\x82\x01\x0a not a certificate")
    with pytest.raises(NotifyConfigError, match="SMTP_CA_FILE: .* is not a readable PEM certificate"):
        notify_config(dataclasses.replace(settings, smtp_ca_file=str(not_pem)))
