"""The gateway's pure parts as tables: the assistant's messages fitted to WeChat, and what a push says."""

from __future__ import annotations

import pytest

from bot.web.wechat.inbound import choice_payload, dedupe_key, read_push, resolve
from bot.web.wechat.replies import as_wechat, fit_quota, numbered_choices, units_of
from bot.web.wechat.speech import PlatformRecognition
from bot.web.wechat.texts import texts_for

YES_NO = [{"title": "是", "payload": "/affirm"}, {"title": "不是", "payload": "/deny"},
          {"title": "不确定", "payload": "/dont_know"}]
OFFERED = [{"id": "301", "title": "是", "payload": "/affirm"}, {"id": "302", "title": "不是", "payload": "/deny"}]


def test_numbered_choices_read_as_the_issue_writes_them() -> None:
    assert numbered_choices(YES_NO, texts_for("zh")) == "回复 1 是，2 不是，3 不确定"
    assert numbered_choices(YES_NO[:2], texts_for("en")) == "Reply 1 for 是, 2 for 不是"


@pytest.mark.parametrize("quota", [1, 2, 3, 5])
def test_the_quota_merges_without_losing_a_word_and_keeps_the_question_last(quota: int) -> None:
    messages = [{"text": f"说明{n}"} for n in range(6)] + [{"text": "您同意吗？", "buttons": YES_NO}]
    units = fit_quota(units_of(messages), quota)
    assert len(units) == min(quota, 7)
    joined = "\n\n".join(u.text for u in units)
    assert all(f"说明{n}" in joined for n in range(6)) and joined.endswith("您同意吗？")
    assert units[-1].buttons and all(not u.buttons for u in units[:-1])


def test_buttons_without_text_join_the_text_before_them() -> None:
    [unit] = units_of([{"text": "您同意吗？"}, {"buttons": YES_NO}])
    assert unit.text == "您同意吗？" and len(unit.buttons) == 3


def test_menus_carry_their_number_and_a_fallback() -> None:
    messages, offered = as_wechat([{"text": "您同意吗？", "buttons": YES_NO[:2]}], ["欢迎"], texts_for("zh"), 5,
                                  menus=True, menu_seq=3)
    assert [m["msgtype"] for m in messages] == ["text", "msgmenu"]
    assert [item["id"] for item in messages[1]["msgmenu"]["list"]] == ["301", "302"]
    assert messages[1]["fallback"] == "您同意吗？\n回复 1 是，2 不是"
    assert offered == OFFERED
    plain, _ = as_wechat([{"text": "好的"}], [], texts_for("zh"), 5, menus=True, menu_seq=4)
    assert plain == [{"msgtype": "text", "text": {"content": "好的"}}]


@pytest.mark.parametrize(("text", "menu_id", "expected"), [
    ("是", "302", "/deny"),  # the tapped item's id wins over its words
    ("不是", "999", "/deny"),  # an old menu's tap: read by its words
    ("1", "", "/affirm"),
    ("２", "", "/deny"),  # full-width
    (" 2。", "", "/deny"),
    ("3", "", None),  # no third choice
    ("是的，我同意", "", None),  # words for the assistant to read
])
def test_a_choice_maps_back_to_its_payload(text: str, menu_id: str, expected: str | None) -> None:
    assert choice_payload(text, menu_id, OFFERED) == expected


def test_numbers_are_the_patients_words_when_nothing_is_on_offer() -> None:
    assert resolve({"kind": "text", "text": "1", "menu_id": ""}, []).to_assistant == "1"


@pytest.mark.parametrize(("fields", "kind", "notices"), [
    ({"MsgType": "voice", "Recognition": "我今年六十八岁。", "MediaId": "m"}, "voice", []),
    ({"MsgType": "voice", "Recognition": "", "MediaId": "m"}, "voice", ["voice_unclear"]),
    ({"MsgType": "image", "PicUrl": "http://x"}, "unreadable", ["please_type"]),
    ({"MsgType": "location", "Location_X": "31.2"}, "unreadable", ["please_type"]),
    ({"MsgType": "event", "Event": "subscribe"}, "subscribe", ["welcome"]),
    ({"MsgType": "event", "Event": "unsubscribe"}, "ignore", []),
    ({"MsgType": "event", "Event": "CLICK", "EventKey": "PRESCREEN_CALL"}, "menu", []),
    ({"MsgType": "text", "Content": "长" * 2001}, "text", ["too_long"]),
])
def test_what_a_push_says(fields: dict[str, str], kind: str, notices: list[str]) -> None:
    push = read_push(fields, PlatformRecognition())
    assert push["kind"] == kind
    assert resolve(push, []).notices == notices


def test_the_voice_words_and_the_menu_payloads() -> None:
    voice = read_push({"MsgType": "voice", "Recognition": "我今年六十八岁。"}, PlatformRecognition())
    assert resolve(voice, []).to_assistant == "我今年六十八岁"
    call = read_push({"MsgType": "event", "Event": "CLICK", "EventKey": "PRESCREEN_CALL"}, PlatformRecognition())
    assert resolve(call, []).to_assistant == "/human_handoff"


def test_the_dedupe_key_is_the_msgid_or_the_events_sender_and_time() -> None:
    key = b"k" * 32
    message = {"MsgId": "1234", "FromUserName": "oA", "CreateTime": "1"}
    assert dedupe_key(message, key) == dedupe_key({**message, "CreateTime": "2"}, key)  # WeChat's retry
    event = {"FromUserName": "oA", "CreateTime": "1", "Event": "subscribe"}
    assert dedupe_key(event, key) != dedupe_key({**event, "FromUserName": "oB"}, key)
    assert "oA" not in dedupe_key(event, key) and len(dedupe_key(event, key)) == 64
