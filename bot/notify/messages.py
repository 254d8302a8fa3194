"""The messages the study team receives: what a lead or a digest looks like on each channel.

Only a reference code, the provisional status, a time and a link go in; these functions are
never given a name, phone number, e-mail address or answer, so they cannot leak one. (Staff-facing
wording: the patient-facing text rule concerns `domain.yml` and the criteria file.) Subject, text and
markdown are in NOTIFY_LANGUAGE, their words from the notify catalogue (bot/notify/language.py); the
JSON webhook's field names and codes are a data format and stay English.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.notify.config import NotifyConfig
from bot.notify.language import Wording, aligned
from bot.trial.criteria import load_criteria

DIGEST_LIST_LIMIT = 30  # reference codes listed per section (fewer in WeCom markdown when they do not fit)
WECOM_MAX_BYTES = 4096  # a WeCom group robot refuses longer markdown content


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


def wording(config: NotifyConfig) -> Wording:
    return Wording(config.language, config.timezone)


def local(config: NotifyConfig, moment: datetime) -> str:
    """A moment with its time zone named: 03 Dec 2026, 08:31 (Asia/Shanghai)."""
    words = wording(config)
    return words.gettext("%(moment)s (%(zone)s)", moment=words.moment(moment), zone=config.timezone_name)


def status_label(words: Wording, provisional_status: str) -> str:
    """The status's name in the messages' language, from the criteria files, as the coordinator app shows it."""
    return load_criteria().status_name(provisional_status, words.language)


def lead_message(config: NotifyConfig, trial: str, lead: LeadRef) -> Message:
    """A screening completed with contact details."""
    words = wording(config)
    status = status_label(words, lead.provisional_status)
    link = lead_link(config, lead.screening_id)
    when = local(config, lead.completed_at)
    hours = config.deadline_hours
    facts = aligned([
        (words.gettext("Reference:"), lead.reference_code),
        (words.gettext("Provisional status:"), status),
        (words.gettext("Completed:"), when),
        (words.gettext("Open the lead:"), link),
    ])
    text = "\n".join([
        words.gettext("A patient completed the %(trial)s prescreen and left contact details.", trial=trial),
        "",
        *facts,
        "",
        words.ngettext(
            "Please contact the patient within %(hours)d hour. Contact details and answers are in the coordinator "
            "app (sign-in required); they are never sent by e-mail or webhook.",
            "Please contact the patient within %(hours)d hours. Contact details and answers are in the coordinator "
            "app (sign-in required); they are never sent by e-mail or webhook.",
            hours, hours=hours,
        ),
    ]) + "\n"
    markdown = "\n".join([
        words.gettext("**New prescreen lead** (%(trial)s)", trial=trial),
        "> " + words.gettext("Reference: **%(code)s**", code=lead.reference_code),
        "> " + words.gettext("Provisional status: %(status)s", status=status),
        "> " + words.gettext("Completed: %(when)s", when=when),
        "",
        words.ngettext("[Open the lead](%(link)s) (sign-in required). Contact within %(hours)d hour.",
                       "[Open the lead](%(link)s) (sign-in required). Contact within %(hours)d hours.",
                       hours, link=link, hours=hours),
    ])
    fields: dict[str, object] = {
        "event": "new_lead",
        "trial": trial,
        "reference_code": lead.reference_code,
        "provisional_status": lead.provisional_status,
        "completed_at": lead.completed_at.astimezone(config.timezone).isoformat(),
        "link": link,
    }
    subject = words.gettext("New prescreen lead %(code)s: %(status)s", code=lead.reference_code, status=status)
    return Message(subject, text, markdown, fields)


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
    words = wording(config)

    def completed(lead: LeadRef) -> _Line:
        link = lead_link(config, lead.screening_id)
        when = words.gettext("completed %(when)s", when=words.moment(lead.completed_at))
        return _Line(lead.reference_code, link, lead.completed_at, when)

    def call_back(lead: LeadRef) -> _Line:
        at = lead.callback_at or lead.completed_at
        if at.astimezone(config.timezone).date() < today:
            when = words.gettext("call back %(when)s (missed)", when=words.moment(at))
        else:
            when = words.gettext("call back %(when)s", when=words.moment(at))
        return _Line(lead.reference_code, lead_link(config, lead.screening_id), at, when)

    hours = config.deadline_hours
    due_today = words.gettext("Call-backs due today")
    return [
        _Section("new_leads", words.gettext("New leads since %(since)s", since=local(config, since)),
                 words.gettext("New leads"), "completed_at", [completed(lead) for lead in leads.new]),
        _Section("overdue_leads",
                 words.gettext("Past the %(hours)d-hour contact deadline, no contact attempt yet", hours=hours),
                 words.gettext("Past the %(hours)d-hour contact deadline", hours=hours), "completed_at",
                 [completed(lead) for lead in leads.overdue]),
        _Section("callbacks_due", due_today, due_today, "callback_at", [call_back(lead) for lead in leads.callbacks]),
    ]


def _listed(section: _Section, limit: int, render: Callable[[_Line], str], more: Callable[[int], str]) -> list[str]:
    """Up to `limit` lines, then one saying how many more the lead list holds."""
    extra = len(section.lines) - limit
    return [render(line) for line in section.lines[:limit]] + ([more(extra)] if extra > 0 else [])


def _digest_text(config: NotifyConfig, trial: str, day: str, since: datetime, sections: list[_Section]) -> str:
    words = wording(config)
    lines = [words.gettext("%(trial)s prescreen: daily digest for %(day)s (times in %(zone)s)",
                           trial=trial, day=day, zone=config.timezone_name), ""]
    if not any(section.lines for section in sections):
        lines += [
            words.gettext("Nothing needs action: no new leads since %(since)s, none past the %(hours)d-hour contact "
                          "deadline, no call-backs due today.",
                          since=local(config, since), hours=config.deadline_hours),
            "",
        ]
    else:
        for section in sections:
            lines += [
                words.gettext("%(heading)s: %(count)d", heading=section.heading, count=len(section.lines)),
                *_listed(section, DIGEST_LIST_LIMIT, lambda line: f"  {line.reference_code}  {line.when}  {line.link}",
                         lambda more: "  " + words.ngettext("… and %(count)d more (see the lead list)",
                                                            "… and %(count)d more (see the lead list)",
                                                            more, count=more)),
                "",
            ]
    lines.append(words.gettext("All leads, those that need action first: %(link)s (sign-in required). Contact details, "
                               "answers and notes are never sent by e-mail or webhook.",
                               link=f"{config.public_url}/leads"))
    return "\n".join(lines) + "\n"


def _digest_markdown(config: NotifyConfig, trial: str, day: str, sections: list[_Section]) -> str:
    """WeCom markdown, listing as many leads per section as fit in the robot's 4096 bytes."""
    words = wording(config)
    head = words.gettext("**%(trial)s prescreen: daily digest** %(day)s", trial=trial, day=day)
    foot = words.gettext("Times in %(zone)s. [Open the lead list](%(link)s) (sign-in required)",
                         zone=config.timezone_name, link=f"{config.public_url}/leads")
    if not any(section.lines for section in sections):
        nothing = words.gettext("Nothing needs action: no new leads, none overdue, no call-backs due today.")
        return f"{head}\n> {nothing}\n{foot}"
    for limit in range(DIGEST_LIST_LIMIT, -1, -1):
        lines = [head]
        for section in sections:
            lines.append("> " + words.gettext("%(heading)s: **%(count)d**", heading=section.short_heading,
                                              count=len(section.lines)))
            lines += _listed(section, limit, lambda line: f"> [{line.reference_code}]({line.link}) {line.when}",
                             lambda more: "> " + words.ngettext("… and %(count)d more", "… and %(count)d more",
                                                                more, count=more))
        markdown = "\n".join([*lines, foot])
        if len(markdown.encode("utf-8")) <= WECOM_MAX_BYTES:
            break
    return markdown


