"""`prescreen nlu review`: export messages the model was unsure about, as NLU YAML to label.

The reading and formatting live in bot/nlu/review.py (plain functions, no CLI); this module is
the command: arguments, the audit entry, and where the file goes.
"""

from __future__ import annotations

import argparse
import sys
import time

from bot.cli.common import actor, open_store, write_export
from bot.leads.crypto import FieldCipher
from bot.nlu.review import (
    DEFAULT_THRESHOLD,
    ReviewError,
    as_nlu_yaml,
    known_examples,
    messages_to_review,
    safety_net_to_review,
)
from bot.settings import get_settings


def cmd_nlu_review(args: argparse.Namespace) -> int:
    if not 0.0 < args.threshold <= 1.0:
        raise ValueError("--threshold must be between 0 and 1")
    settings = get_settings()
    since = time.time() - args.days * 86400 if args.days else None
    try:
        cipher = FieldCipher(settings.data_key, settings.old_data_keys) if settings.data_key else None
        messages = messages_to_review(settings.tracker_store_url, settings.database_url, args.threshold, since, cipher)
        caught = safety_net_to_review(settings.tracker_store_url, settings.database_url, since, cipher)
    except ReviewError as error:
        print(f"prescreen: {error}", file=sys.stderr)
        return 1
    output = as_nlu_yaml(messages, args.threshold, prefill=args.prefill, known=known_examples(), caught=caught)
    open_store(settings).audit(actor(), "nlu_review_export", None,
                       f"{len(caught)} misreads caught, {len(messages)} messages below {args.threshold:.2f}"
                       + (f", last {args.days} days" if args.days else ""))
    write_export(output, args.output, f"{len(messages)} messages")
    return 0


def add_nlu_commands(groups: argparse._SubParsersAction) -> None:
    nlu = groups.add_parser("nlu", help="the language model").add_subparsers(dest="command", required=True)
    review = nlu.add_parser("review", help="export messages the model was unsure about, as NLU YAML to label")
    review.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                        help=f"export intents scored below this confidence (default {DEFAULT_THRESHOLD})")
    review.add_argument("--days", type=int, help="only messages from the last DAYS days")
    review.add_argument("--prefill", action="store_true",
                        help="label each block with the predicted intent instead of TODO (check every example)")
    review.add_argument("--output", help="file to write (default: standard output)")
    review.set_defaults(run=cmd_nlu_review)
