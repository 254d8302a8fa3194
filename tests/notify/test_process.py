"""`make run`'s notifier service: started only when configured, and sending from its own process."""

from __future__ import annotations

import time
from email.header import decode_header, make_header
from pathlib import Path

from bot.leads.crypto import FieldCipher
from bot.leads.database import Database
from bot.leads.migrate import upgrade
from bot.leads.store import LeadStore
from bot.ops.run import Stack
from tests.conftest import TEST_KEY
from tests.notify.conftest import MailServer, seed_contact_lead
from tools.stack import throwaway_settings


def test_no_notifier_service_until_configured(tmp_path: Path) -> None:
    assert "notify" not in Stack(throwaway_settings(tmp_path)).services


def test_notifier_process_sends_a_completed_screening(tmp_path: Path, mail_server: MailServer) -> None:
    settings = throwaway_settings(
        tmp_path, data_key=TEST_KEY, smtp_url=f"smtp://127.0.0.1:{mail_server.port}",
        notify_email_to=("team@changhai.example",), notify_poll_s=1, notify_digest_time="off",
    )
    upgrade(settings.database_url)
    store = LeadStore(Database(settings.database_url), FieldCipher(TEST_KEY))
    code = store.get_lead(seed_contact_lead(store)).reference_code
    stack = Stack(settings)
    assert stack.services["notify"].health_url == ""
    stack.start(["notify"])
    try:
        deadline = time.monotonic() + 60
        while not mail_server.messages and time.monotonic() < deadline:
            time.sleep(0.5)
        assert stack.services["notify"].running(), stack.services["notify"].log_tail()
    finally:
        stack.stop(["notify"])
        store.database.engine.dispose()
    # In the default NOTIFY_LANGUAGE, Chinese, encoded as e-mail headers must be (RFC 2047).
    subjects = [str(make_header(decode_header(message["Subject"]))) for message in mail_server.messages]
    assert subjects == [f"新预筛记录 {code}：可能符合"]
    body = mail_server.messages[0].get_payload(decode=True).decode("utf-8")
    assert f"编号：          {code}\n" in body
    assert not stack.services["notify"].running()
