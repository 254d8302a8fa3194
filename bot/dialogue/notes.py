"""What the conversation keeps for the coordinator: each answer with how it was read and its history,
and the patient's own questions."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def now_iso() -> str:
    """When an answer was given, corrected or confirmed (UTC, for the coordinator)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def answer_entry(text: str, value: Any, how: str) -> dict[str, str]:
    """One answer as the log keeps it: the patient's words, the value read and how it was read."""
    return {"text": text, "value": str(value), "how": how}


def logged_answer(answer_log: dict[str, Any], check_id: str, entry: dict[str, Any], event: str) -> dict[str, Any]:
    """The answer log with `entry` as the check's answer; an earlier answer goes to its history with `event`."""
    answer_log = dict(answer_log)
    previous = answer_log.get(check_id)
    history = list(previous.get("history", [])) if previous else []
    if previous and previous.get("value"):  # (an answer asked again after the exit left no value)
        # the earlier answer, how it ended ("corrected", "answered again" after a denied read-back) and when
        earlier = {key: previous[key] for key in ("text", "value", "how", "denied_text") if key in previous}
        history.append(earlier | {"event": event, "at": now_iso()})
    answer_log[check_id] = {**entry, **({"history": history} if history else {})}
    return answer_log


def confirmed_answer(answer_log: dict[str, Any], check_id: str) -> dict[str, Any]:
    """The answer log once the patient confirmed the check's answer at its read-back ("yes, that's right")."""
    return {**answer_log, check_id: {**(answer_log.get(check_id) or {}), "confirmed_at": now_iso()}}


def noted_question(notes: list[dict[str, str]], topic: str, text: str, during: str) -> list[dict[str, str]]:
    """The patient's questions so far plus this one (its topic, the cleaned text, the question that was open)."""
    return [*notes, {"topic": topic, "text": text, "at": now_iso(), "during": during}]
