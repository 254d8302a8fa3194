"""Patients' messages the model was unsure about, as NLU data to label (`prescreen nlu review`,
whose command is in bot/cli/nlu.py; this module has plain functions only).

Reads Rasa's tracker store (TRACKER_STORE_URL, read-only) and exports the user messages that hit
`nlu_fallback` or whose intent scored below a threshold, as Rasa NLU YAML: one block per predicted
intent, labelled `TODO` until a maintainer decides what the patient meant.

Privacy: only conversations that gave consent are read (the lead store's `screenings` table holds
exactly those; a withdrawn or erased conversation is gone from both stores). Messages typed while
the contact form was asking for a name, phone or email are never exported, and any email address
or phone number left in a message is replaced by <email> or <phone>. The export is audited in the
lead store, written with owner-only permissions, and is meant to be labelled, moved into
data/nlu/ and deleted; never commit it as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.leads.crypto import FieldCipher, MissingKeyError
from bot.leads.transcripts import unseal
from bot.nlu.safety_net import KINDS, Catch, catches
from bot.settings import PROJECT_ROOT

DEFAULT_THRESHOLD = 0.6  # the confidence the answer readers need to trust an intent (bot.reading.yes_no)
FALLBACK_INTENT = "nlu_fallback"
CONTACT_FORM = "contact_form"  # asks for name, phone, email: never exported
OTHER_STUDIES_FORM = "other_studies_form"  # the same
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+?\(?\d[\d\s().\-/]{5,}\d")
_CHUNK = 500


class ReviewError(Exception):
    """A store cannot be read; the message says which and why."""


@dataclass(frozen=True)
class ReviewMessage:
    conversation_id: str
    timestamp: float
    text: str
    predicted: str | None  # the best real intent, also when the fallback replaced it
    confidence: float
    fallback: bool


def readonly_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite opened read-only, PostgreSQL in read-only transactions."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if not path or path == ":memory:" or not Path(path).exists():
            raise ReviewError(f"no database file at {path or url}")
        return create_engine(f"sqlite:///file:{quote(str(Path(path).resolve()))}?mode=ro&uri=true", future=True)
    if url.startswith("postgresql"):
        return create_engine(url, future=True, connect_args={"options": "-c default_transaction_read_only=on"})
    return create_engine(url, future=True)


def consented_conversations(database_url: str) -> set[str]:
    """Conversation ids of every screening in the lead store: only conversations that gave consent get one."""
    engine = readonly_engine(database_url)
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.execute(text("select conversation_id from screenings"))}
    except SQLAlchemyError as error:
        raise ReviewError(f"cannot read the lead store's screenings ({type(error).__name__}); run `prescreen db "
                          f"upgrade`?") from error
    finally:
        engine.dispose()


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


Event = tuple[str, str, float, dict[str, Any]]  # sender_id, type_name, timestamp, data


def _events(tracker_store_url: str, conversations: Iterable[str], since: float | None,
            cipher: FieldCipher | None) -> Iterator[Event]:
    ids = sorted(conversations)
    if not ids:
        return
    engine = readonly_engine(tracker_store_url)
    query = text(
        "select sender_id, type_name, timestamp, data from events where sender_id in :ids order by sender_id, id"
    ).bindparams(bindparam("ids", expanding=True))
    try:
        with engine.connect() as connection:
            for chunk in _chunks(ids):
                for sender_id, type_name, timestamp, data in connection.execute(query, {"ids": list(chunk)}):
                    if since is not None and (timestamp or 0) < since and type_name == "user":
                        continue
                    try:
                        event = json.loads(unseal(cipher, data) or "{}")  # transcripts are encrypted at rest
                    except ValueError:
                        continue
                    yield sender_id, type_name, float(timestamp or 0), event
    except SQLAlchemyError as error:
        raise ReviewError(f"cannot read the tracker store's events table ({type(error).__name__})") from error
    except MissingKeyError as error:
        raise ReviewError(f"{error} (PRESCREEN_DATA_KEY, PRESCREEN_OLD_DATA_KEYS)") from error
    finally:
        engine.dispose()


def _prediction(parse_data: dict[str, Any]) -> tuple[str | None, float, bool]:
    intent = parse_data.get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    if name != FALLBACK_INTENT:
        return name, confidence, False
    for ranked in parse_data.get("intent_ranking") or []:
        if ranked.get("name") != FALLBACK_INTENT:
            return ranked.get("name"), float(ranked.get("confidence") or 0.0), True
    return None, 0.0, True


def redact(message: str) -> str:
    """Replace email addresses and phone numbers: the export is for language, not for people."""
    message = _EMAIL.sub("<email>", message)
    return _PHONE.sub(lambda m: "<phone>" if sum(c.isdigit() for c in m.group(0)) >= 7 else m.group(0), message)


def messages_to_review(tracker_store_url: str, database_url: str, threshold: float = DEFAULT_THRESHOLD,
                       since: float | None = None, cipher: FieldCipher | None = None) -> list[ReviewMessage]:
    """Consented conversations' user messages that hit the fallback or scored below `threshold`."""
    found: list[ReviewMessage] = []
    active_loop: dict[str, str | None] = {}
    for sender_id, type_name, timestamp, event in _events(tracker_store_url, consented_conversations(database_url),
                                                          since, cipher):
        if type_name == "active_loop":
            active_loop[sender_id] = event.get("name")
        elif type_name in ("restart", "session_started"):
            active_loop[sender_id] = None
        elif type_name == "user":
            said = " ".join(str(event.get("text") or "").split())
            if not said or said.startswith("/") or active_loop.get(sender_id) == CONTACT_FORM:
                continue
            predicted, confidence, fallback = _prediction(event.get("parse_data") or {})
            if fallback or confidence < threshold:
                found.append(ReviewMessage(sender_id, timestamp, redact(said), predicted, confidence, fallback))
    return found


