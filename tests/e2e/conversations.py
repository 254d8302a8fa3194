"""Patient conversations written as data (patient_conversations.yml in English, patient_conversations_zh.yml
in Chinese), and a player that checks each turn.

A conversation is a list of turns. A turn is a message, or a mapping:

    say: what the patient types
    fill: a check id: answer every question before it as an eligible patient would (age 60 unless `age`),
                                in the words of the language the replies are expected in (是的 / 没有 in Chinese)
    slots: {slot: value}        slot values expected after the turn (null: not filled)
    asks: check id | consent | contact_ok | contact_name | ... | none   the question asked next
    says: [words]               each must appear in the replies to this turn
    not_says: [words]           none may appear
    replies_in: zh | en         the replies to this turn, and to the turns after it, are in this language

A conversation's `lang` (zh / en) is the chat page's language (`data-lang`), sent with every message as
the REST channel's metadata {"lang": ...}; it also sets `replies_in` from the first turn. `status`
(likely_eligible, needs_review, likely_ineligible, or none for nothing stored) is checked after the
last turn. Used by tools/play_conversations.py and tests/e2e/test_patient_phrasings.py.

Which question is asked is read from the replies' words, in either language: the checks' questions
(bot/trial/nct05240950*.yml) and the responses that ask the other questions (OTHER_QUESTIONS, domain.yml).
In Chinese the form's open question (`requested_slot` in the tracker store) is checked as well.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.texts.responses import filled, load_domain, variations
from bot.trial.criteria import load_criteria

CONVERSATIONS_FILE = Path(__file__).with_name("patient_conversations.yml")
CONVERSATIONS_FILE_ZH = Path(__file__).with_name("patient_conversations_zh.yml")
CONVERSATION_FILES = {"en": CONVERSATIONS_FILE, "zh": CONVERSATIONS_FILE_ZH}
# The questions that are not checks: the domain.yml responses that ask them (one home for their words).
OTHER_QUESTIONS = {
    "consent": ("utter_ask_consent", "utter_invalid_consent"),
    "contact_ok": ("utter_ask_contact_ok",),
    "contact_name": ("utter_ask_contact_name", "utter_contact_name_declined"),
    "contact_phone": ("utter_ask_contact_phone",),
    "contact_wechat": ("utter_ask_wechat_after_phone", "utter_ask_wechat_no_phone"),
    "contact_email": ("utter_ask_contact_email",),
    "contact_time": ("utter_ask_contact_time",),
    "contact_confirmed": ("utter_contact_summary",),
    "confirm_exclusion": ("utter_confirm_exclusion",),
    "confirm_withdrawal": ("utter_ask_confirm_withdrawal",),  # "Do you want me to stop and delete everything?"
    "confirm_start_over": ("utter_ask_confirm_start_over",),  # "Do you want to start over from the beginning?"
    "other_studies_ok": ("utter_ask_other_studies_ok", "utter_ask_other_studies_ok_again"),
    "other_studies_name": ("utter_ask_other_studies_name", "utter_contact_name_declined"),
    "other_studies_contact": ("utter_ask_other_studies_contact",),
    "other_studies_confirmed": ("utter_other_studies_summary",),
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
    replies_in: str | None = None


@dataclass
class Conversation:
    id: str
    category: str
    turns: list[Turn]
    note: str = ""
    status: str | None = None
    regression: bool = False
    lang: str | None = None  # the chat page's language, sent as metadata with every message
    file_language: str = "en"  # which set it belongs to (patient_conversations.yml / _zh.yml), for figures
    # Why the assistant does not yet do what the file expects (a listed gap, README "Typed as people type"):
    # the regression test expects it to fail, and reports it when it starts passing.
    known_gap: str = ""


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
    file_language = document.get("language", "en")
    conversations = []
    for raw in document["conversations"]:
        conversations.append(Conversation(
            id=raw["id"], category=raw.get("category", "other"), note=raw.get("note", ""),
            turns=[_turn(t) for t in raw["turns"]], status=raw.get("status"),
            regression=bool(raw.get("regression", False)), lang=raw.get("lang"), file_language=file_language,
            known_gap=str(raw.get("known_gap", "")),
        ))
    ids = [c.id for c in conversations]
    assert len(ids) == len(set(ids)), "conversation ids must be unique"
    return conversations


def load_all_conversations() -> list[Conversation]:
    """Both sets, English first; ids are unique across them."""
    conversations = [c for path in CONVERSATION_FILES.values() for c in load_conversations(path)]
    ids = [c.id for c in conversations]
    assert len(ids) == len(set(ids)), "conversation ids must be unique across the English and Chinese sets"
    return conversations


def question_texts(language: str) -> dict[str, tuple[str, ...]]:
    """{question id: words, any of which show it is asked} in a language; empty when the texts are not found.

    Each check's question in the language (bot/trial/nct05240950*.yml), and for the other questions
    (OTHER_QUESTIONS) the opening words of their responses' variations in that language (domain.yml).
    """
    texts: dict[str, tuple[str, ...]] = {}
    for check in load_criteria().checks:
        try:
            texts[check.id] = (" ".join(check.texts(language).question.split()),)
        except KeyError:
            return {}
    domain = load_domain()
    for name, responses in OTHER_QUESTIONS.items():
        words = tuple(_fixed_words(filled(v.get("text") or "", domain))
                      for response in responses for v in variations(domain, response, language))
        texts[name] = tuple(w for w in words if w)
    return texts


def _fixed_words(text: str) -> str:
    """A response's opening words, up to its first {placeholder}."""
    return re.split(r"\{[^}]*\}", text)[0].strip()


