"""Misreads the safety net caught, read from the transcripts: relabelling candidates that come first in
`prescreen nlu review`.

Three kinds, each with the message as typed, the question, the conversation's language and the reading:
- `read-back denied`: the answer that would have ended the questions was read back ("Is that right?")
  and the patient said no: the message that gave that answer was misread (reading: the value read);
- `corrected`: "sorry, I meant no", "我说错了": the message that gave the corrected answer was misread;
- `asked again`: a message that left the question open (it could not be read; reading: none), unless
  it was a question of the patient's or a request (a person, stop, start over).

Nothing is stored for this: the tracker store's events (encrypted at rest, read-only here) say it all.
The contact questions are never read (names, phone numbers). No Rasa here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.languages import DEFAULT_LANGUAGE, LANGUAGES
from bot.reading.requests import QUESTION_INTENTS, REQUEST_INTENTS
from bot.trial.criteria import load_criteria

READ_BACK = "confirm_exclusion"  # the read-back's slot: answering it "no" empties the ruling check's slot
CORRECTION_RESPONSES = frozenset({"utter_correction_applied", "utter_correction_go_back"})
NOT_AN_ANSWER_SLOTS = frozenset({"side_questions"})  # a question of the patient's was noted: not a misread
KINDS = ("read-back denied", "corrected", "asked again")  # the order they come in the review


@dataclass(frozen=True)
class Catch:
    conversation_id: str
    timestamp: float
    kind: str  # one of KINDS
    question: str  # the slot asked: a check's slot, consent or confirm_exclusion
    text: str  # the message as typed (redacted by the exporter)
    language: str
    reading: str | None  # the value it was read as; None when it could not be read


@dataclass
class _Message:
    text: str
    timestamp: float
    asked: str | None  # the open question when it was typed
    intent: str | None
    answered: bool = False
    not_an_answer: bool = False


@dataclass
class _Conversation:
    sender_id: str
    questions: frozenset[str]
    requested: str | None = None
    language: str = DEFAULT_LANGUAGE
    correcting: bool = False
    message: _Message | None = None
    answers: dict[str, tuple[str, Any, float]] = field(default_factory=dict)  # slot -> (text, value, at)
    caught: list[Catch] = field(default_factory=list)

    def catch(self, kind: str, question: str, text: str, timestamp: float, reading: Any) -> None:
        self.caught.append(Catch(self.sender_id, timestamp, kind, question, text, self.language,
                                 None if reading is None else str(reading)))

    def close_message(self) -> None:
        """The previous message left its question open: asked again, unless it asked or requested something."""
        message, self.message = self.message, None
        if message is None or message.asked not in self.questions or message.answered or message.not_an_answer:
            return
        if message.intent in QUESTION_INTENTS or message.intent in REQUEST_INTENTS:
            return
        if self.requested == message.asked:
            self.catch("asked again", message.asked, message.text, message.timestamp, None)

    def slot(self, name: str, value: Any, timestamp: float) -> None:
        if name == "language" and value in LANGUAGES:
            self.language = value
        elif name == "requested_slot":
            self.requested = value
        elif name in NOT_AN_ANSWER_SLOTS and self.message is not None:
            self.message.not_an_answer = True
        elif name in self.questions and name != READ_BACK:
            self._answer(name, value, timestamp)

    def _answer(self, name: str, value: Any, timestamp: float) -> None:
        message, earlier = self.message, self.answers.get(name)
        if earlier is not None and self.correcting:
            self.catch("corrected", name, earlier[0], earlier[2], earlier[1])
            self.correcting = False
        elif earlier is not None and value is None and message is not None and message.asked == READ_BACK:
            self.catch("read-back denied", name, earlier[0], earlier[2], earlier[1])
        if message is not None and value is not None:
            message.answered = True
            self.answers[name] = (message.text, value, message.timestamp)
        elif value is None:
            self.answers.pop(name, None)

    def user(self, event: dict[str, Any], timestamp: float, skip: bool) -> None:
        self.close_message()
        self.correcting = False
        text = " ".join(str(event.get("text") or "").split())
        if skip or not text or text.startswith("/"):
            return
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        self.message = _Message(text, timestamp, self.requested, intent)

    def bot(self, event: dict[str, Any]) -> None:
        metadata = event.get("metadata") or {}
        if CORRECTION_RESPONSES & {metadata.get("utter_action"), metadata.get("template_name")}:
            self.correcting = True


def question_slots() -> frozenset[str]:
    """The questions whose answers are read: consent, each check's, the read-back (never the contact questions)."""
    return frozenset({"consent", READ_BACK, *(check.slot for check in load_criteria().checks)})


def catches(events: Iterable[tuple[str, str, float, dict[str, Any]]], skip_loops: frozenset[str]) -> Iterator[Catch]:
    """The misreads caught in events (sender_id, type, timestamp, data), ordered by conversation then time."""
    questions = question_slots()
    conversation: _Conversation | None = None
    loop: str | None = None
    for sender_id, type_name, timestamp, event in events:
        if conversation is None or conversation.sender_id != sender_id:
            if conversation is not None:
                conversation.close_message()
                yield from conversation.caught
            conversation, loop = _Conversation(sender_id, questions), None
        if type_name == "active_loop":
            loop = event.get("name")
        elif type_name in ("restart", "session_started"):
            loop = None
        elif type_name == "slot":
            conversation.slot(str(event.get("name")), event.get("value"), timestamp)
        elif type_name == "user":
            conversation.user(event, timestamp, skip=loop in skip_loops)
        elif type_name == "bot":
            conversation.bot(event)
    if conversation is not None:
        conversation.close_message()
        yield from conversation.caught
