"""An audit entry's detail as the study team reads it, in the app's language.

The audit trail stores each detail once, as written when it happened (English words and the stored keys:
statuses, outcomes, check ids; it cannot be edited); the pages read the details of the changes made to a
lead back in the reader's language, with the same labels as the rest of the app. A detail of a shape this
module does not know is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from bot.leads.erasure import ERASE_REASONS
from bot.web.coordinator.core import (
    CHANNEL_LABELS,
    ERASE_REASON_LABELS,
    FAILURE_REASON_LABELS,
    OUTCOME_LABELS,
    REVIEW_LABELS,
    VERDICT_LABELS,
    services,
)
from bot.web.coordinator.criteria_words import criterion_label, record_item
from bot.web.coordinator.i18n import LANGUAGE_NAMES, format_moment


def _label(labels: Mapping[Any, object], key: str) -> str:
    return str(labels.get(key, key))


def _moment(iso: str) -> str:
    try:
        return format_moment(datetime.fromisoformat(iso))
    except ValueError:
        return iso


def _record_items(ids: str) -> str:
    items = {rc.id: rc for rc in services().criteria.record_checks}
    return "; ".join(record_item(items[i]) if i in items else i for i in (part.strip() for part in ids.split(",")))


def _set_status(m: re.Match[str]) -> str:
    said = [_label(REVIEW_LABELS, m["status"])]
    if m["visit"]:
        said.append(_("visit %(when)s", when=_moment(m["visit"])))
    if m["reason"]:
        said.append(_("reason: %(reason)s", reason=_label(FAILURE_REASON_LABELS, m["reason"])))
    if m["failed"]:
        said.append("; ".join(criterion_label(check.strip(), check.strip()) for check in m["failed"].split(",")))
    return "; ".join(said)


_ERASED = {english: key for key, english in ERASE_REASONS.items()}

# (action, the stored detail's shape, how to say it)
_DETAILS: tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    ("set_status", re.compile(r"(?P<status>\w+)(?:, visit (?P<visit>\S+))?(?:, reason (?P<reason>\w+)"
                              r"(?: \((?P<failed>[\w, ]+)\))?)?"), _set_status),
    ("override", re.compile(r"(?P<check>\w+): (?P<bot>\w+) -> (?P<verdict>\w+)"),
     lambda m: _("%(check)s: %(bot)s → %(verdict)s", check=criterion_label(m["check"], m["check"]),
                 bot=_label(VERDICT_LABELS, m["bot"]), verdict=_label(VERDICT_LABELS, m["verdict"]))),
    ("record_checks", re.compile(r"(?P<ids>[\w, ]+)"), lambda m: _record_items(m["ids"])),
    ("contact_attempt", re.compile(r"(?P<channel>\w+), (?P<outcome>\w+), at (?P<at>\S+)"),
     lambda m: _("%(channel)s, %(outcome)s, %(when)s", channel=_label(CHANNEL_LABELS, m["channel"]),
                 outcome=_label(OUTCOME_LABELS, m["outcome"]), when=_moment(m["at"]))),
    ("auto_status", re.compile(r"(?P<before>\w+) -> (?P<after>\w+) after attempt (?P<n>\d+)"),
     lambda m: _("%(before)s → %(after)s after attempt %(num)s", before=_label(REVIEW_LABELS, m["before"]),
                 after=_label(REVIEW_LABELS, m["after"]), num=m["n"])),
    ("set_callback", re.compile(r"cleared"), lambda m: _("cleared")),
    ("set_callback", re.compile(r"(?P<at>\d{4}-\S+)"), lambda m: _moment(m["at"])),
    ("erase", re.compile(r"withdrawn"), lambda m: _("the patient withdrew")),
    ("set_language", re.compile(r"(?P<code>\w+)"), lambda m: _label(LANGUAGE_NAMES, m["code"])),
    ("view_metrics", re.compile(r"(?P<n>\d+) weeks"), lambda m: _("%(num)s weeks", num=m["n"])),
    ("sign_in", re.compile(r"from (?P<address>\S+)"), lambda m: _("from %(address)s", address=m["address"])),
    ("sign_in_locked", re.compile(r"from (?P<address>\S+)"), lambda m: _("from %(address)s", address=m["address"])),
    ("sign_in_failed", re.compile(r"from (?P<address>\S+)"), lambda m: _("from %(address)s", address=m["address"])),
    ("sign_in_failed", re.compile(r"from (?P<address>\S+), unknown username"),
     lambda m: _("from %(address)s, unknown username", address=m["address"])),
    *((action, re.compile(r"retention (?P<n>\d+) days"), lambda m: _("kept %(num)s days", num=m["n"]))
      for action in ("purge", "purge_other_studies")),
    *((action, re.compile(r"(?P<code>[^;]*); reason: (?P<reason>[a-z ]+)"),
       lambda m: _("%(code)s; reason: %(reason)s", code=m["code"],
                   reason=_label(ERASE_REASON_LABELS, _ERASED.get(m["reason"], m["reason"]))))
      for action in ("erase", "erase_other_studies")),
)


def audit_detail(action: str, detail: str | None) -> str:
    """An audit entry's detail in the app's language (as stored when its shape is not known here)."""
    detail = detail or ""
    for known, pattern, say in _DETAILS:
        if known == action:
            match = pattern.fullmatch(detail)
            if match:
                return say(match)
    return detail
