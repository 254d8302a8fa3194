"""Patient conversations written as data (patient_conversations.yml), and a player that checks each turn.

A conversation is a list of turns. A turn is a message, or a mapping:

    say: what the patient types
    fill: a check id: answer every question before it as an eligible patient would (age 60 unless `age`)
    slots: {slot: value}        slot values expected after the turn (null: not filled)
    asks: check id | consent | contact_ok | contact_name | ... | none   the question asked next
    says: [words]               each must appear in the replies to this turn
    not_says: [words]           none may appear

`status` (likely_eligible, needs_review, likely_ineligible, or none for nothing stored) is checked
after the last turn. Used by tools/play_conversations.py and tests/e2e/test_patient_phrasings.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.trial.criteria import load_criteria

CONVERSATIONS_FILE = Path(__file__).with_name("patient_conversations.yml")
OTHER_QUESTIONS = {
    "consent": "Do you agree?",
    "contact_ok": "May a study coordinator contact you",
    "contact_name": "What name should the coordinator ask for",
    "contact_phone": "What phone number can they call you on",
    "contact_wechat": "contact you on WeChat",
    "contact_email": "What email address can they use",
    "contact_time": "When is the best time to contact you",
    "contact_confirmed": "Here is what I have",
    "confirm_exclusion": "Just to check:",
}


@dataclass
class Turn:
    say: str | None = None
    fill: str | None = None
    age: int = 60
    slots: dict[str, Any] = field(default_factory=dict)
    asks: str | None = None
    says: list[str] = field(default_factory=list)
    not_says: list[str] = field(default_factory=list)


@dataclass
class Conversation:
    id: str
    category: str
    turns: list[Turn]
    note: str = ""
    status: str | None = None
    regression: bool = False


@dataclass
class Result:
    turns: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)


def _turn(raw: Any) -> Turn:
    if isinstance(raw, bool):  # YAML reads a bare yes / no as a boolean
        return Turn(say="yes" if raw else "no")
    if isinstance(raw, (str, int)):
        return Turn(say=str(raw))
    raw = dict(raw)
    if isinstance(raw.get("say"), bool):
        raw["say"] = "yes" if raw["say"] else "no"
    elif raw.get("say") is not None:
        raw["say"] = str(raw["say"])
    for key in ("says", "not_says"):
        if isinstance(raw.get(key), str):
            raw[key] = [raw[key]]
    return Turn(**raw)


def load_conversations(path: Path = CONVERSATIONS_FILE) -> list[Conversation]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    conversations = []
    for raw in document["conversations"]:
        conversations.append(Conversation(
            id=raw["id"], category=raw.get("category", "other"), note=raw.get("note", ""),
            turns=[_turn(t) for t in raw["turns"]], status=raw.get("status"),
            regression=bool(raw.get("regression", False)),
        ))
    ids = [c.id for c in conversations]
    assert len(ids) == len(set(ids)), "conversation ids must be unique"
    return conversations


def question_asked(texts: list[str]) -> str:
    """Which question the replies end with: a check id, consent, contact_*, or none."""
    criteria = load_criteria()
    for text in reversed(texts):
        for check in criteria.checks:
            if check.question in text:
                return check.id
        for name, words in OTHER_QUESTIONS.items():
            if words in text:
                return name
    return "none"


def eligible_answers(until: str, age: int) -> list[str]:
    """What an eligible patient answers to every question before `until`."""
    criteria = load_criteria()
    answers: list[str] = []
    for check in criteria.checks:
        if check.id == until:
            return answers
        if check.answer == "age":
            answers.append(str(age))
        elif not (check.only_up_to_childbearing_age and age > criteria.childbearing_age_max):
            answers.append(str(check.meets))
    raise ValueError(f"no check named {until!r}")


def tracker_slots(tracker_store_url: str, data_key: str) -> Callable[[str], dict]:
    """Slot values of a conversation, replayed from the (encrypted) events in Rasa's SQL tracker store."""
    import json

    import sqlalchemy

    from bot.leads.crypto import FieldCipher
    from bot.leads.transcripts import unseal

    engine = sqlalchemy.create_engine(tracker_store_url)
    cipher = FieldCipher(data_key)

    def slots(sender: str) -> dict:
        values: dict[str, Any] = {}
        with engine.connect() as connection:
            rows = connection.execute(
                sqlalchemy.text("select data from events where sender_id = :s order by id"), {"s": sender}
            )
            for (data,) in rows:
                event = json.loads(unseal(cipher, data) or "{}")
                if event.get("event") == "slot":
                    values[event["name"]] = event.get("value")
                elif event.get("event") in ("reset_slots", "restart"):
                    values.clear()
        return values

    return slots


def play(
    conversation: Conversation,
    sender: str,
    say: Callable[[str, str], list[dict]],
    slots: Callable[[str], dict] | None,
    status: Callable[[str], str | None] | None,
    verbose: bool = False,
) -> Result:
    result = Result()
    for number, turn in enumerate(conversation.turns, 1):
        messages = [turn.say] if turn.say is not None else eligible_answers(turn.fill or "", turn.age)
        texts: list[str] = []
        for message in messages:
            replies = say(sender, message)
            result.turns += 1
            texts = [r.get("text", "") for r in replies]
            if verbose:
                print(f"  [{conversation.id}] > {message}\n      " + "\n      ".join(texts or ["(no reply)"]))
            if not replies:
                result.failures.append({"turn": number, "said": message, "problem": "no reply", "replies": []})
        said = messages[-1] if messages else ""

        def fail(problem: str, said: str = said, texts: list[str] = texts, number: int = number) -> None:
            result.failures.append({"turn": number, "said": said, "problem": problem, "replies": texts})

        if turn.asks is not None:
            asked = question_asked(texts)
            if asked != turn.asks:
                fail(f"asked {asked}, expected {turn.asks}; replies: {' | '.join(t[:90] for t in texts)}")
        joined = "\n".join(texts)
        for words in turn.says:
            if words.lower() not in joined.lower():
                fail(f"replies lack {words!r}: {' | '.join(t[:90] for t in texts)}")
        for words in turn.not_says:
            if words.lower() in joined.lower():
                fail(f"replies say {words!r}: {' | '.join(t[:90] for t in texts)}")
        if turn.slots and slots is not None:
            current = slots(sender)
            for name, value in turn.slots.items():
                if current.get(name) != value:
                    fail(f"slot {name} is {current.get(name)!r}, expected {value!r}")
    if conversation.status is not None and status is not None:
        stored = status(sender)
        expected = None if conversation.status == "none" else conversation.status
        if stored != expected:
            result.failures.append({"turn": "end", "said": "", "problem": f"stored {stored}, expected {expected}",
                                    "replies": []})
    return result
