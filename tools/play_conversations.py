"""Play patient conversations through the real servers (REST channel) and report every misunderstanding.

    .venv/bin/python tools/play_conversations.py [FILE ...] [--lang en|zh] [--only ID ...]

With no file, plays both sets: tests/e2e/patient_conversations.yml (English) and
patient_conversations_zh.yml (Chinese), and prints the figures per language.

Starts the action server and Rasa on free loopback ports with throwaway databases (as the e2e
tests do), plays each conversation of the file and checks, after each turn, what the file expects:
the slot values (`slots`), the question asked next (`asks`: a check id, `consent`, `contact_*` or
`none`), words in the replies (`says` / `not_says`); at the end, the stored result (`status`).
Prints one line per failed expectation and a count per category; exit 1 when any failed.

`--trace FILE` keeps what was said and replied; `--from-trace FILE` prints these figures again from it.

Then, per language, the figures of issue 19 (README, "Conversation sets of issue 19"), read from what
was said and replied (the question a reply asks is recognised by its words, as for `asks`):

- dead ends: places where a patient is stuck. Either (1) the same reply twice in a row: two consecutive,
  different patient messages get identical replies (the same texts, in order) while a question is open;
  or (2) the same question asked a third time in a row: the replies to three consecutive patient messages
  each end with the same question, and the replies to the third say nothing the replies to the two before
  did not already say (apart from the question itself). Neither counts when the replies offer a way
  forward: the study team's phone number (STUDY_CONTACT_PHONE), which every hand-off gives. One stuck
  stretch (a question, until it changes) counts once. The first of the messages must be on track: typed
  while the question the file meant it to answer was open (so a patient's script answering questions
  never asked, after an earlier misunderstanding, is not counted again).
- misreads caught by the read-back, per 100 conversations: the assistant reads back an exclusion
  (`confirm_exclusion`) where the file does not expect one, to a message typed on track (above), and
  the exclusion is not confirmed (the patient's next message does not lead to the other-studies offer,
  or there is none). The patient in
  the file answers as if understood, which is a "that's not right". A read-back the file expects and
  the patient then corrects (a slip of their own) is not a misread.
- false exclusions: the patient is ruled out (`likely_ineligible` stored, or the other-studies offer
  reached) where the file does not expect it (no `status: likely_ineligible`, no `asks: other_studies_*`).
- missed exclusions: the file expects an exclusion (either of those) and the patient is not ruled out.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tests.e2e.conversations as conversations_module  # noqa: E402
from bot.trial.criteria import load_criteria  # noqa: E402
from tests.e2e.conversations import (  # noqa: E402
    CONVERSATION_FILES,
    Conversation,
    Result,
    eligible_answers,
    load_conversations,
    play,
    reply_texts,
    rest_say,
    tracker_slots,
)

# The questions' words are read from the criteria and domain files at every check; read them once per run.
conversations_module.question_texts = lru_cache(maxsize=None)(conversations_module.question_texts)
question_asked = conversations_module.question_asked

EXCLUSION_ASKS = ("other_studies_ok", "other_studies_name", "other_studies_contact", "other_studies_confirmed")


@dataclass
class Outcome:
    """What one conversation showed about dead ends, read-backs and exclusions (the module's figures)."""

    conversation: Conversation
    dead_ends: list[str] = field(default_factory=list)  # the question the patient was stuck at, per stretch
    misreads_caught: list[str] = field(default_factory=list)  # the patient message read back as an exclusion
    ruled_out: bool = False
    expects_exclusion: bool = False


def expected_after(conversation: Conversation, language: str) -> list[str | None]:
    """What the file expects asked after each patient message (None: not said). After each message of a
    `fill`, the next check it answers; after the last, the turn's `asks`, or else the check it fills up to."""
    criteria = load_criteria()
    expected: list[str | None] = []
    for turn in conversation.turns:
        if turn.say is not None:
            expected.append(turn.asks)
            continue
        answered = []
        for check in criteria.checks:
            if check.id == turn.fill:
                break
            if not (check.only_up_to_childbearing_age and turn.age > criteria.childbearing_age_max):
                answered.append(check.id)
        assert len(answered) == len(eligible_answers(turn.fill or "", turn.age, language))
        expected += answered[1:] + [turn.asks or turn.fill]
    return expected


def outcome(conversation: Conversation, heard: list[tuple[str, list[str], list[str]]], stored: str | None,
            phone: str) -> Outcome:
    """Read one played conversation: `heard` is (patient message, reply texts, button titles) per message."""
    language = conversation.lang or conversation.file_language
    expected = expected_after(conversation, language)
    asked = [question_asked(texts, language) if texts else "none" for _, texts, _ in heard]
    result = Outcome(conversation)
    result.expects_exclusion = conversation.status == "likely_ineligible" or any(
        t.asks in EXCLUSION_ASKS for t in conversation.turns)
    result.ruled_out = stored == "likely_ineligible" or any(a in EXCLUSION_ASKS for a in asked)

    def way_forward(index: int) -> bool:
        return bool(phone) and phone in "".join(" ".join(heard[index][1] + heard[index][2]).split())

    # on track: the question open when a message was typed is the one the file meant it to answer (after a
    # message the file says nothing about, as it was before; the first message is on track)
    tracked = [True]
    for i in range(len(heard)):
        said = expected[i] if i < len(expected) else None
        tracked.append(tracked[-1] if said is None else said == asked[i])

    def on_track(index: int) -> bool:
        return tracked[index]

    counted = False  # the current stretch (one question asked after consecutive messages) is counted
    for i, (message, texts, _) in enumerate(heard):
        question = asked[i]
        if i == 0 or asked[i - 1] != question:
            counted = False
        if question == "none" or not texts or way_forward(i):
            continue
        same_reply = (i >= 1 and on_track(i - 1) and asked[i - 1] == question and heard[i - 1][0] != message
                      and heard[i - 1][1] == texts)
        third = i >= 2 and on_track(i - 2) and asked[i - 1] == asked[i - 2] == question and not (
            set(texts) - set(heard[i - 1][1]) - set(heard[i - 2][1]) - {texts[-1]})
        if (same_reply or third) and not counted:
            result.dead_ends.append(question)
            counted = True
        if question == "confirm_exclusion" and on_track(i) and (
                expected[i] if i < len(expected) else None) != "confirm_exclusion":
            following = asked[i + 1] if i + 1 < len(asked) else None
            if following not in EXCLUSION_ASKS:
                result.misreads_caught.append(message)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="conversation files (default: the English and the Chinese set)")
    parser.add_argument("--lang", choices=sorted(CONVERSATION_FILES), default=None, help="play one language's set")
    parser.add_argument("--only", nargs="*", default=None, help="conversation ids to play")
    parser.add_argument("--verbose", action="store_true", help="print every turn")
    parser.add_argument("--report", default=None, help="write the failures as YAML to this file")
    parser.add_argument("--trace", default=None, help="write what was said and replied, per conversation, as JSON")
    parser.add_argument("--from-trace", default=None,
                        help="no servers: print the dead-end, read-back and exclusion figures from a --trace file")
    parser.add_argument("--jobs", type=int, default=3, help="conversations played at once (default 3)")
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
    if args.from_trace:
        trace = json.loads(Path(args.from_trace).read_text(encoding="utf-8"))
        replayed = [outcome(c, [tuple(m) for m in trace["conversations"][c.id]["heard"]],
                            trace["conversations"][c.id]["stored"], trace["phone"])
                    for c in conversations if c.id in trace["conversations"]]
        for language in sorted({o.conversation.file_language for o in replayed}):
            print(f"\n== {language} ==")
            print_safety_figures([o for o in replayed if o.conversation.file_language == language])
        return 0
    settings = throwaway_settings(Path(tempfile.mkdtemp(prefix="play-")))
    prepare(settings)
    stack = Stack(settings)
    started = time.monotonic()
    stack.start(["actions", "rasa"])
    print(f"servers up in {time.monotonic() - started:.0f} s; playing {len(conversations)} conversations", flush=True)
    store = LeadStore(Database(settings.database_url), FieldCipher(settings.data_key))
    rest = f"{settings.rasa_url}/webhooks/rest/webhook"

    said = rest_say(rest)
    heard: dict[str, list[tuple[str, list[str], list[str]]]] = {}  # sender: (message, texts, buttons)

    def say(sender: str, text: str, lang: str | None = None) -> list[dict]:
        replies = said(sender, text, lang)
        texts = [r.get("text", "") for r in replies]
        heard.setdefault(sender, []).append((text, texts, reply_texts(replies)[len(texts):]))
        return replies
    slots = tracker_slots(settings.tracker_store_url, settings.data_key)

    def status(sender: str) -> str | None:
        try:
            return store.get_lead(sender).provisional_status
        except Exception:  # noqa: BLE001 - nothing stored
            return None

    failures = []
    played: list[tuple[Conversation, int, str | None]] = []  # conversation, patient messages, status stored
    outcomes: list[Outcome] = []
    phone = "".join(settings.study_contact_phone.split())
    traces: dict[str, dict] = {}

    def play_one(conversation: Conversation) -> tuple[Conversation, Result, str | None, Outcome]:
        sender = f"play-{conversation.id}-{uuid.uuid4().hex[:6]}"
        result = play(conversation, sender, say, slots, status, verbose=args.verbose)
        stored = status(sender)
        traces[conversation.id] = {"stored": stored, "heard": heard.pop(sender, [])}
        return conversation, result, stored, outcome(conversation, traces[conversation.id]["heard"], stored, phone)

    try:
        # conversations are independent (one sender each): a few at once keep Rasa, the action server and
        # this player busy together; the results are reported in the file's order
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for conversation, result, stored, read in pool.map(play_one, conversations):
                played.append((conversation, result.turns, stored))
                outcomes.append(read)
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
        print_safety_figures([o for o in outcomes if o.conversation.file_language == language])
    if args.report:
        Path(args.report).write_text(yaml.safe_dump(failures, allow_unicode=True, sort_keys=False))
    if args.trace:
        Path(args.trace).write_text(json.dumps({"phone": phone, "conversations": traces}, ensure_ascii=False),
                                    encoding="utf-8")
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


