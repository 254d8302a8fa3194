"""The messages the study team receives: what a lead or a digest looks like on each channel.

Only a reference code, the provisional status, a time and a link go in; these functions are
never given a name, phone number, e-mail address or answer, so they cannot leak one. (Staff-facing
wording: the patient-facing text rule concerns `domain.yml` and the criteria file.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.notify.config import NotifyConfig

# The coordinator app shows the same labels (bot/web/coordinator/core.py); this layer may not import it.
STATUS_LABELS = {
    "likely_eligible": "Likely eligible",
    "needs_review": "Needs review",
    "likely_ineligible": "Likely ineligible",
}
DIGEST_LIST_LIMIT = 30  # reference codes listed per section; WeCom caps a message at 4096 bytes
TIME_FORMAT = "%d %b %Y, %H:%M"


@dataclass(frozen=True)
class LeadRef:
    """A lead as a message may name it: its id (for the link), reference code and status."""

    screening_id: int
    reference_code: str
    provisional_status: str
    completed_at: datetime


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


def _listed(config: NotifyConfig, leads: list[LeadRef], bullet: str) -> list[str]:
    lines = [
        f"{bullet}{lead.reference_code}  {lead_link(config, lead.screening_id)}" for lead in leads[:DIGEST_LIST_LIMIT]
    ]
    if len(leads) > DIGEST_LIST_LIMIT:
        lines.append(f"{bullet}… and {len(leads) - DIGEST_LIST_LIMIT} more (see the lead list)")
    return lines


def digest_message(
    config: NotifyConfig, trial: str, now: datetime, since: datetime, new: list[LeadRef], overdue: list[LeadRef]
) -> Message:
    """The daily digest: counts, reference codes and links only."""
    day = now.astimezone(config.timezone).strftime("%d %b %Y")
    text_lines = [
        f"{trial} prescreen: daily digest for {day}",
        "",
        f"New leads since {local(config, since)}: {len(new)}",
        *_listed(config, new, "  "),
        "",
        f"Past the {config.deadline_hours}-hour contact deadline (still \"new\"): {len(overdue)}",
        *_listed(config, overdue, "  "),
        "",
        f"All leads: {config.public_url}/leads (sign-in required). Contact details and answers are never "
        "sent by e-mail or webhook.",
    ]
    markdown_lines = [
        f"**{trial} prescreen: daily digest** {day}",
        f"> New leads: **{len(new)}**",
        *_listed(config, new, "> "),
        f"> Past the {config.deadline_hours}-hour contact deadline: **{len(overdue)}**",
        *_listed(config, overdue, "> "),
        f"[Open the lead list]({config.public_url}/leads)",
    ]

    def refs(leads: list[LeadRef]) -> list[dict[str, str]]:
        return [{"reference_code": lead.reference_code, "link": lead_link(config, lead.screening_id)} for lead in leads]

    fields: dict[str, object] = {
        "event": "daily_digest",
        "trial": trial,
        "since": since.astimezone(config.timezone).isoformat(),
        "until": now.astimezone(config.timezone).isoformat(),
        "new_leads": {"count": len(new), "leads": refs(new[:DIGEST_LIST_LIMIT])},
        "overdue_leads": {"count": len(overdue), "leads": refs(overdue[:DIGEST_LIST_LIMIT])},
        "link": f"{config.public_url}/leads",
    }
    subject = f"Prescreen digest {day}: {len(new)} new, {len(overdue)} past the contact deadline"
    return Message(subject, "\n".join(text_lines) + "\n", "\n".join(markdown_lines), fields)