def safety_net_to_review(tracker_store_url: str, database_url: str, since: float | None = None,
                         cipher: FieldCipher | None = None) -> list[Catch]:
    """Consented conversations' misreads caught by the safety net (bot/nlu/safety_net.py), redacted."""
    events = _events(tracker_store_url, consented_conversations(database_url), None, cipher)
    return [Catch(c.conversation_id, c.timestamp, c.kind, c.question, redact(c.text), c.language, c.reading)
            for c in catches(events, frozenset({CONTACT_FORM, OTHER_STUDIES_FORM}))
            if since is None or c.timestamp >= since]


def safety_net_lines(caught: Sequence[Catch]) -> list[str]:
    """The safety net's catches as NLU blocks to relabel first: one per kind, question and reading."""
    groups: dict[tuple[int, str, str, str], list[str]] = {}
    for catch in caught:
        key = (KINDS.index(catch.kind), catch.question, catch.reading or "-", catch.language)
        examples = groups.setdefault(key, [])
        if catch.text.lower() not in (e.lower() for e in examples):
            examples.append(catch.text.replace("\n", " "))
    lines: list[str] = []
    for (kind, question, reading, language), examples in sorted(groups.items()):
        lines.append(f"# safety net: {KINDS[kind]} at {question} ({language}), read as {reading}: "
                     f"{len(examples)} examples")
        lines += ["- intent: TODO", "  examples: |", *(f"    - {example}" for example in examples), ""]
    return lines


def known_examples(data_dir: Path = PROJECT_ROOT / "data" / "nlu") -> set[str]:
    """Training examples already labelled (lower case), so they are not exported again."""
    known: set[str] = set()
    for path in sorted(data_dir.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    known.add(line.strip()[2:].strip().lower())
    return known


def as_nlu_yaml(messages: Sequence[ReviewMessage], threshold: float, prefill: bool = False,
                known: set[str] | None = None, caught: Sequence[Catch] = ()) -> str:
    """Rasa NLU YAML to label: first the misreads the safety net caught (read-backs denied, corrections,
    questions asked again), then one block per predicted intent, a comment saying what the model thought."""
    known = known or set()
    caught = [c for c in caught if c.text.lower() not in known]
    known = known | {c.text.lower() for c in caught}  # each message once, in the first place it belongs
    groups: dict[str, dict[str, list[float]]] = {}
    skipped = 0
    for message in messages:
        example = message.text.replace("\n", " ")
        if example.lower() in known:
            skipped += 1
            continue
        label = FALLBACK_INTENT if message.fallback and message.predicted is None else (message.predicted or "unknown")
        group = groups.setdefault(label, {})
        match = next((seen for seen in group if seen.lower() == example.lower()), example)
        group.setdefault(match, []).append(message.confidence)
    conversations = len({m.conversation_id for m in messages})
    distinct = sum(len(g) for g in groups.values())
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        'version: "3.1"',
        f"# prescreen nlu review, {now}: {len(messages)} messages ({distinct} distinct) from {conversations} consented",
        f"# conversations that hit nlu_fallback or scored below {threshold:.2f}"
        + (f"; {skipped} already in data/nlu/ left out." if skipped else "."),
        "# To label: set each block's intent to what the patient meant (docs/intents.md), split blocks where",
        "# examples differ, delete what is not worth learning, then move the examples into data/nlu/ and",
        "# retrain. These are patients' own words: never commit this file; delete it once labelled.",
        f"# First: {len(caught)} misreads caught by the safety net (read-backs denied, corrections, questions",
        "# asked again): what each message was read as, and at which question. Relabel these first.",
        "nlu:",
        *safety_net_lines(caught),
    ]
    if not groups and not caught:
        lines[-1] = "nlu: []"
    for label, examples in sorted(groups.items(), key=lambda kv: (-sum(map(len, kv[1].values())), kv[0])):
        scores = [c for confidences in examples.values() for c in confidences]
        lines.append(f"# predicted {label}: {len(examples)} examples, confidence {min(scores):.2f}-{max(scores):.2f}")
        intent = label if prefill and label not in (FALLBACK_INTENT, "unknown") else "TODO"
        lines += [f"- intent: {intent}", "  examples: |"]
        for example, _ in sorted(examples.items(), key=lambda kv: min(kv[1])):
            lines.append(f"    - {example}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
