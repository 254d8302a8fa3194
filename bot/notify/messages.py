"""The messages the study team receives: what a lead or a digest looks like on each channel.

Only a reference code, the provisional status, a time and a link go in; these functions are
never given a name, phone number, e-mail address or answer, so they cannot leak one. (Staff-facing
wording: the patient-facing text rule concerns `domain.yml` and the criteria file.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.notify.config import NotifyConfig

# The coordinator app shows the same labels (bot/web/coordinator/core.py); this layer may not import it.
STATUS_LABELS = {
    "likely_eligible": "Likely eligible",
    "needs_review": "Needs review",
    "likely_ineligible": "Likely ineligible",
}
DIGEST_LIST_LIMIT = 30  # reference codes listed per section (fewer in WeCom markdown when they do not fit)
WECOM_MAX_BYTES = 4096  # a WeCom group robot refuses longer markdown content
TIME_FORMAT = "%d %b %Y, %H:%M"


@dataclass(frozen=True)
class LeadRef:
    """A lead as a message may name it: its id (for the link), reference code and status."""

    screening_id: int
    reference_code: str
    provisional_status: str
    completed_at: datetime
    callback_at: datetime | None = None  # the call-back time, in the digest's call-backs


@dataclass(frozen=True)
class Message:
    """One notification, ready for every channel: subject, plain text, and the webhook's fields."""

    subject: str
    text: str
    markdown: str
    fields: dict[str, object]

    def body_for(self, channel: str, webhook_format: str) -> str:
        """What is stored in the outbox and sent: plain text for e-mail, a JSON document for a webhook."""
        if channel == "email":
            return self.text
        if webhook_format == "wecom":  # WeCom group robot: msgtype markdown, content up to 4096 bytes
            return json.dumps({"msgtype": "markdown", "markdown": {"content": self.markdown}}, ensure_ascii=False)
        return json.dumps(dict(self.fields, text=self.text), ensure_ascii=False)


def lead_link(config: NotifyConfig, screening_id: int) -> str:
    return f"{config.public_url}/leads/{screening_id}"


def local(config: NotifyConfig, moment: datetime) -> str:
    return f"{moment.astimezone(config.timezone).strftime(TIME_FORMAT)} ({config.timezone_name})"


def lead_message(config: NotifyConfig, trial: str, lead: LeadRef) -> Message:
    """A screening completed with contact details."""
    status = STATUS_LABELS.get(lead.provisional_status, lead.provisional_status)
    link = lead_link(config, lead.screening_id)
    when = local(config, lead.completed_at)
    text = (
        f"A patient completed the {trial} prescreen and left contact details.\n\n"
        f"Reference:           {lead.reference_code}\n"
        f"Provisional status:  {status}\n"
        f"Completed:           {when}\n"
        f"Open the lead:       {link}\n\n"
        f"Please contact the patient within {config.deadline_hours} hours. Contact details and answers are in "
        "the coordinator app (sign-in required); they are never sent by e-mail or webhook.\n"
    )
    markdown = (
        f"**New prescreen lead** ({trial})\n"
        f"> Reference: **{lead.reference_code}**\n"
        f"> Provisional status: {status}\n"
        f"> Completed: {when}\n\n"
        f"[Open the lead]({link}) (sign-in required). Contact within {config.deadline_hours} hours."
    )
    fields: dict[str, object] = {
        "event": "new_lead",
        "trial": trial,
        "reference_code": lead.reference_code,
        "provisional_status": lead.provisional_status,
        "completed_at": lead.completed_at.astimezone(config.timezone).isoformat(),
        "link": link,
    }
    return Message(f"New prescreen lead {lead.reference_code}: {status}", text, markdown, fields)


@dataclass(frozen=True)
class DigestLeads:
    """What the daily digest lists, each oldest (or soonest) first."""

    new: list[LeadRef]  # completed with contact details since the last digest
    overdue: list[LeadRef]  # past the contact deadline with no attempt logged (bot.leads.pipeline.is_overdue)
    callbacks: list[LeadRef]  # a call-back due by the end of today, not tried since (missed ones included)

    @property
    def empty(self) -> bool:
        return not (self.new or self.overdue or self.callbacks)


@dataclass(frozen=True)
class _Line:
    """One lead in a digest section: code, link, and the moment that matters for it."""

    reference_code: str
    link: str
    at: datetime
    when: str  # the moment as staff read it: "completed 01 Dec 2026, 08:29", "call back … (missed)"


@dataclass(frozen=True)
class _Section:
    key: str  # the JSON field
    heading: str  # e-mail and JSON text
    short_heading: str  # WeCom markdown
    moment_field: str  # the JSON name of each lead's moment
    lines: list[_Line]


