"""The assistant's messages as WeChat customer-service messages, within the platform's limits.

The one place for WeChat's limits on what the account sends (as an OutputChannel would be in Rasa):
- buttons become a clickable menu message (msgmenu); each item's id comes back as `bizmsgmenuid`
  when tapped. Every menu carries its numbered-choices text ("回复 1 是，2 不是，3 不确定") for
  when a menu cannot be sent (switched off, or refused by the platform);
- the quota: only so many messages per patient message, so texts are merged (never cut) to fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_TEXT_BYTES = 2000  # what a customer-service text may hold, with room to spare (the platform's is 2048)
MAX_MENU_ITEMS = 10


@dataclass
class Unit:
    """One message to send: text, and the buttons of a question."""

    text: str
    buttons: list[dict[str, str]]


def units_of(messages: Sequence[dict[str, Any]]) -> list[Unit]:
    """Rasa's messages as units; buttons without a text of their own join the text before them."""
    units: list[Unit] = []
    for message in messages:
        text = str(message.get("text") or "").strip()
        buttons = [{"title": str(b["title"]), "payload": str(b.get("payload") or b["title"])}
                   for b in message.get("buttons") or []][:MAX_MENU_ITEMS]
        if not text and buttons and units and not units[-1].buttons:
            units[-1].buttons = buttons
        elif text or buttons:
            units.append(Unit(text, buttons))
    return units


def fit_quota(units: list[Unit], quota: int) -> list[Unit]:
    """Merge neighbouring units until there are at most `quota`: a text joins the unit after it (so a
    question keeps its buttons last), the shortest pair first, keeping within a text's size while it can."""
    units = [Unit(u.text, list(u.buttons)) for u in units]
    while len(units) > max(1, quota):
        pairs = [i for i in range(len(units) - 1) if not units[i].buttons]
        if not pairs:
            break  # every message asks a question: nothing can join without losing buttons
        def size(i: int) -> int:
            return len((units[i].text + "\n\n" + units[i + 1].text).encode())
        within = [i for i in pairs if size(i) <= MAX_TEXT_BYTES] or pairs
        i = min(within, key=size)
        joined = "\n\n".join(t for t in (units[i].text, units[i + 1].text) if t)
        units[i:i + 2] = [Unit(joined, units[i + 1].buttons)]
    return units


def numbered_choices(buttons: list[dict[str, str]], texts: dict[str, str]) -> str:
    """"回复 1 是，2 不是，3 不确定" in the conversation's language."""
    choices = texts["choice_separator"].join(
        texts["choice"].format(n=n, title=b["title"]) for n, b in enumerate(buttons, start=1))
    return texts["choices"].format(choices=choices)


def as_text(content: str) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": content}}


def render(units: list[Unit], texts: dict[str, str], menus: bool, menu_seq: int
           ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The WeChat messages, and the buttons now on offer (those of the last question, with their ids).

    A menu's item ids carry the menu's number (`menu_seq`), so a tap on an old menu is read by its
    words instead of being taken for the newest question's button.
    """
    messages: list[dict[str, Any]] = []
    offered: list[dict[str, str]] = []
    for unit in units:
        if not unit.buttons:
            messages.append(as_text(unit.text))
            offered = []
            continue
        offered = [{"id": str(menu_seq * 100 + n), "title": b["title"], "payload": b["payload"]}
                   for n, b in enumerate(unit.buttons, start=1)]
        fallback = "\n".join(t for t in (unit.text, numbered_choices(unit.buttons, texts)) if t)
        if menus:
            messages.append({
                "msgtype": "msgmenu",
                "msgmenu": {"head_content": unit.text, "tail_content": "",
                            "list": [{"id": b["id"], "content": b["title"]} for b in offered]},
                "fallback": fallback,  # the gateway's own: sent instead when the menu is refused
            })
        else:
            messages.append(as_text(fallback))
    return messages, offered


def as_wechat(rasa_messages: Sequence[dict[str, Any]], notices: Sequence[str], texts: dict[str, str], quota: int,
              menus: bool, menu_seq: int) -> tuple[list[dict[str, Any]], list[dict[str, str]] | None]:
    """The gateway's notices, then the assistant's messages, fitted to the quota.

    The offered buttons are None when the turn offered none and said nothing (keep the old ones).
    """
    units = [Unit(n, []) for n in notices] + units_of(rasa_messages)
    if not units:
        return [], None
    messages, offered = render(fit_quota(units, quota), texts, menus, menu_seq)
    return messages, offered
