"""The gateway between the platform's stand-in (over HTTP) and a canned Rasa: what is refused before
anything happens, what is answered once, and what the patient is sent."""

from __future__ import annotations

import time
from pathlib import Path

import requests
from sqlalchemy import func, select

from bot.leads.models import WechatMessage, WechatPatient
from bot.web.wechat.identity import PREFIX
from bot.web.wechat.protocol import build_xml, signature
from tests.web.wechat.conftest import Channel, open_channel

YES_NO = [{"text": "您是否确诊为结直肠癌？",
           "buttons": [{"title": "是", "payload": "/affirm"}, {"title": "不是", "payload": "/deny"},
                       {"title": "不确定", "payload": "/dont_know"}]}]


def turns(channel: Channel) -> list[dict]:
    return [r["body"] for r in channel.rasa.received if r["path"] == "/webhooks/rest/webhook"]


def stored(channel: Channel) -> int:
    with channel.store.database.session() as session:
        return int(session.execute(select(func.count(WechatMessage.id))).scalar_one())


def settle(channel: Channel, timeout_s: float = 10) -> None:
    """Until every stored message is finished."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with channel.store.database.session() as session:
            open_ = session.execute(select(func.count(WechatMessage.id)).where(
                WechatMessage.status.in_(("pending", "at_rasa", "sending")))).scalar_one()
        if not open_:
            return
        time.sleep(0.05)
    raise AssertionError("messages still unfinished")


# ------------------------------------------------------------------ refused before anything happens


def test_the_handshake_echoes_only_a_signed_request(channel: Channel) -> None:
    stamp, nonce = str(int(time.time())), "n0nce"
    good = {"timestamp": stamp, "nonce": nonce, "echostr": "4711",
            "signature": signature("standin-token", stamp, nonce)}
    assert requests.get(channel.url, params=good, timeout=5).text == "4711"
    assert requests.get(channel.url, params={**good, "signature": "0" * 40}, timeout=5).status_code == 403
    old = str(int(time.time()) - 3600)
    stale = {**good, "timestamp": old, "signature": signature("standin-token", old, nonce)}
    assert requests.get(channel.url, params=stale, timeout=5).status_code == 403


def test_bad_signatures_stale_pushes_and_hostile_xml_never_reach_rasa(channel: Channel) -> None:
    fields = channel.standin.message_fields("oPatientA", "text", Content="你好")
    xml = build_xml(fields)
    assert channel.standin.push_xml(xml, bad_signature=True).status_code == 403
    assert channel.standin.push_xml(xml, timestamp=int(time.time()) - 600).status_code == 403
    bomb = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            "<xml><Content>&b;</Content></xml>")
    assert channel.standin.push_xml(bomb).status_code == 400
    external = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY s SYSTEM "file:///etc/passwd">]><xml><A>&s;</A></xml>'
    assert channel.standin.push_xml(external).status_code == 400
    assert channel.standin.push_xml("<xml><Content>broken").status_code == 400
    assert channel.standin.push_xml("<xml><Content>" + "长" * 20000 + "</Content></xml>").status_code == 413
    # safe mode: a plain push (no Encrypt), even well signed, is refused
    assert channel.standin.push_xml(xml, raw_body=xml.encode()).status_code == 403
    time.sleep(0.5)
    assert turns(channel) == [] and stored(channel) == 0 and channel.standin.platform.sent == []


def test_the_channel_is_off_until_configured(tmp_path: Path) -> None:
    from bot.web.chat.app import create_app as chat_app
    from tests.web.chat.canned_rasa import make_settings

    client = chat_app(make_settings(1)).test_client()
    assert client.get("/webhooks/wechat/webhook").status_code == 404


# ------------------------------------------------------------------ answered once, in order


def test_a_message_is_answered_once_however_often_wechat_retries(channel: Channel) -> None:
    channel.rasa.reply_with([{"text": "您好！我是预筛查助手。"}])
    response = channel.standin.push("oPatientA", "text", retries=3, Content="你好")
    assert response.text == "success"
    replies = channel.standin.wait_replies("oPatientA", 0, quiet_s=0.8)
    settle(channel)
    assert [r.message["text"]["content"] for r in replies] == ["您好！我是预筛查助手。"]
    [turn] = turns(channel)
    assert turn["message"] == "你好" and turn["metadata"] == {"lang": "zh"}
    assert turn["sender"].startswith(PREFIX) and "oPatientA" not in turn["sender"]
    assert stored(channel) == 1


def test_a_second_gateway_worker_never_makes_a_second_turn(channel: Channel, tmp_path: Path) -> None:
    from bot.web.wechat.app import WEBHOOK_PATH, create_app
    from tests.web.wechat.conftest import Served

    second = Served(create_app(channel.settings))
    try:
        channel.rasa.reply_with([{"text": "好的"}])
        fields = channel.standin.message_fields("oPatientB", "text", Content="开始")
        xml = build_xml(fields)
        first_url = channel.standin.gateway_url
        channel.standin.push_xml(xml, "oPatientB")
        channel.standin.gateway_url = f"http://127.0.0.1:{second.port}{WEBHOOK_PATH}"
        channel.standin.push_xml(xml, "oPatientB")
        channel.standin.push_xml(xml, "oPatientB")
        channel.standin.gateway_url = first_url
        channel.standin.wait_replies("oPatientB", 0, quiet_s=0.8)
        settle(channel)
        assert len(turns(channel)) == 1 and len(channel.standin.sent_to("oPatientB")) == 1
    finally:
        second.stop()


def test_messages_keep_their_order_with_several_workers(channel: Channel) -> None:
    channel.rasa.respond = lambda body: (200, f'[{{"text": "echo {body["message"]}"}}]'.encode())
    for n in range(6):
        channel.standin.text("oPatientC", f"第{n}条")
    # six messages at once may use up the platform's quota for the last one (five replies): anything
    # held goes out, in order, when the patient writes again
    time.sleep(3)
    channel.standin.text("oPatientC", "第6条")
    deadline = time.monotonic() + 30
    while len(channel.standin.sent_to("oPatientC")) < 7 and time.monotonic() < deadline:
        time.sleep(0.1)
    settle(channel)
    assert [s.message["text"]["content"] for s in channel.standin.sent_to("oPatientC")] == \
        [f"echo 第{n}条" for n in range(7)]


# ------------------------------------------------------------------ what the patient is sent


def test_buttons_become_a_menu_whose_tap_sends_the_payload(channel: Channel) -> None:
    channel.rasa.reply_with(YES_NO)
    channel.standin.say("oPatientD", "开始", quiet_s=0.5)
    [menu] = [s.message for s in channel.standin.sent_to("oPatientD")]
    assert menu["msgtype"] == "msgmenu" and "fallback" not in menu
    assert menu["msgmenu"]["head_content"] == "您是否确诊为结直肠癌？"
    assert [item["content"] for item in menu["msgmenu"]["list"]] == ["是", "不是", "不确定"]
    channel.standin.say("oPatientD", "2", kind="tap", quiet_s=0.5)
    assert turns(channel)[-1]["message"] == "/deny"
    channel.standin.say("oPatientD", "３", quiet_s=0.5)  # a full-width number typed
    assert turns(channel)[-1]["message"] == "/dont_know"
    channel.standin.say("oPatientD", "是", quiet_s=0.5)  # the title typed
    assert turns(channel)[-1]["message"] == "/affirm"
    channel.rasa.reply_with([{"text": "您多大年纪？"}])
    channel.standin.say("oPatientD", "我不太清楚，医生没说", quiet_s=0.5)
    channel.standin.say("oPatientD", "1", quiet_s=0.5)  # no buttons on offer now: "1" is the patient's words
    assert turns(channel)[-2]["message"] == "我不太清楚，医生没说" and turns(channel)[-1]["message"] == "1"


def test_a_refused_menu_is_sent_as_numbered_choices(channel: Channel) -> None:
    channel.rasa.reply_with(YES_NO)
    channel.standin.refuse(40008)  # the platform will not take this message type here
    replies = channel.standin.say("oPatientE", "开始", quiet_s=0.5)
    assert replies == ["您是否确诊为结直肠癌？\n回复 1 是，2 不是，3 不确定"]
    channel.standin.say("oPatientE", "1", quiet_s=0.5)
    assert turns(channel)[-1]["message"] == "/affirm"


def test_menus_switched_off_give_numbered_choices_in_english(tmp_path: Path) -> None:
    opened, parts = open_channel(tmp_path, wechat_menu_messages=False)
    try:
        yes_no = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
        opened.rasa.reply_with([{"text": "Have you been diagnosed with colorectal cancer?", "buttons": yes_no}])
        replies = opened.standin.say("oPatientF", "hello", quiet_s=0.5)
        assert replies == ["Have you been diagnosed with colorectal cancer?\nReply 1 for Yes, 2 for No"]
        opened.standin.say("oPatientF", "2", quiet_s=0.5)
        assert turns(opened)[-1]["message"] == "/deny"
        assert turns(opened)[-1]["metadata"] == {"lang": "en"}  # the conversation went English
    finally:
        opened.gateway.worker.stop()
        for part in parts:
            getattr(part, "stop", getattr(part, "close", lambda: None))()


def test_the_quota_merges_texts_and_cuts_nothing(channel: Channel) -> None:
    texts = [f"第{n}段说明。" for n in range(8)]
    channel.rasa.reply_with([{"text": t} for t in texts] + YES_NO)
    channel.standin.say("oPatientG", "开始", quiet_s=0.5)
    sent = [s.message for s in channel.standin.sent_to("oPatientG")]
    assert len(sent) == 5
    shown = "\n".join(m["text"]["content"] if m["msgtype"] == "text" else m["msgmenu"]["head_content"] for m in sent)
    assert all(t in shown for t in texts) and sent[-1]["msgtype"] == "msgmenu"
    assert sent[-1]["msgmenu"]["head_content"].endswith("您是否确诊为结直肠癌？")


def test_voice_is_read_from_recognition_or_kindly_refused(channel: Channel) -> None:
    channel.rasa.reply_with([{"text": "好的"}])
    channel.standin.say("oPatientH", "我今年六十八岁。", kind="voice", quiet_s=0.5)
    assert turns(channel)[-1]["message"] == "我今年六十八岁"
    replies = channel.standin.say("oPatientH", "", kind="voice", quiet_s=0.5)
    assert replies == ["抱歉，这条语音没能转成文字。请点选一个选项，或者打字回复。"] and len(turns(channel)) == 1


def test_images_and_following_get_the_gateways_own_words(channel: Channel) -> None:
    assert channel.standin.say("oPatientI", kind="image", quiet_s=0.5) == [
        "抱歉，我只能读懂文字。请用文字回复，或者点选上面的选项。"]
    [welcome] = channel.standin.say("oPatientI", kind="follow", quiet_s=0.5)
    assert "开始预筛查" in welcome
    channel.rasa.reply_with([{"text": "好的，我们开始。"}])
    channel.standin.say("oPatientI", "PRESCREEN_DELETE", kind="menu", quiet_s=0.5)
    assert turns(channel)[-1]["message"] == "/withdraw"


def test_an_unknown_message_type_is_answered_kindly(channel: Channel) -> None:
    replies_before = len(channel.standin.sent_to("oPatientJ"))
    channel.standin.push("oPatientJ", "hologram", Payload="x")
    replies = channel.standin.wait_replies("oPatientJ", replies_before, quiet_s=0.5)
    please_type = "抱歉，我只能读懂文字。请用文字回复，或者点选上面的选项。"
    assert [r.message["text"]["content"] for r in replies] == [please_type]
    assert turns(channel) == []


def test_rasa_down_is_told_to_the_patient_and_counted(channel: Channel) -> None:
    channel.rasa.reply_with({"error": "boom"}, status=500)
    [reply] = channel.standin.say("oPatientK", "你好", quiet_s=0.5)
    assert "助手暂时无法回答" in reply and channel.settings.study_contact_phone in reply
    assert channel.store.problems_since(_an_hour_ago()).get("assistant_unavailable") == 1


# ------------------------------------------------------------------ the platform's error codes


def test_an_expired_token_is_refreshed_once_and_nothing_is_lost(channel: Channel) -> None:
    channel.rasa.reply_with([{"text": "好的"}])
    channel.standin.say("oPatientL", "你好", quiet_s=0.5)
    assert channel.standin.platform.token_requests == 1
    channel.standin.expire_token()
    channel.standin.say("oPatientL", "还在吗", quiet_s=0.5)
    assert len(channel.standin.sent_to("oPatientL")) == 2
    assert channel.standin.platform.token_requests == 2
    assert channel.store.problems_since(_an_hour_ago()).get("token") == 1


def test_many_patients_at_once_share_one_token(channel: Channel) -> None:
    channel.rasa.reply_with([{"text": "好的"}])
    for n in range(8):
        channel.standin.text(f"oCrowd{n}", "你好")
    for n in range(8):
        channel.standin.wait_replies(f"oCrowd{n}", 0, quiet_s=0.3)
    assert channel.standin.platform.token_requests == 1


def test_a_rate_limit_is_waited_out(channel: Channel) -> None:
    channel.rasa.reply_with([{"text": "好的"}])
    channel.standin.refuse(45009)
    [reply] = channel.standin.say("oPatientM", "你好", timeout_s=20, quiet_s=0.5)
    assert reply == "好的"
    assert channel.store.problems_since(_an_hour_ago()).get("rate_limit") == 1


def test_replies_over_the_quota_wait_for_the_patients_next_message(channel: Channel) -> None:
    channel.rasa.respond = lambda body: (200, f'[{{"text": "echo {body["message"]}"}}]'.encode())
    channel.standin.refuse(45047)
    channel.standin.text("oPatientQ", "第一条")
    time.sleep(2)
    assert channel.standin.sent_to("oPatientQ") == []
    with channel.store.database.session() as session:
        assert session.execute(select(WechatMessage.last_error)).scalar_one() == "quota:45047"
    assert channel.store.backlog(0) == 0  # held on purpose: not a stuck channel
    channel.standin.text("oPatientQ", "第二条")
    deadline = time.monotonic() + 20
    while len(channel.standin.sent_to("oPatientQ")) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [s.message["text"]["content"] for s in channel.standin.sent_to("oPatientQ")] == \
        ["echo 第一条", "echo 第二条"]
    assert channel.store.problems_since(_an_hour_ago()).get("quota") == 1


def test_a_closed_window_or_an_unfollowed_patient_is_recorded_not_retried(channel: Channel) -> None:
    channel.rasa.reply_with([{"text": "好的"}, {"text": "第二条"}])
    channel.standin.refuse(45015)
    channel.standin.text("oPatientN", "你好")
    settle(channel)
    with channel.store.database.session() as session:
        row = session.execute(select(WechatMessage)).scalar_one()
    assert row.status == "undelivered" and row.last_error == "window_closed:45015"
    assert row.openid_encrypted is None and row.replies_encrypted is None
    channel.standin.unfollow("oPatientN")
    channel.standin.text("oPatientN", "再试")
    settle(channel)
    problems = channel.store.problems_since(_an_hour_ago())
    assert problems.get("window_closed") == 1 and problems.get("unsubscribed") == 1


# ------------------------------------------------------------------ privacy


def test_the_openid_is_stored_encrypted_and_erased_with_the_conversation(channel: Channel, tmp_path: Path) -> None:
    from bot.leads.store import LeadStore

    channel.rasa.reply_with([{"text": "好的"}])
    channel.standin.say("oSecretOpenId123", "你好", quiet_s=0.5)
    database_bytes = (tmp_path / "prescreen.db").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("prescreen.db-*"))
    assert b"oSecretOpenId123" not in database_bytes
    with channel.store.database.session() as session:
        [patient] = session.execute(select(WechatPatient)).scalars().all()
    assert channel.store.openid_of(patient.conversation_id) == "oSecretOpenId123"
    LeadStore(channel.store.database, channel.store.cipher).erase_conversation(patient.conversation_id)
    assert channel.store.openid_of(patient.conversation_id) is None


def test_plain_mode_works_too(plain_channel: Channel) -> None:
    plain_channel.rasa.reply_with([{"text": "您好"}])
    assert plain_channel.standin.say("oPlain", "你好", quiet_s=0.5) == ["您好"]


def _an_hour_ago():  # type: ignore[no-untyped-def]
    from datetime import datetime, timedelta, timezone

    return datetime.now(timezone.utc) - timedelta(hours=1)


def test_an_empty_answer_is_not_a_silent_dead_end(channel: Channel) -> None:
    channel.rasa.reply_with([])  # what Rasa answers when its lock store is down
    [reply] = channel.standin.say("oPatientSilent", "你好", quiet_s=0.5)
    assert "助手暂时无法回答" in reply
    assert channel.store.problems_since(_an_hour_ago()).get("assistant_silent") == 1