def digest_message(config: NotifyConfig, trial: str, now: datetime, since: datetime, leads: DigestLeads) -> Message:
    """The daily digest: counts, reference codes, times and links only."""
    words = wording(config)
    day = words.day(now)
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
        subject = words.gettext("Prescreen digest %(day)s: nothing needs action", day=day)
    else:
        callbacks = len(leads.callbacks)
        subject = words.ngettext(
            "Prescreen digest %(day)s: %(new)d new, %(overdue)d past the contact deadline, %(callbacks)d call-back "
            "due today",
            "Prescreen digest %(day)s: %(new)d new, %(overdue)d past the contact deadline, %(callbacks)d call-backs "
            "due today",
            callbacks, day=day, new=len(leads.new), overdue=len(leads.overdue), callbacks=callbacks,
        )
    return Message(subject, _digest_text(config, trial, day, since, sections),
                   _digest_markdown(config, trial, day, sections), fields)


def summary_message(config: NotifyConfig, trial: str, leads: list[LeadRef]) -> Message:
    """Leads that were never announced one by one (notifications were off, or could not be delivered for
    longer than NOTIFY_BACKLOG_MINUTES), in one message: codes, statuses, times and links only."""
    words = wording(config)
    count = len(leads)
    lead_list = f"{config.public_url}/leads"
    section = _Section("leads", "", "", "completed_at", [
        _Line(lead.reference_code, lead_link(config, lead.screening_id), lead.completed_at,
              words.gettext("completed %(when)s", when=words.moment(lead.completed_at))
              + words.comma + status_label(words, lead.provisional_status))
        for lead in leads
    ])
    text = "\n".join([
        words.ngettext(
            "%(trial)s prescreen: %(count)d lead completed while notifications were off or could not be delivered. "
            "It is listed here instead of in a message of its own (times in %(zone)s).",
            "%(trial)s prescreen: %(count)d leads completed while notifications were off or could not be delivered. "
            "They are listed here in one message instead of one message each (times in %(zone)s).",
            count, trial=trial, count=count, zone=config.timezone_name),
        "",
        *_listed(section, DIGEST_LIST_LIMIT, lambda line: f"  {line.reference_code}  {line.when}  {line.link}",
                 lambda more: "  " + words.ngettext("… and %(count)d more (see the lead list)",
                                                    "… and %(count)d more (see the lead list)", more, count=more)),
        "",
        words.gettext("All leads, those that need action first: %(link)s (sign-in required). Contact details, "
                      "answers and notes are never sent by e-mail or webhook.", link=lead_list),
    ]) + "\n"
    head = words.ngettext("**%(trial)s prescreen: %(count)d earlier lead in one message**",
                          "**%(trial)s prescreen: %(count)d earlier leads in one message**",
                          count, trial=trial, count=count)
    foot = words.gettext("Times in %(zone)s. [Open the lead list](%(link)s) (sign-in required)",
                         zone=config.timezone_name, link=lead_list)
    for limit in range(DIGEST_LIST_LIMIT, -1, -1):
        markdown = "\n".join([head, *_listed(
            section, limit, lambda line: f"> [{line.reference_code}]({line.link}) {line.when}",
            lambda more: "> " + words.ngettext("… and %(count)d more", "… and %(count)d more", more, count=more),
        ), foot])
        if len(markdown.encode("utf-8")) <= WECOM_MAX_BYTES:
            break
    fields: dict[str, object] = {
        "event": "lead_summary",
        "trial": trial,
        "count": count,
        "leads": [{"reference_code": lead.reference_code, "provisional_status": lead.provisional_status,
                   "completed_at": lead.completed_at.astimezone(config.timezone).isoformat(),
                   "link": lead_link(config, lead.screening_id)} for lead in leads[:DIGEST_LIST_LIMIT]],
        "link": lead_list,
    }
    subject = words.ngettext("Prescreen: %(count)d earlier lead in one message",
                             "Prescreen: %(count)d earlier leads in one message", count, count=count)
    return Message(subject, text, markdown, fields)
