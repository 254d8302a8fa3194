"""`prescreen`: the command line for coordinators and maintainers.

    prescreen db upgrade | current | downgrade REVISION --yes
    prescreen leads list [--status S] [--review-status R]
    prescreen leads show ID|REFERENCE
    prescreen leads export --format json|csv [--output FILE] [--other-studies]
    prescreen leads set-status ID STATUS --note TEXT [--visit WHEN] [--reason R [--failed-criteria IDS]]
    prescreen leads erase ID --yes
    prescreen keys new | rotate
    prescreen purge [--older-than DAYS] [--dry-run]
    prescreen coordinator add USERNAME [--reset]   (password from a prompt or stdin)
    prescreen coordinator list
    prescreen nlu review [--threshold 0.6] [--days N] [--prefill] [--output FILE]
    prescreen texts export [--out DIR]
    prescreen backup [--output DIR|FILE]
    prescreen restore FILE --yes
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.cli.common import actor, open_store, write_export
from bot.leads.crypto import MissingKeyError, new_key
from bot.leads.erasure import TrackerStoreError
from bot.leads.export import FORMATS, leads_as
from bot.leads.models import ReviewStatus
from bot.leads.pipeline import SCREEN_FAILURE_REASONS
from bot.leads.store import LeadNotFound, LeadRecord, StoreError
from bot.settings import get_settings
from bot.trial.eligibility import Status

Command = Callable[[argparse.Namespace], int]


def _print_lead(record: LeadRecord, out: TextIO) -> None:
    contact = record.contact
    out.write(f"Lead {record.id}  {record.reference_code or '-'}  conversation {record.conversation_id}\n")
    out.write(f"  provisional: {record.provisional_status}   review: {record.review_status}\n")
    out.write(f"  consent: {record.consented_at:%Y-%m-%d %H:%M} UTC ({record.consent_version}); "
              f"criteria {record.criteria_version}; language {record.language}\n")
    if contact:
        out.write(f"  contact: {contact.name} | phone {contact.phone or '-'} | email {contact.email or '-'} | "
                  f"WeChat {contact.wechat or '-'} | best time {contact.preferred_time or '-'}\n")
    else:
        out.write("  contact: none given\n")
    answers = {a["check_id"]: a for a in record.answers}
    out.write("  criteria:\n")
    for item in record.criteria:
        said = answers.get(item["check_id"], {}).get("patient_text")
        out.write(f"    [{item['verdict']:>13}] {item['protocol']:<4} {item['label']}\n")
        out.write(f"{'':22}{item['reason']}" + (f'  (said: "{said}")' if said else "") + "\n")
    for change in record.status_changes:
        out.write(f"  {change['changed_at']} {change['actor']}: {change['status']} - {change['note']}\n")


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.leads.migrate import upgrade

    upgrade(get_settings().database_url)
    print("Lead database schema is up to date.")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from bot.leads.migrate import schema_revisions

    current, head = schema_revisions(get_settings().database_url)
    print(f"schema {current or '(empty)'}; this version's: {head}"
          + ("" if current == head else "  -> run `prescreen db upgrade`"))
    return 0 if current == head else 1


def cmd_db_downgrade(args: argparse.Namespace) -> int:
    from bot.leads.migrate import downgrade

    if not args.yes:
        print(f"Add --yes to take the schema back to {args.revision} (back up first: `prescreen backup`).",
              file=sys.stderr)
        return 2
    downgrade(get_settings().database_url, args.revision)
    print(f"Lead database schema is at {args.revision}: start the version that matches it.")
    return 0


def cmd_leads_list(args: argparse.Namespace) -> int:
    records = open_store(get_settings()).list_leads(args.status, args.review_status)
    if not records:
        print("No completed screenings yet.")
        return 0
    print(f"{'ID':>5}  {'REFERENCE':<10} {'COMPLETED (UTC)':<17} {'PROVISIONAL':<18} {'REVIEW':<11} NAME")
    for r in records:
        name = r.contact.name if r.contact else "-"
        done = f"{r.completed_at:%Y-%m-%d %H:%M}" if r.completed_at else "-"
        print(f"{r.id:>5}  {r.reference_code or '-':<10} {done:<17} {r.provisional_status or '-':<18} "
              f"{r.review_status:<11} {name}")
    return 0


def cmd_leads_show(args: argparse.Namespace) -> int:
    store = open_store(get_settings())
    record = store.get_lead(args.lead)
    store.audit(actor(), "view_lead", record.id, "cli show")
    _print_lead(record, sys.stdout)
    return 0


def cmd_leads_export(args: argparse.Namespace) -> int:
    store = open_store(get_settings())
    if args.other_studies:
        from bot.leads.other_studies_export import other_studies_as

        entries = store.other_studies_contacts()
        store.audit(actor(), "export_other_studies", None, f"{args.format}, {len(entries)} entries")
        write_export(other_studies_as(args.format, entries), args.output, f"{len(entries)} other-studies contacts")
        return 0
    records = store.list_leads(args.status, args.review_status)
    text = leads_as(args.format, records)
    store.audit(actor(), "export", None, f"{args.format}, {len(records)} leads")
    write_export(text, args.output, f"{len(records)} leads")
    return 0


def cmd_leads_set_status(args: argparse.Namespace) -> int:
    store = open_store(get_settings())
    record = store.get_lead(args.lead)
    visit_at = None
    if args.visit:
        visit_at = datetime.fromisoformat(args.visit)  # ValueError: main prints it
        if visit_at.tzinfo is None:  # typed as local time at the site
            visit_at = visit_at.replace(tzinfo=ZoneInfo(get_settings().coordinator_timezone))
    failed = [c for c in (args.failed_criteria or "").split(",") if c.strip()]
    store.set_review_status(record.id, args.status, args.note, actor(), visit_at=visit_at,
                            screen_failure_reason=args.reason, failed_criteria=failed)
    print(f"Lead {record.id} ({record.reference_code}) is now {args.status}.")
    return 0


def cmd_keys_new(args: argparse.Namespace) -> int:
    print(new_key())
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from bot.leads.factory import open_lead_store
    from bot.leads.retention import rotate_keys
    from bot.leads.transcripts import rotate_transcripts

    store = open_lead_store(get_settings(), require_key=True)  # MissingKeyError says how to set one
    assert store.cipher is not None
    count = rotate_keys(store, store.cipher)
    print(f"Re-encrypted {count} contacts under the current key.")
    events = rotate_transcripts(get_settings().tracker_store_url, store.cipher)  # TrackerStoreError: exit 1
    print(f"Re-encrypted {events} conversation events under the current key. "
          "Remove the old key from PRESCREEN_OLD_DATA_KEYS.")
    return 0


def cmd_leads_erase(args: argparse.Namespace) -> int:
    from bot.leads.erasure import erase_lead

    if not args.yes:
        print("This deletes the lead, its answers, its contact details and its conversation. Add --yes to confirm.",
              file=sys.stderr)
        return 2
    try:
        conversation_id = erase_lead(open_store(get_settings()), get_settings().tracker_store_url, args.lead, actor())
    except TrackerStoreError as error:
        print(f"prescreen: {error}, so nothing was erased. Try again once it is back.", file=sys.stderr)
        return 1
    print(f"Erased lead {args.lead} (conversation {conversation_id}); only an audit entry remains.")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from bot.leads.retention import purge

    settings = get_settings()
    days = args.older_than or settings.retention_days
    result = purge(open_store(settings), days, actor(), settings.tracker_store_url, dry_run=args.dry_run)
    verb = "Would purge" if args.dry_run else "Purged"
    print(f"{verb} contact details and transcripts of {len(result.purged)} unconfirmed leads older than {days} days.")
    print(f"{verb} {len(result.other_studies)} other-studies contacts given more than {days} days ago.")
    if result.kept:
        print(f"prescreen: the conversation store (TRACKER_STORE_URL) is unavailable: {len(result.kept)} leads kept "
              "untouched for the next run. Check TRACKER_STORE_URL in .env.", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prescreen", description="Prescreen: leads, database and keys.")
    groups = parser.add_subparsers(dest="group", required=True)

    db = groups.add_parser("db", help="the lead database").add_subparsers(dest="command", required=True)
    db.add_parser("upgrade", help="apply schema migrations").set_defaults(run=cmd_db_upgrade)
    db.add_parser("current", help="the schema's revision and this version's (exit 1 when behind)").set_defaults(
        run=cmd_db_current)
    down = db.add_parser("downgrade", help="roll the schema back to an earlier revision (README, Upgrades)")
    down.add_argument("revision", help="the revision the earlier version needs, e.g. 0005_languages")
    down.add_argument("--yes", action="store_true", help="confirm")
    down.set_defaults(run=cmd_db_downgrade)

    leads = groups.add_parser("leads", help="captured prescreens").add_subparsers(dest="command", required=True)
    statuses = tuple(s.value for s in Status)
    reviews = tuple(s.value for s in ReviewStatus)
    for name, run, help_text in (("list", cmd_leads_list, "completed screenings, newest first"),
                                 ("export", cmd_leads_export, "export as JSON (an array) or CSV")):
        sub = leads.add_parser(name, help=help_text)
        sub.add_argument("--status", choices=statuses, help="provisional status")
        sub.add_argument("--review-status", choices=reviews)
        sub.set_defaults(run=run)
        if name == "export":
            sub.add_argument("--format", choices=FORMATS, default="json")
            sub.add_argument("--output", help="file to write (default: standard output)")
            sub.add_argument("--other-studies", action="store_true",
                             help="instead: ruled-out patients who agreed to hear about other studies")
    show = leads.add_parser("show", help="one lead with its evidence")
    show.add_argument("lead", help="id, reference code (PS-...) or conversation id")
    show.set_defaults(run=cmd_leads_show)
    set_status = leads.add_parser("set-status", help="record a review decision")
    set_status.add_argument("lead", help="id, reference code (PS-...) or conversation id")
    set_status.add_argument("status", choices=reviews)
    set_status.add_argument("--note", required=True, help="why (kept in the review trail)")
    set_status.add_argument("--visit", help="visit_booked: the visit's date and time, e.g. 2026-12-10T09:30 "
                                            "(COORDINATOR_TIMEZONE unless an offset is given)")
    set_status.add_argument("--reason", choices=SCREEN_FAILURE_REASONS, help="rejected: why screening failed")
    set_status.add_argument("--failed-criteria", help="rejected: the check ids that failed, comma-separated")
    set_status.set_defaults(run=cmd_leads_set_status)

    erase = leads.add_parser("erase", help="delete a lead and its conversation (right to erasure)")
    erase.add_argument("lead", help="id, reference code (PS-...) or conversation id")
    erase.add_argument("--yes", action="store_true", help="confirm")
    erase.set_defaults(run=cmd_leads_erase)

    keys = groups.add_parser("keys", help="encryption keys").add_subparsers(dest="command", required=True)
    keys.add_parser("new", help="print a new PRESCREEN_DATA_KEY").set_defaults(run=cmd_keys_new)
    keys.add_parser("rotate", help="re-encrypt contact details and transcripts under the current key").set_defaults(
        run=cmd_keys_rotate)

    purge = groups.add_parser("purge", help="remove contact details and transcripts of old unconfirmed leads")
    purge.add_argument("--older-than", type=int, metavar="DAYS", help="default: RETENTION_DAYS setting")
    purge.add_argument("--dry-run", action="store_true", help="only count")
    purge.set_defaults(run=cmd_purge)

    from bot.cli.backups import add_backup_commands
    from bot.cli.coordinators import add_coordinator_commands  # here: the web app's accounts load only when asked
    from bot.cli.nlu import add_nlu_commands
    from bot.cli.texts import add_texts_commands

    add_coordinator_commands(groups)
    add_nlu_commands(groups)
    add_texts_commands(groups)
    add_backup_commands(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot.monitoring.logs import configure_logging

    if not logging.getLogger().handlers:  # a program of its own (not called from a host that logs already)
        configure_logging("cli", logging.WARNING)  # what goes wrong, in LOG_FORMAT; results stay on stdout
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except LeadNotFound as error:
        print(f"prescreen: {error}", file=sys.stderr)
        return 2
    except TrackerStoreError as error:
        print(f"prescreen: {error}. Check TRACKER_STORE_URL in .env.", file=sys.stderr)
        return 1
    except (StoreError, MissingKeyError) as error:
        print(f"prescreen: {error}. Check DATABASE_URL and PRESCREEN_DATA_KEY in .env.", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"prescreen: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
