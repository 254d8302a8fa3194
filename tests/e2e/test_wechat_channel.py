"""Whole prescreens through the WeChat channel: the platform's stand-in (tools/wechat_standin.py) pushes
signed, encrypted messages over HTTP to the gateway on the chat page's server and to a second gateway
process, which talk to the real Rasa, action server and lead store. Retries, a token expiring midway,
voice, menu taps, withdrawal, and hostile pushes, checked against what was stored."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy

from bot.leads.crypto import FieldCipher
from bot.leads.database import Database
from bot.leads.store import LeadNotFound, LeadStore
from bot.leads.wechat import WechatStore
from bot.settings import Settings
from bot.web.wechat.app import WEBHOOK_PATH
from bot.web.wechat.identity import conversation_id_for, id_key
from bot.web.wechat.protocol import build_xml
from tests.conftest import TEST_KEY
from tests.e2e.conversations import wrong_language
from tests.e2e.test_chinese_conversations import ELIGIBLE_ZH
from tests.e2e.test_rest_conversations import ELIGIBLE
from tools.wechat_standin import StandIn

pytestmark = pytest.mark.e2e

APP_ID, SECRET, TOKEN = "wxe2e0000000000001", "e2e-app-secret", "e2e-token"
AES = "E2eKeyForSafeModeE2eKeyForSafeModeE2eKey123"  # 43 characters


@dataclass
class WechatStack:
    standin: StandIn
    settings: Settings
    chat_webhook: str
    second_webhook: str

    def store(self) -> LeadStore:
        return LeadStore(Database(self.settings.database_url), FieldCipher(self.settings.data_key))

    def channel_store(self) -> WechatStore:
        return WechatStore(Database(self.settings.database_url), FieldCipher(self.settings.data_key))

    def conversation(self, openid: str) -> str:
        return conversation_id_for(openid, id_key(self.settings))

    def user_turns(self, openid: str) -> int:
        engine = sqlalchemy.create_engine(self.settings.tracker_store_url)
        with engine.connect() as connection:
            return int(connection.execute(sqlalchemy.text(
                "select count(*) from events where sender_id = :s and type_name = 'user'"),
                {"s": self.conversation(openid)}).scalar_one())


@pytest.fixture(scope="module")
def wechat_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WechatStack]:
    """Rasa, actions, the chat page carrying the gateway, and a second gateway process (`python -m
    bot.web.wechat`), all on one database, with the stand-in as the platform."""
    from bot.ops.run import Service, Stack, prepare
    from tools.stack import free_port, throwaway_settings

    standin = StandIn("", APP_ID, SECRET, TOKEN, AES).start()
    settings = throwaway_settings(
        tmp_path_factory.mktemp("wechat"), data_key=TEST_KEY, wechat_token=TOKEN, wechat_app_id=APP_ID,
        wechat_app_secret=SECRET, wechat_aes_key=AES, wechat_api_base=standin.url, wechat_port=free_port(),
        wechat_id_key="e2e-wechat-id-key", wechat_senders=2)
    prepare(settings)
    stack = Stack(settings)
    chat = stack.services["chat"]
    stack.services["wechat"] = Service(
        "WeChat gateway (second worker)", [sys.executable, "-m", "bot.web.wechat"],
        f"http://127.0.0.1:{settings.wechat_port}/webhooks/wechat/health", chat.env,
        settings.var_dir / "log" / "wechat.log")
    stack.start()
    chat_webhook = f"http://127.0.0.1:{settings.chat_port}{WEBHOOK_PATH}"
    standin.gateway_url = chat_webhook
    try:
        yield WechatStack(standin, settings, chat_webhook, f"http://127.0.0.1:{settings.wechat_port}{WEBHOOK_PATH}")
    finally:
        stack.stop()
        standin.stop()


class Patient:
    """One WeChat follower: every message must be answered; the replies' texts are kept."""

    def __init__(self, stack: WechatStack, language: str) -> None:
        self.stack, self.language = stack, language
        self.openid = "o" + uuid.uuid4().hex[:27]  # OpenIDs are 28 characters
        self.texts: list[str] = []
        self.workers = 0

    def say(self, text: str | None = None, kind: str = "text", check_language: bool = True) -> list[str]:
        # every other message goes to the second gateway process: both must agree on everything
        self.workers += 1
        self.stack.standin.gateway_url = (self.stack.chat_webhook, self.stack.second_webhook)[self.workers % 2]
        replies = self.stack.standin.say(self.openid, text, kind=kind, timeout_s=60, quiet_s=0.7)
        assert replies, f"no reply to {text!r}"
        if check_language:
            wrong = wrong_language(replies, self.language)
            assert not wrong, f"replies to {text!r} not in {self.language}: {wrong}"
        self.texts += replies
        return replies

    def say_all(self, *messages: str) -> list[str]:
        return [reply for message in messages for reply in self.say(message)]

    def tap(self, title_part: str) -> list[str]:
        """Tap the item of the last menu whose title holds `title_part`."""
        menu = next(s.message["msgmenu"] for s in reversed(self.stack.standin.sent_to(self.openid))
                    if s.message["msgtype"] == "msgmenu")
        number = next(n for n, item in enumerate(menu["list"], start=1) if title_part in item["content"])
        return self.say(str(number), kind="tap")

    def lead(self):  # type: ignore[no-untyped-def]
        return self.stack.store().get_lead(self.stack.conversation(self.openid))


