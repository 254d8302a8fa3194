"""Play patient conversations through the real servers (REST channel) and report every misunderstanding.

    .venv/bin/python tools/play_conversations.py [FILE ...] [--lang en|zh] [--only ID ...]

With no file, plays both sets: tests/e2e/patient_conversations.yml (English) and
patient_conversations_zh.yml (Chinese), and prints the figures per language.

Starts the action server and Rasa on free loopback ports with throwaway databases (as the e2e
tests do), plays each conversation of the file and checks, after each turn, what the file expects:
the slot values (`slots`), the question asked next (`asks`: a check id, `consent`, `contact_*` or
`none`), words in the replies (`says` / `not_says`); at the end, the stored result (`status`).
Prints one line per failed expectation and a count per category; exit 1 when any failed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conversations import (  # noqa: E402
    CONVERSATION_FILES,
    Conversation,
    load_conversations,
    play,
    rest_say,
    tracker_slots,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="conversation files (default: the English and the Chinese set)")
    parser.add_argument("--lang", choices=sorted(CONVERSATION_FILES), default=None, help="play one language's set")
    parser.add_argument("--only", nargs="*", default=None, help="conversation ids to play")
    parser.add_argument("--verbose", action="store_true", help="print every turn")
    parser.add_argument("--report", default=None, help="write the failures as YAML to this file")
    args = parser.parse_args()

    from bot.leads.crypto import FieldCipher
    from bot.leads.database import Database
    from bot.leads.store import LeadStore
    from bot.ops.run import Stack, prepare
    from tools.stack import throwaway_settings

    files = [Path(f) for f in args.files] or [
        path for language, path in CONVERSATION_FILES.items() if args.lang in (None, language)]
    conversations: list[Conversation] = [c for path in files for c in load_conversations(path)]
    if args.only:
        conversations = [c for c in conversations if c.id in args.only]
    settings = throwaway_settings(Path(tempfile.mkdtemp(prefix="play-")))
    prepare(settings)
    stack = Stack(settings)
    started = time.monotonic()
    stack.start(["actions", "rasa"])
    print(f"servers up in {time.monotonic() - started:.0f} s; playing {len(conversations)} conversations", flush=True)
    store = LeadStore(Database(settings.database_url), FieldCipher(settings.data_key))
    rest = f"{settings.rasa_url}/webhooks/rest/webhook"

    say = rest_say(rest)
    slots = tracker_slots(settings.tracker_store_url, settings.data_key)

    def status(sender: str) -> str | None:
        try:
            return store.get_lead(sender).provisional_status
        except Exception:  # noqa: BLE001 - nothing stored
            return None

    failures = []
    played: list[tuple[Conversation, int, str | None]] = []  # conversation, patient messages, status stored
    try:
        for conversation in conversations:
            sender = f"play-{conversation.id}-{uuid.uuid4().hex[:6]}"
            result = play(conversation, sender, say, slots, status, verbose=args.verbose)
            played.append((conversation, result.turns, status(sender)))
            for failure in result.failures:
                failures.append({"conversation": conversation.id, "category": conversation.category,
                                 "language": conversation.file_language, **failure})
                print(f"FAIL {conversation.id} [{conversation.category}] turn {failure['turn']} "
                      f"{failure['said']!r}: {failure['problem']}", flush=True)
    finally:
        stack.stop()
    for language in sorted({c.file_language for c, _, _ in played}):
        print(f"\n== {language} ==")
        print_figures([p for p in played if p[0].file_language == language],
                      [f for f in failures if f["language"] == language])
    if args.report:
        Path(args.report).write_text(yaml.safe_dump(failures, allow_unicode=True, sort_keys=False))
    return 1 if failures else 0


def print_figures(played: list[tuple[Conversation, int, str | None]], failures: list[dict]) -> None:
    """Conversations, turns and failed expectations (per category); false exclusions (ruled out although
    the conversation says otherwise) and the median number of patient messages for the eligible and
    the ruled-out conversations (README figures)."""
    by_category: dict[str, int] = {}
    for failure in failures:
        by_category[failure["category"]] = by_category.get(failure["category"], 0) + 1
    failed_conversations = len({f["conversation"] for f in failures})
    print(f"{len(played)} conversations, {sum(n for _, n, _ in played)} turns, {len(failures)} failed expectations "
          f"in {failed_conversations} conversations")
    for category, count in sorted(by_category.items()):
        print(f"  {category}: {count}")
    false_exclusions = [c.id for c, _, stored in played
                        if stored == "likely_ineligible" and c.status != "likely_ineligible"]
    listed = f" ({', '.join(false_exclusions)})" if false_exclusions else ""
    print(f"false exclusions: {len(false_exclusions)}{listed}")
    for label, statuses in (("eligible or to review", ("likely_eligible", "needs_review")),
                            ("ruled out", ("likely_ineligible",))):
        counts = sorted(n for c, n, _ in played if c.status in statuses)
        if counts:
            print(f"median patient messages, {label}: {statistics.median(counts):g} (n={len(counts)})")


if __name__ == "__main__":
    raise SystemExit(main())
