"""Notifications for the study team: a lead arrived, and a daily digest.

The notifier (`python -m bot.notify`, started by `make run` when configured) scans the lead
store for completed screenings with contact details, queues one message per screening and
channel in the `notifications` outbox, sends them by e-mail (any SMTP server) and webhook, and
retries with back-off. A message holds a reference code, the provisional status, the time and a
link: never a name, phone number, e-mail address, answer or diagnosis.

Layer: imports `bot.leads`, `bot.trial` and `bot.settings`; nothing of web, cli, actions or Rasa.
"""

from bot.notify.config import NotifyConfig, notify_config

__all__ = ["NotifyConfig", "notify_config"]