def question_asked(texts: list[str], language: str = "en") -> str:
    """Which question the replies end with: a check id, consent, contact_*, or none (by the words)."""
    # the expected language's words first; then the others' (which language replies are in is checked apart)
    languages = [language, *(other for other in CONVERSATION_FILES if other != language)]
    for known in (question_texts(each) for each in languages):
        for text in reversed(texts):
            flat = " ".join(text.split())
            for name, words in known.items():
                if any(w in flat for w in words):
                    return name
    return "none"


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# Four Latin words in a row make an English sentence; "CAR-T", "ctDNA (MRD)" or "NCT05240950" do not.
_ENGLISH_RUN = re.compile(r"[A-Za-z']+(?:[ ,]+[A-Za-z']+){3,}")


def wrong_language(texts: list[str], language: str) -> list[str]:
    """The replies (texts and button titles) that are not in `language`."""
    if language == "zh":
        return [t for t in texts if t.strip() and (not _HAN.search(t) or _ENGLISH_RUN.search(_without_links(t)))]
    return [t for t in texts if _HAN.search(t)]


def _without_links(text: str) -> str:
    return re.sub(r"https?://\S+|\S+@\S+|\[[^\]]*\]\([^)]*\)", " ", text)


# An eligible patient's words, per language of the conversation (`fill`).
ELIGIBLE_WORDS = {"en": {"yes": "yes", "no": "no"}, "zh": {"yes": "是的", "no": "没有"}}


def eligible_answers(until: str, age: int, language: str = "en") -> list[str]:
    """What an eligible patient answers to every question before `until`."""
    criteria = load_criteria()
    words = ELIGIBLE_WORDS[language]
    answers: list[str] = []
    for check in criteria.checks:
        if check.id == until:
            return answers
        if check.answer == "age":
            answers.append(str(age))
        elif not (check.only_up_to_childbearing_age and age > criteria.childbearing_age_max):
            answers.append(words[str(check.meets)])
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


Say = Callable[..., list[dict]]  # say(sender, text) or say(sender, text, lang): the bot's replies


