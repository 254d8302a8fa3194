"""The contact form in both languages: permission (with "not sure"), names, phones, WeChat, the read-back.

Each test asserts the full list of events returned and the messages sent.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from rasa_sdk.events import SlotSet

from actions.contact_form import ActionAskContactConfirmed, ActionAskContactWechat, ValidateContactForm
from tests.actions.conftest import run, sent

FORM = ValidateContactForm()
NAMED = {"contact_ok": True, "contact_name": "王建国"}


def validate(make_tracker, dispatcher, domain, text: str, slot: str, slots: dict | None = None,
             intent: str = "nlu_fallback", language: str = "en") -> list:
    tracker = make_tracker(text, intent, 0.3, active_loop="contact_form", requested_slot=slot,
                           slots={"language": language, **(slots or {})})
    return run(FORM, dispatcher, tracker, domain)


def test_the_wechat_step_comes_after_the_phone(make_tracker, dispatcher, domain) -> None:
    tracker = make_tracker(active_loop="contact_form", slots={"contact_ok": True})
    slots = asyncio.run(FORM.required_slots([], dispatcher, tracker, domain))
    assert slots == ["contact_ok", "contact_name", "contact_phone", "contact_wechat", "contact_email",
                     "contact_time", "contact_confirmed"]
    assert domain["forms"]["contact_form"]["required_slots"] == slots


# Issue 14: "not sure" to "may a coordinator contact you?" is accepted, explained, and the question asked again.
@pytest.mark.parametrize(
    ("text", "language"),
    [("not sure", "en"), ("maybe", "en"), ("I need to think about it", "en"), ("let me think", "en"),
     ("不确定", "zh"), ("再说吧", "zh"), ("考虑一下", "zh"), ("我要跟家里人商量一下", "zh"), ("可能吧", "zh")],
)
def test_contact_ok_not_sure_is_answered_kindly(make_tracker, dispatcher, domain, text: str, language: str) -> None:
    assert validate(make_tracker, dispatcher, domain, text, "contact_ok", language=language) == [
        SlotSet("contact_ok", None)]
    assert sent(dispatcher) == [{"response": "utter_contact_ok_unsure"}]


def test_contact_ok_unreadable_does_not_offer_not_sure(make_tracker, dispatcher, domain) -> None:
    assert validate(make_tracker, dispatcher, domain, "banana", "contact_ok") == [SlotSet("contact_ok", None)]
    assert sent(dispatcher) == [{"response": "utter_invalid_contact_ok"}]
    invalid = " ".join(v["text"] for v in domain["responses"]["utter_invalid_contact_ok"])
    assert "not sure" not in invalid and "不确定" not in invalid


@pytest.mark.parametrize(("text", "ok"), [("可以", True), ("好的，请联系我", True), ("不用了，谢谢", False),
                                          ("yes please", True), ("no thanks", False)])
def test_contact_ok_in_both_languages(make_tracker, dispatcher, domain, text: str, ok: bool) -> None:
    events = validate(make_tracker, dispatcher, domain, text, "contact_ok")
    # A "no" ends the form at once: nothing more is asked.
    assert events == [SlotSet("contact_ok", ok)] + ([] if ok else [SlotSet("requested_slot", None)])
    assert sent(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "name", "response"),
    [("我叫王建国", "王建国", None), ("李阿姨", "李阿姨", None), ("Wang Jianguo", "Wang Jianguo", None),
     ("我不想告诉你名字", None, "utter_contact_name_declined"),
     ("I'd rather not say", None, "utter_contact_name_declined"),
     ("13800138000", None, "utter_invalid_contact_name"), ("我今天不太舒服", None, "utter_invalid_contact_name")],
)
def test_contact_name(make_tracker, dispatcher, domain, text: str, name: str | None, response: str | None) -> None:
    events = validate(make_tracker, dispatcher, domain, text, "contact_name", {"contact_ok": True}, language="zh")
    assert events == [SlotSet("contact_name", name)]
    assert sent(dispatcher) == ([{"response": response}] if response else [])


@pytest.mark.parametrize(
    ("text", "language", "phone"),
    [("138 0013 8000", "zh", "+8613800138000"), ("手机号是一三八零零一三八零零零", "zh", "+8613800138000"),
     ("021-6543 2100", "zh", "+862165432100"), ("138 0013 8000", "en", "13800138000"),
     ("跳过", "zh", False), ("skip", "en", False)],
)
def test_contact_phone_is_read_in_the_conversations_language(make_tracker, dispatcher, domain, text: str,
                                                             language: str, phone: str | bool) -> None:
    events = validate(make_tracker, dispatcher, domain, text, "contact_phone", NAMED, language=language)
    assert events == [SlotSet("contact_phone", phone)]
    assert sent(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "phone", "wechat", "response"),
    [("wxid_abc123", "+8613800138000", "wxid_abc123", None),
     ("微信号：zhang_1962", False, "zhang_1962", None),
     ("微信号就是手机号", "+8613800138000", "+8613800138000", None),
     ("same as my phone number", "+8613800138000", "+8613800138000", None),
     ("跳过", "+8613800138000", False, None), ("skip", False, False, None),
     ("微信号就是手机号", False, None, "utter_invalid_contact_wechat"),  # no phone to be the same as
     ("abc", "+8613800138000", None, "utter_invalid_contact_wechat")],
)
def test_contact_wechat(make_tracker, dispatcher, domain, text: str, phone: str | bool, wechat: str | bool | None,
                        response: str | None) -> None:
    events = validate(make_tracker, dispatcher, domain, text, "contact_wechat", NAMED | {"contact_phone": phone},
                      language="zh")
    assert events == [SlotSet("contact_wechat", wechat)]
    assert sent(dispatcher) == ([{"response": response}] if response else [])


@pytest.mark.parametrize(("phone", "response"), [("+8613800138000", "utter_ask_wechat_after_phone"),
                                                 (False, "utter_ask_wechat_no_phone")])
def test_same_as_phone_is_offered_only_with_a_phone(make_tracker, dispatcher, domain, phone: str | bool,
                                                    response: str) -> None:
    tracker = make_tracker(active_loop="contact_form", slots=NAMED | {"contact_phone": phone})
    assert run(ActionAskContactWechat(), dispatcher, tracker, domain) == []
    assert sent(dispatcher) == [{"response": response}]
    titles = [b["title"] for v in domain["responses"][response] for b in v.get("buttons", [])]
    assert ("微信号就是手机号" in titles) is bool(phone)


@pytest.mark.parametrize(("phone", "wechat"), [(False, "wxid_abc123"), ("+8613800138000", False)])
def test_one_channel_is_enough(make_tracker, dispatcher, domain, phone: str | bool, wechat: str | bool) -> None:
    slots = NAMED | {"contact_phone": phone, "contact_wechat": wechat}
    assert validate(make_tracker, dispatcher, domain, "跳过", "contact_email", slots, language="zh") == [
        SlotSet("contact_email", False)]
    assert sent(dispatcher) == []


def test_the_read_back_is_in_the_conversations_language(make_tracker, dispatcher, domain) -> None:
    slots = NAMED | {"contact_phone": False, "contact_wechat": "wxid_abc123", "contact_email": False,
                     "contact_time": "上午", "language": "zh"}
    assert run(ActionAskContactConfirmed(), dispatcher, make_tracker(slots=slots), domain) == []
    assert sent(dispatcher) == [{"response": "utter_contact_summary", "name": "王建国", "phone": "（未提供）",
                                 "wechat": "wxid_abc123", "email": "（未提供）", "best_time": "上午"}]


CONTACT_RESPONSES = [
    "utter_ask_contact_ok", "utter_contact_ok_unsure", "utter_invalid_contact_ok", "utter_ask_contact_name",
    "utter_invalid_contact_name", "utter_contact_name_declined", "utter_ask_contact_phone",
    "utter_invalid_contact_phone", "utter_ask_wechat_after_phone", "utter_ask_wechat_no_phone",
    "utter_invalid_contact_wechat", "utter_ask_contact_email", "utter_invalid_contact_email",
    "utter_need_phone_or_email", "utter_ask_contact_time", "utter_invalid_contact_time", "utter_contact_summary",
    "utter_contact_not_given", "utter_contact_again",
]


@pytest.mark.parametrize("response", CONTACT_RESPONSES)
def test_contact_responses_exist_in_both_languages(domain, response: str) -> None:
    """The Chinese variation first (conditioned on the language slot), the English one last as the default."""
    zh, en = domain["responses"][response]
    assert zh["condition"] == [{"type": "slot", "name": "language", "value": "zh"}]
    assert "condition" not in en
    assert len(zh.get("buttons", [])) == len(en.get("buttons", []))
    assert set(re.findall(r"{\w+}", zh["text"])) == set(re.findall(r"{\w+}", en["text"]))


@pytest.mark.parametrize(("text", "language", "slots"), [
    ("li.wei@example.com", "en", {"contact_email": "li.wei@example.com"}),
    ("138 1234 5678", "en", {"contact_phone": "13812345678"}),  # as the phone question reads it in English
    ("13812345678", "zh", {"contact_phone": "+8613812345678"}),
])
def test_a_contact_typed_at_contact_ok_is_a_yes_and_read_back_later(make_tracker, dispatcher, domain, text,
                                                                     language, slots) -> None:
    events = validate(make_tracker, dispatcher, domain, text, "contact_ok", language=language)
    assert events == [SlotSet("contact_ok", True), *(SlotSet(k, v) for k, v in slots.items())]  # Rasa asks the name
    assert sent(dispatcher) == [{"response": "utter_contact_typed_read_back_later"}]
