"""What encrypting the transcripts costs per turn (bot/leads/transcripts.py, bot/rasa_ext/tracker_store.py).

Replays one whole prescreen, turn by turn, into Rasa's own SQLTrackerStore and into the project's
encrypted store (each on a fresh SQLite file), first as stock Rasa does it (every turn reads the
session back from the database and decrypts it: the worst case), then with the speed-ups of
bot/rasa_ext/fast.py that `make run` installs (tracker cache: a turn only encrypts its new events),
and times the cipher alone on the same events.

    python -m tools.transcript_crypto_cost                 # a synthetic 28-message prescreen
    python -m tools.transcript_crypto_cost --tracker-url sqlite:///var/tracker.db --sender ID
        (a real conversation; its events are decrypted with PRESCREEN_DATA_KEY)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT

ROUNDS = 5


def synthetic_conversation() -> list[dict[str, Any]]:
    """A prescreen shaped like this bot's: per message a user event with NLU output, slots, a reply."""
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered

    clock = itertools.count(1_700_000_000.0, 0.5)
    ranking = [{"name": f"intent_{i}", "confidence": 0.01} for i in range(10)]
    messages = ["hi", "yes I agree", "40", *["yes"] * 8, *["no"] * 10, "not pregnant", "yes please", "Li Wei",
                "+86 138 1234 5678", "li.wei@example.com", "weekday mornings", "yes"]
    events: list[Any] = [ActionExecuted("action_session_start", timestamp=next(clock)),
                         SessionStarted(timestamp=next(clock)), ActionExecuted("action_listen", timestamp=next(clock))]
    for number, text in enumerate(messages):
        parse = {"text": text, "intent": {"name": "inform", "confidence": 0.93}, "entities": [],
                 "intent_ranking": ranking, "response_selector": {"all_retrieval_intents": []}}
        events += [
            UserUttered(text, parse["intent"], [], parse, timestamp=next(clock)),
            ActionExecuted("prescreen_form", timestamp=next(clock)),
            SlotSet(f"check_{number}", text, timestamp=next(clock)),
            SlotSet("answer_log", {f"check_{number}": {"text": text, "how": "read"}}, timestamp=next(clock)),
            BotUttered("Thank you. Next question: have you had any other cancer in the last five years, "
                       "apart from the one we are talking about?",
                       {"buttons": [{"title": "Yes", "payload": "/affirm"}]}, {"utter_action": "utter_ask_next"},
                       timestamp=next(clock)),
            SlotSet("requested_slot", f"check_{number + 1}", timestamp=next(clock)),
            ActiveLoop("prescreen_form", timestamp=next(clock)),
            ActionExecuted("action_listen", timestamp=next(clock)),
        ]
    return [event.as_dict() for event in events]


def real_conversation(tracker_url: str, sender: str) -> list[dict[str, Any]]:
    import sqlalchemy

    from bot.leads.crypto import FieldCipher
    from bot.leads.transcripts import unseal

    cipher = FieldCipher(os.environ.get("PRESCREEN_DATA_KEY", ""))
    engine = sqlalchemy.create_engine(tracker_url)
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text("select data from events where sender_id = :s order by id"),
                                  {"s": sender}).all()
    engine.dispose()
    return [json.loads(unseal(cipher, data) or "{}") for (data,) in rows]


def turns_of(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events split where Rasa saves: after each action_listen."""
    turns, current = [], []
    for event in events:
        current.append(event)
        if event.get("event") == "action" and event.get("name") == "action_listen":
            turns.append(current)
            current = []
    return turns + ([current] if current else [])


def replay(store: Any, turns: list[list[dict[str, Any]]], domain: Any) -> list[float]:
    """Seconds per turn of retrieve + save, as Rasa does for each message."""
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

    seconds = []
    for number, turn in enumerate(turns):
        started = time.perf_counter()
        tracker = asyncio.run(store.retrieve("patient")) or DialogueStateTracker("patient", domain.slots)
        for event in turn:
            tracker.update(Event.from_parameters(event))
        asyncio.run(store.save(tracker))
        if number:  # the first turn creates the connection pool
            seconds.append(time.perf_counter() - started)
    return seconds


def measure(events: list[dict[str, Any]]) -> dict[str, Any]:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.leads.crypto import FieldCipher, new_key
    from bot.leads.transcripts import seal, unseal
    from bot.rasa_ext.tracker_store import ErasableSQLTrackerStore

    cipher = FieldCipher(new_key())
    texts = [json.dumps(event) for event in events]
    turns = turns_of(events)
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))

    started = time.perf_counter()
    for _ in range(ROUNDS):
        sealed = [seal(cipher, text) for text in texts]
    seal_us = (time.perf_counter() - started) / ROUNDS / len(texts) * 1e6
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for token in sealed:
            unseal(cipher, token)
    unseal_us = (time.perf_counter() - started) / ROUNDS / len(texts) * 1e6

    def median_turn_ms() -> dict[str, float]:
        per_turn: dict[str, list[float]] = {"rasa": [], "encrypted": []}
        with tempfile.TemporaryDirectory() as root:
            for round_number in range(ROUNDS):
                for name in per_turn:
                    url = f"sqlite:///{Path(root) / f'{name}-{round_number}.db'}"
                    store = (SQLTrackerStore(domain=domain, host=url) if name == "rasa"
                             else ErasableSQLTrackerStore(domain=domain, host=url, cipher=cipher))
                    per_turn[name] += replay(store, turns, domain)
                    store.engine.dispose()
        return {name: statistics.median(seconds) * 1000 for name, seconds in per_turn.items()}

    stock = median_turn_ms()
    from bot.rasa_ext import fast, tracker_cache

    fast.fast_sqlite_tracker_store()
    fast.lean_tracker_loading()
    tracker_cache.install()
    fast_ms = median_turn_ms()
    last_turn_cipher_ms = (len(texts) * unseal_us + len(turns[-1]) * seal_us) / 1000
    return {
        "events": len(texts), "turns": len(turns),
        "mean_event_bytes": round(statistics.mean(map(len, texts))),
        "mean_stored_bytes": round(statistics.mean(len(token or "") for token in sealed)),
        "seal_us_per_event": round(seal_us, 1), "unseal_us_per_event": round(unseal_us, 1),
        "cipher_ms_last_turn_uncached": round(last_turn_cipher_ms, 2),
        "stock_turn_ms_median_rasa_store": round(stock["rasa"], 2),
        "stock_turn_ms_median_encrypted_store": round(stock["encrypted"], 2),
        "speedups_turn_ms_median_rasa_store": round(fast_ms["rasa"], 2),
        "speedups_turn_ms_median_encrypted_store": round(fast_ms["encrypted"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracker-url", help="read a real conversation from this tracker store")
    parser.add_argument("--sender", help="its conversation id")
    args = parser.parse_args()
    events = real_conversation(args.tracker_url, args.sender) if args.tracker_url else synthetic_conversation()
    print(json.dumps(measure(events), indent=2))


if __name__ == "__main__":
    main()