def rest_say(rest_url: str) -> Say:
    """Post to Rasa's REST channel, with the page's language as metadata when given (as the chat page does)."""
    import requests

    def say(sender: str, text: str, lang: str | None = None) -> list[dict]:
        body: dict[str, Any] = {"sender": sender, "message": text}
        if lang:
            body["metadata"] = {"lang": lang}
        response = requests.post(rest_url, json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    return say


def reply_texts(replies: list[dict]) -> list[str]:
    """What the patient reads: each reply's text and its buttons' titles."""
    texts = [r.get("text", "") for r in replies]
    return texts + [b.get("title", "") for r in replies for b in r.get("buttons") or []]


def play(
    conversation: Conversation,
    sender: str,
    say: Say,
    slots: Callable[[str], dict] | None,
    status: Callable[[str], str | None] | None,
    verbose: bool = False,
) -> Result:
    result = Result()
    expected_language = conversation.lang  # the language replies must be in, once known
    for number, turn in enumerate(conversation.turns, 1):
        expected_language = turn.replies_in or expected_language
        words_language = expected_language or "en"
        messages = [turn.say] if turn.say is not None else eligible_answers(turn.fill or "", turn.age, words_language)
        texts: list[str] = []
        buttons: list[str] = []
        for message in messages:
            replies = say(sender, message, conversation.lang) if conversation.lang else say(sender, message)
            result.turns += 1
            texts = [r.get("text", "") for r in replies]
            buttons = reply_texts(replies)[len(texts):]
            if verbose:
                print(f"  [{conversation.id}] > {message}\n      " + "\n      ".join(texts or ["(no reply)"]))
            if not replies:
                result.failures.append({"turn": number, "said": message, "problem": "no reply", "replies": []})
            if expected_language:
                for text in wrong_language(texts + buttons, expected_language):
                    result.failures.append({"turn": number, "said": message, "replies": texts,
                                            "problem": f"reply not in {expected_language}: {text[:90]!r}"})
        said = messages[-1] if messages else ""

        def fail(problem: str, said: str = said, texts: list[str] = texts, number: int = number) -> None:
            result.failures.append({"turn": number, "said": said, "problem": problem, "replies": texts})

        current = slots(sender) if slots is not None and (turn.slots or turn.asks is not None) else None
        if turn.asks is not None:
            shown = " | ".join(t[:90] for t in texts)
            if words_language == "en" or question_texts(words_language):
                asked = question_asked(texts, words_language)
                if asked != turn.asks:
                    fail(f"asked {asked}, expected {turn.asks}; replies: {shown}")
            if words_language != "en" and current is not None:
                open_question = current.get("requested_slot") or "none"
                if open_question != turn.asks:
                    fail(f"open question {open_question}, expected {turn.asks}; replies: {shown}")
        joined = "\n".join(texts + buttons)
        for words in turn.says:
            if words.lower() not in joined.lower():
                fail(f"replies lack {words!r}: {' | '.join(t[:90] for t in texts)}")
        for words in turn.not_says:
            if words.lower() in joined.lower():
                fail(f"replies say {words!r}: {' | '.join(t[:90] for t in texts)}")
        if turn.slots and current is not None:
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


def play_on_stack(live_stack: Any, conversation: Conversation, prefix: str) -> list[str]:
    """Play a conversation through a LiveStack's REST channel (tests/conftest.py); its failed expectations."""
    from bot.leads.store import LeadNotFound

    def status(conversation_id: str) -> str | None:
        try:
            return live_stack.store().get_lead(conversation_id).provisional_status
        except LeadNotFound:
            return None

    sender = f"{prefix}-{conversation.id}-{uuid.uuid4().hex[:8]}"
    slots = tracker_slots(live_stack.settings.tracker_store_url, live_stack.settings.data_key)
    result = play(conversation, sender, rest_say(live_stack.rest_url), slots, status)
    return [f"turn {f['turn']} {f['said']!r}: {f['problem']}" for f in result.failures]
