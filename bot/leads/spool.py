"""A local, encrypted spool for writes the lead database could not take.

When the database is down as a screening finishes, the write is kept here (encrypted with the
data key, one file per write, written atomically) and replayed in order once the database is
back, so no lead is lost. The patient is told their answers will reach the team shortly.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bot.languages import DEFAULT_LANGUAGE
from bot.leads.crypto import FieldCipher
from bot.leads.errors import StoreError
from bot.leads.other_studies import OtherStudiesDetails
from bot.leads.records import ContactDetails
from bot.leads.store import LeadStore
from bot.trial.criteria import load_criteria
from bot.trial.eligibility import evaluate

log = logging.getLogger(__name__)

REPLAY_INTERVAL_S = 30


class Spool:
    def __init__(self, directory: Path, cipher: FieldCipher) -> None:
        self.directory = directory
        self.cipher = cipher

    def files(self) -> list[Path]:
        return sorted(self.directory.glob("*.spool")) if self.directory.exists() else []

    def pending_for(self, conversation_id: str) -> bool:
        return any(self._read(path).get("conversation_id") == conversation_id for path in self.files())

    def put(self, kind: str, payload: dict[str, Any]) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        temporary = self.directory / f"{name}.tmp"
        token = self.cipher.encrypt(json.dumps({"kind": kind, **payload}))
        temporary.write_text(token or "", encoding="utf-8")
        os.chmod(temporary, 0o600)
        final = self.directory / f"{name}.spool"
        temporary.replace(final)
        log.warning("lead database unavailable: %s for conversation %s kept in the spool",
                    kind, payload.get("conversation_id"))
        return final

    def _read(self, path: Path) -> dict[str, Any]:
        return json.loads(self.cipher.decrypt(path.read_text(encoding="utf-8")) or "{}")

    def replay(self, store: LeadStore) -> int:
        """Write spooled items in order; stop at the first failure (the database is still down)."""
        written = 0
        for path in self.files():
            item = self._read(path)
            try:
                apply(store, item)
            except StoreError:
                return written
            path.unlink()
            written += 1
            log.info("spooled %s for conversation %s written", item["kind"], item["conversation_id"])
        return written


def apply(store: LeadStore, item: dict[str, Any]) -> None:
    if item["kind"] == "complete":
        result = evaluate(load_criteria(), item["answers"])
        store.complete_screening(item["conversation_id"], result, item["answer_log"], item["reference_code"],
                                 item.get("side_questions", ()), language=item.get("language"),
                                 text_versions=item.get("text_versions"))
    elif item["kind"] == "contact":
        store.save_contact(item["conversation_id"], ContactDetails(**item["contact"]))
    elif item["kind"] == "other_studies":
        store.save_other_studies_contact(item["conversation_id"], OtherStudiesDetails(**item["details"]),
                                         item["consent_version"], item.get("language", DEFAULT_LANGUAGE))
    else:
        raise ValueError(f"unknown spool item {item['kind']!r}")


def start_replayer(spool: Spool, store: LeadStore, interval_s: float = REPLAY_INTERVAL_S) -> threading.Thread:
    """A daemon thread that replays the spool every `interval_s` seconds while it is not empty."""

    def loop() -> None:
        while True:
            time.sleep(interval_s)
            if spool.files():
                try:
                    spool.replay(store)
                except Exception:  # never let the replayer die: the next round tries again
                    log.exception("spool replay failed")

    thread = threading.Thread(target=loop, name="lead-spool-replayer", daemon=True)
    thread.start()
    return thread