def test_english_prescreen_with_retries_an_expiring_token_and_two_workers(wechat_stack: WechatStack) -> None:
    patient = Patient(wechat_stack, "en")
    patient.say("hi")  # Chinese by default in WeChat; English because the patient writes English
    patient.tap("Yes, I agree")
    for n, answer in enumerate(ELIGIBLE):
        if n == 5:
            wechat_stack.standin.expire_token()  # the platform calls the token expired midway
        if n == 8:  # WeChat retries a message three times: one turn, one answer
            before = len(wechat_stack.standin.sent_to(patient.openid))
            turns = wechat_stack.user_turns(patient.openid)
            wechat_stack.standin.push(patient.openid, "text", retries=3, Content=answer)
            replies = wechat_stack.standin.wait_replies(patient.openid, before, quiet_s=1.5)
            assert replies and wechat_stack.user_turns(patient.openid) == turns + 1
            continue
        patient.say(answer)
    assert any("you may be able to take part" in t for t in patient.texts)
    patient.say_all("yes please", "Mary Smith", "+86 138 1234 5678", "skip", "mary@example.com", "weekday mornings",
                    "yes")
    assert any("reference code is" in t for t in patient.texts)
    lead = patient.lead()
    assert lead.provisional_status == "likely_eligible" and lead.channel == "wechat"
    assert lead.contact.name == "Mary Smith" and lead.language == "en"
    assert wechat_stack.standin.platform.token_requests >= 2
    assert patient.openid not in lead.conversation_id


def test_chinese_prescreen_with_following_the_menu_voice_and_taps(wechat_stack: WechatStack) -> None:
    patient = Patient(wechat_stack, "zh")
    [welcome] = patient.say(kind="follow")
    assert "开始预筛查" in welcome
    patient.say("PRESCREEN_START", kind="menu")
    consent = patient.texts[-1]
    assert "您同意吗" in consent or "同意" in consent
    patient.tap("我同意")
    patient.say("我爸今年67岁去年做的手术", kind="voice")  # as WeChat transcribes speech: no punctuation
    assert patient.say("", kind="voice") == ["抱歉，这条语音没能转成文字。请点选一个选项，或者打字回复。"]
    assert patient.say(kind="image") == ["抱歉，我只能读懂文字。请用文字回复，或者点选上面的选项。"]
    patient.say_all(*ELIGIBLE_ZH[1:])
    patient.say_all("可以", "王建国", "13800138000", "微信就是这个手机号", "没有邮箱", "工作日上午", "对的")
    assert any("PS-" in t for t in patient.texts)
    lead = patient.lead()
    assert lead.provisional_status == "likely_eligible" and lead.channel == "wechat" and lead.language == "zh"
    assert lead.contact.name == "王建国"
    assert {a["check_id"]: a for a in lead.answers}["age"]["value"] == "67"


def test_withdrawal_from_the_account_menu_erases_the_lead_and_the_openid(wechat_stack: WechatStack) -> None:
    patient = Patient(wechat_stack, "zh")
    patient.say_all("你好", "同意", *ELIGIBLE_ZH[:3])
    conversation = wechat_stack.conversation(patient.openid)
    assert patient.lead().channel == "wechat"
    assert wechat_stack.channel_store().openid_of(conversation) == patient.openid
    asked = patient.say("PRESCREEN_DELETE", kind="menu")  # nothing is erased on one message: asked first
    assert any("删除您告诉我的所有内容吗" in text for text in asked)
    assert patient.lead().channel == "wechat"
    withdrawn = patient.say("是")
    assert any("删除了" in text for text in withdrawn)
    with pytest.raises(LeadNotFound):
        patient.lead()
    assert wechat_stack.channel_store().openid_of(conversation) is None
    time.sleep(0.5)
    with wechat_stack.channel_store().database.session() as session:
        left = session.execute(sqlalchemy.text(
            "select count(*) from wechat_messages where conversation_id = :c and openid_encrypted is not null"),
            {"c": conversation}).scalar_one()
    assert left == 0


def test_hostile_and_replayed_pushes_change_nothing(wechat_stack: WechatStack) -> None:
    patient = Patient(wechat_stack, "zh")
    patient.say("你好")
    turns = wechat_stack.user_turns(patient.openid)
    sent = len(wechat_stack.standin.sent_to(patient.openid))
    standin = wechat_stack.standin
    fields = standin.message_fields(patient.openid, "text", Content="同意")
    xml = build_xml(fields)
    assert standin.push_xml(xml, patient.openid, bad_signature=True).status_code == 403
    assert standin.push_xml(xml, patient.openid, timestamp=int(time.time()) - 3600).status_code == 403
    bomb = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
            "<xml><Content>&b;</Content></xml>")
    assert standin.push_xml(bomb, patient.openid).status_code == 400
    assert standin.push_xml("<xml>" + "<A>x</A>" * 5000 + "</xml>", patient.openid).status_code == 413
    time.sleep(2)
    assert wechat_stack.user_turns(patient.openid) == turns and len(standin.sent_to(patient.openid)) == sent
    # a message answered, replayed later with its MsgId: answered "success", never a second turn
    patient.say("同意")
    turns = wechat_stack.user_turns(patient.openid)
    sent = len(standin.sent_to(patient.openid))
    assert standin.retry_last(patient.openid).text == "success"
    time.sleep(2)
    assert wechat_stack.user_turns(patient.openid) == turns and len(standin.sent_to(patient.openid)) == sent
    # a message type the platform may add one day: a kind answer, and the conversation goes on
    standin.push(patient.openid, "hologram", Payload="x")
    assert standin.wait_replies(patient.openid, sent, quiet_s=0.7)
    assert patient.say(ELIGIBLE_ZH[0])