def _sections(config: NotifyConfig, now: datetime, since: datetime, leads: DigestLeads) -> list[_Section]:
    today = now.astimezone(config.timezone).date()

    def shown(moment: datetime) -> str:
        return moment.astimezone(config.timezone).strftime(TIME_FORMAT)

    def completed(lead: LeadRef) -> _Line:
        link = lead_link(config, lead.screening_id)
        return _Line(lead.reference_code, link, lead.completed_at, f"completed {shown(lead.completed_at)}")

    def call_back(lead: LeadRef) -> _Line:
        at = lead.callback_at or lead.completed_at
        missed = " (missed)" if at.astimezone(config.timezone).date() < today else ""
        return _Line(lead.reference_code, lead_link(config, lead.screening_id), at, f"call back {shown(at)}{missed}")

    deadline = f"Past the {config.deadline_hours}-hour contact deadline"
    return [
        _Section("new_leads", f"New leads since {local(config, since)}", "New leads", "completed_at",
                 [completed(lead) for lead in leads.new]),
        _Section("overdue_leads", f"{deadline}, no contact attempt yet", deadline, "completed_at",
                 [completed(lead) for lead in leads.overdue]),
        _Section("callbacks_due", "Call-backs due today", "Call-backs due today", "callback_at",
                 [call_back(lead) for lead in leads.callbacks]),
    ]


def _listed(section: _Section, limit: int, render: Callable[[_Line], str], more: Callable[[int], str]) -> list[str]:
    """Up to `limit` lines, then one saying how many more the lead list holds."""
    extra = len(section.lines) - limit
    return [render(line) for line in section.lines[:limit]] + ([more(extra)] if extra > 0 else [])


def _digest_text(config: NotifyConfig, trial: str, day: str, since: datetime, sections: list[_Section]) -> str:
    lines = [f"{trial} prescreen: daily digest for {day} (times in {config.timezone_name})", ""]
    if not any(section.lines for section in sections):
        lines += [
            f"Nothing needs action: no new leads since {local(config, since)}, none past the "
            f"{config.deadline_hours}-hour contact deadline, no call-backs due today.",
            "",
        ]
    else:
        for section in sections:
            lines += [
                f"{section.heading}: {len(section.lines)}",
                *_listed(section, DIGEST_LIST_LIMIT, lambda line: f"  {line.reference_code}  {line.when}  {line.link}",
                         lambda more: f"  … and {more} more (see the lead list)"),
                "",
            ]
    lines.append(f"All leads, those that need action first: {config.public_url}/leads (sign-in required). "
                 "Contact details, answers and notes are never sent by e-mail or webhook.")
    return "\n".join(lines) + "\n"


def _digest_markdown(config: NotifyConfig, trial: str, day: str, sections: list[_Section]) -> str:
    """WeCom markdown, listing as many leads per section as fit in the robot's 4096 bytes."""
    head = f"**{trial} prescreen: daily digest** {day}"
    foot = f"Times in {config.timezone_name}. [Open the lead list]({config.public_url}/leads) (sign-in required)"
    if not any(section.lines for section in sections):
        return f"{head}\n> Nothing needs action: no new leads, none overdue, no call-backs due today.\n{foot}"
    for limit in range(DIGEST_LIST_LIMIT, -1, -1):
        lines = [head]
        for section in sections:
            lines.append(f"> {section.short_heading}: **{len(section.lines)}**")
            lines += _listed(section, limit, lambda line: f"> [{line.reference_code}]({line.link}) {line.when}",
                             lambda more: f"> … and {more} more")
        markdown = "\n".join([*lines, foot])
        if len(markdown.encode("utf-8")) <= WECOM_MAX_BYTES:
            break
    return markdown


def digest_message(config: NotifyConfig, trial: str, now: datetime, since: datetime, leads: DigestLeads) -> Message:
    """The daily digest: counts, reference codes, times and links only."""
    day = now.astimezone(config.timezone).strftime("%d %b %Y")
    sections = _sections(config, now, since, leads)

    def refs(section: _Section) -> list[dict[str, str]]:
        return [
            {"reference_code": line.reference_code, "link": line.link,
             section.moment_field: line.at.astimezone(config.timezone).isoformat()}
            for line in section.lines[:DIGEST_LIST_LIMIT]
        ]

    fields: dict[str, object] = {
        "event": "daily_digest",
        "trial": trial,
        "since": since.astimezone(config.timezone).isoformat(),
        "until": now.astimezone(config.timezone).isoformat(),
        **{section.key: {"count": len(section.lines), "leads": refs(section)} for section in sections},
        "link": f"{config.public_url}/leads",
    }
    if leads.empty:
        subject = f"Prescreen digest {day}: nothing needs action"
    else:
        callbacks = len(leads.callbacks)
        subject = (
            f"Prescreen digest {day}: {len(leads.new)} new, {len(leads.overdue)} past the contact deadline, "
            f"{callbacks} call-back{'' if callbacks == 1 else 's'} due today"
        )
    return Message(subject, _digest_text(config, trial, day, since, sections),
                   _digest_markdown(config, trial, day, sections), fields)
