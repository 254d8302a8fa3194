"""`prescreen backup` and `prescreen restore`: the lead database and the transcripts, encrypted at rest.

    prescreen backup [--output DIR|FILE]        default: PRESCREEN_BACKUP_DIR, else var/backups/
    prescreen restore FILE [--yes]              into EMPTY databases only (DATABASE_URL, TRACKER_STORE_URL)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import actor, open_store
from bot.leads.backup import KEY_ADVICE, BackupError, BackupInfo, read_info, restore_backup, write_backup
from bot.settings import get_settings


def _describe(info: BackupInfo) -> str:
    parts = ", ".join(f"{p.name}: {p.kind}" for p in info.parts)
    return (f"{info.path} ({info.size_bytes / 1e6:.1f} MB; {parts}; schema {info.schema_revision or '?'}; "
            f"made {info.created_at}; key id {info.key_id})")


def cmd_backup(args: argparse.Namespace) -> int:
    settings = get_settings()
    output = Path(args.output or settings.backup_dir or settings.var_dir / "backups")
    try:
        info = write_backup(settings.database_url, settings.tracker_store_url, settings.data_key, output)
    except BackupError as error:
        print(f"prescreen: backup failed: {error}", file=sys.stderr)
        return 1
    open_store(settings).audit(actor(), "backup", None, f"backup {info.path.name}, key id {info.key_id}")
    print(f"Backup written: {_describe(info)}")
    print(f"Encrypted with PRESCREEN_DATA_KEY (key id {info.key_id}). {KEY_ADVICE}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.leads.migrate import upgrade

    settings = get_settings()
    path = Path(args.file)
    try:
        info = read_info(path)
    except (OSError, BackupError) as error:
        print(f"prescreen: {error}", file=sys.stderr)
        return 1
    print(f"Restoring {_describe(info)}")
    print(f"  into the lead database {settings.database_url.split('@')[-1]}"
          + ("" if len(info.parts) == 1 else f" and the transcripts {settings.tracker_store_url.split('@')[-1]}"))
    if not args.yes:
        print("Add --yes to restore (only into empty databases; nothing is overwritten).", file=sys.stderr)
        return 2
    try:
        restore_backup(path, settings.database_url, settings.tracker_store_url,
                       (settings.data_key, *settings.old_data_keys))
    except BackupError as error:
        print(f"prescreen: restore failed: {error}", file=sys.stderr)
        return 1
    upgrade(settings.database_url)  # a backup from an older version: its schema brought up to date
    open_store(settings).audit(actor(), "restore", None, f"restored {path.name} made {info.created_at}")
    print("Restored, and the schema is up to date. Leads erased after this backup was made are back in it: "
          "erase them again (see README, Backups).")
    return 0


def add_backup_commands(groups: argparse._SubParsersAction) -> None:
    backup = groups.add_parser("backup", help="an encrypted backup of the lead database and the transcripts")
    backup.add_argument("--output", help="directory (a time-stamped file is written in it) or file; default: "
                                         "PRESCREEN_BACKUP_DIR, else var/backups")
    backup.set_defaults(run=cmd_backup)
    restore = groups.add_parser("restore", help="restore a backup into empty databases")
    restore.add_argument("file", help="the .backup file")
    restore.add_argument("--yes", action="store_true", help="confirm")
    restore.set_defaults(run=cmd_restore)
