"""The contact form: permission to call, name, phone, WeChat and/or email, a good time, then a read-back.

At least one of phone, WeChat and email is needed; each can be skipped ("skip", "跳过").
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import yes_no_answer
from actions.dialogue import explain_unreadable, read_back_answer
from actions.language import language_of
from actions.typed_form import TypedAnswersForm
from bot.reading import (
    contact_ok_words,
    declines_name,
    is_skip,
    is_tapped,
    read_contact_time,
    read_email,
    read_email_named,
    read_name,
    read_phone,
    read_wechat,
    read_wechat_named,
)
from bot.reading.language import Language

CONTACT_SLOTS = (
    "contact_name", "contact_phone", "contact_wechat", "contact_email", "contact_time", "contact_confirmed",
)
CHANNEL_SLOTS = ("contact_phone", "contact_wechat", "contact_email")  # at least one of them is needed
SKIPPED = False  # a skipped phone, WeChat or email is stored in its slot as False: answered, but no value


def contact_typed(text: str, language: Language) -> dict[str, str]:
    """The phone number or e-mail address in a message typed at "may the study team contact you?", as slots."""
    if is_tapped(text):
        return {}
    email = read_email(text)
    if email:
        return {"contact_email": email}
    phone = read_phone(text, language)
    return {"contact_phone": phone} if phone else {}


class ValidateContactForm(TypedAnswersForm):
    answer_slots = ("contact_ok", *CONTACT_SLOTS)

    def name(self) -> str:
        return "validate_contact_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot("contact_ok") is False:
            return ["contact_ok"]
        return ["contact_ok", *CONTACT_SLOTS]

    async def validate_contact_ok(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        typed = contact_typed(str(value), language_of(tracker))
        if typed:  # a phone number or an e-mail address typed in answer: "yes, and here it is", read back later
            dispatcher.utter_message(response="utter_contact_typed_read_back_later")
            return {"contact_ok": True, **typed}
        answer = yes_no_answer(value, tracker, contact_ok_words())
        if answer in ("yes", "no"):
            return {"contact_ok": answer == "yes"}
        if answer == "unsure":  # "maybe", "考虑一下": a call commits them to nothing; the form asks again
            dispatcher.utter_message(response="utter_contact_ok_unsure")
        else:
            explain_unreadable(dispatcher, tracker, "utter_invalid_contact_ok")
        return {"contact_ok": None}

    async def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = read_name(str(value))
        if name is None and declines_name(str(value)):
            dispatcher.utter_message(response="utter_contact_name_declined")
        elif name is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_contact_name")
        return {"contact_name": name}

    async def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is SKIPPED or is_skip(str(value)):
            return {"contact_phone": SKIPPED}
        phone = read_phone(str(value), language_of(tracker))
        wechat = read_wechat_named(str(value)) if phone is None else None
        if wechat:  # "加我微信吧，微信号 zhouli_1962": no phone, and the WeChat question is answered
            return {"contact_phone": SKIPPED, "contact_wechat": wechat}
        if phone is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_contact_phone")
        return {"contact_phone": phone}

    async def validate_contact_wechat(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is SKIPPED or is_skip(str(value)):
            return {"contact_wechat": SKIPPED}
        wechat = read_wechat(str(value), phone=tracker.get_slot("contact_phone") or None)
        email = read_email_named(str(value)) if wechat is None else None
        if email:  # "邮箱是 li.na@example.com": no WeChat, and the email question is answered
            return {"contact_wechat": SKIPPED, "contact_email": email}
        if wechat is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_contact_wechat")
        return {"contact_wechat": wechat}

    async def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is SKIPPED or is_skip(str(value)):
            if not any(tracker.get_slot(slot) for slot in CHANNEL_SLOTS[:-1]):
                dispatcher.utter_message(response="utter_need_phone_or_email")
                return {slot: None for slot in reversed(CHANNEL_SLOTS)}  # from the phone again
            return {"contact_email": SKIPPED}
        email = read_email(str(value))
        if email is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_contact_email")
        return {"contact_email": email}

    async def validate_contact_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        when = read_contact_time(str(value))
        if when is None:
            explain_unreadable(dispatcher, tracker, "utter_invalid_contact_time")
        return {"contact_time": when}

    async def validate_contact_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return read_back_answer(value, dispatcher, tracker, "contact_confirmed", CONTACT_SLOTS)


def response_text(domain: DomainDict, response: str, language: Language) -> str:
    """The text of a response in a language: its variation for that language, else the unconditioned one."""
    variations = domain["responses"][response]
    for variation in variations:
        conditions = variation.get("condition") or []
        if any(c.get("name") == "language" and c.get("value") == language for c in conditions):
            return str(variation["text"])
    return str(next(v for v in variations if not v.get("condition"))["text"])


def contact_summary(tracker: Tracker, domain: DomainDict) -> dict[str, str]:
    """The contact details to read back, as the variables of `utter_contact_summary`.

    A detail not given is shown in the words of `utter_contact_not_given`, in the conversation's language
    (patient text lives in the domain).
    """
    not_given = response_text(domain, "utter_contact_not_given", language_of(tracker))

    def shown(slot: str) -> str:
        return str(tracker.get_slot(slot) or not_given)

    return {
        "name": shown("contact_name"),
        "phone": shown("contact_phone"),
        "wechat": shown("contact_wechat"),
        "email": shown("contact_email"),
        "best_time": shown("contact_time"),
    }


class ActionAskContactConfirmed(Action):
    """Reads the contact details back before they are stored."""

    def name(self) -> str:
        return "action_ask_contact_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_contact_summary", **contact_summary(tracker, domain))
        return []


class ActionAskContactWechat(Action):
    """Asks for a WeChat ID; "same as my phone number" is offered only when a phone number was given."""

    def name(self) -> str:
        return "action_ask_contact_wechat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        response = "utter_ask_wechat_after_phone" if tracker.get_slot("contact_phone") else "utter_ask_wechat_no_phone"
        dispatcher.utter_message(response=response)
        return []