def print_safety_figures(outcomes: list[Outcome]) -> None:
    """Dead ends, misreads caught by the read-back per 100 conversations, false and missed exclusions
    (defined in the module's docstring), with the conversation ids."""
    if not outcomes:
        return

    def ids(selected: list[Outcome]) -> str:
        return f" ({', '.join(o.conversation.id for o in selected)})" if selected else ""

    stuck = [o for o in outcomes if o.dead_ends]
    caught = [o for o in outcomes if o.misreads_caught]
    misreads = sum(len(o.misreads_caught) for o in outcomes)
    false_exclusions = [o for o in outcomes if o.ruled_out and not o.expects_exclusion]
    missed = [o for o in outcomes if o.expects_exclusion and not o.ruled_out]
    print(f"dead ends: {sum(len(o.dead_ends) for o in outcomes)}{ids(stuck)}")
    print(f"misreads caught by the read-back: {misreads} ({100 * misreads / len(outcomes):.1f} per 100 "
          f"conversations){ids(caught)}")
    print(f"false exclusions (ruled out, not expected): {len(false_exclusions)}{ids(false_exclusions)}")
    print(f"missed exclusions (expected, not ruled out): {len(missed)}{ids(missed)}")


if __name__ == "__main__":
    raise SystemExit(main())
