"""The metrics page's words and charts: the store's figures (bot/leads/metrics.py) labelled in the
coordinator's language and drawn as SVG (charts.py). The routes are in insights.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from babel.dates import format_skeleton
from flask import request
from flask_babel import gettext as _
from flask_babel import pgettext

from bot.leads.metrics import UNRECORDED_REASON, FirstContact, ScreenFailures, WeekCount
from bot.web.coordinator import charts, criteria_words
from bot.web.coordinator.core import FAILURE_REASON_LABELS, now, services
from bot.web.coordinator.i18n import DATE_LOCALES, current_language

WEEKS = 12  # weeks shown unless ?weeks= asks for others
MIN_WEEKS, MAX_WEEKS = 4, 52


def weeks_asked() -> int:
    """The ?weeks= of the request, kept between MIN_WEEKS and MAX_WEEKS."""
    raw = request.args.get("weeks", "")
    return min(max(int(raw), MIN_WEEKS), MAX_WEEKS) if raw.isdigit() else WEEKS


def funnel_labels() -> dict[str, str]:
    return {
        "started": _("Conversations started"),
        "consented": _("Consented"),
        "completed": pgettext("funnel", "Completed"),
        "left_contact": _("Left contact details"),
        "contacted": _("Contacted"),
        "eligible": _("Confirmed eligible"),
        "visit_booked": _("Screening visit booked"),
        "study_consented": _("Consented to the study"),
        "enrolled": _("Enrolled"),
    }


def reason_labels() -> dict[str, str]:
    """Why screening failed (the lead page's labels), and the count of failures without a reason."""
    return {**{key: str(label) for key, label in FAILURE_REASON_LABELS.items()},
            UNRECORDED_REASON: _("No reason recorded")}


def criterion_label(check_id: str) -> str:
    """A check id as the metrics show it: protocol item and label in the app's language (a plain "criterion
    no longer in the criteria" for one since removed: never the id)."""
    try:
        check = services().criteria.check(check_id)
    except KeyError:
        return _("A criterion no longer in the criteria")
    return f"{check.protocol} {criteria_words.criterion_label(check_id, check.label)}"


def hours_text(hours: float | None) -> str:
    if hours is None:
        return "—"
    return _("%(hours)s h", hours=f"{hours:.1f}")


def bucket_label(low: float | None, high: float | None) -> str:
    """A range of waits: "up to 1 h", "1–4 h", "more than 48 h"."""
    if low is None:
        return _("Up to %(hours)s h", hours=f"{high:g}")
    if high is None:
        return _("More than %(hours)s h", hours=f"{low:g}")
    return _("%(low)s–%(high)s h", low=f"{low:g}", high=f"{high:g}")


def week_label(start: date) -> str:
    """A week by its Monday, short: "23 Nov", "11月23日"."""
    return str(format_skeleton("MMMd", start, locale=DATE_LOCALES[current_language()]))


def week_chart(weeks: list[WeekCount]) -> bytes:
    return charts.column_chart(
        [week_label(week.start) for week in weeks],
        [
            charts.Series(_("With contact details"), [week.with_contact for week in weeks], charts.BLUE),
            charts.Series(_("No contact details"), [week.without_contact for week in weeks], charts.ORANGE),
        ],
        _("Completed prescreens"),
    )


def first_contact_chart(report: FirstContact) -> bytes:
    return charts.bar_chart([
        charts.Bar(bucket_label(low, high), leads,
                   charts.BLUE if high is not None and high <= report.deadline_hours else charts.VERMILION)
        for low, high, leads in report.buckets()
    ])


def funnel_chart(funnel: Sequence[tuple[str, int]]) -> bytes:
    labels = funnel_labels()
    return charts.bar_chart([
        charts.Bar(labels[step], count, charts.GREEN if step == "enrolled" else charts.BLUE)
        for step, count in funnel
    ])


def reasons_chart(failures: ScreenFailures) -> bytes:
    labels = reason_labels()
    return charts.bar_chart([charts.Bar(labels[reason], count, charts.VERMILION) for reason, count in failures.reasons])


def criteria_chart(failures: ScreenFailures) -> bytes:
    return charts.bar_chart([
        charts.Bar(criterion_label(check_id), count, charts.ORANGE) for check_id, count in failures.criteria
    ])


def chart(name: str) -> bytes | None:
    """The SVG of one chart of the metrics page by its name in the URL (None: no such chart)."""
    store, settings, zone = services().store, services().settings, services().options.timezone
    drawers: dict[str, Callable[[], bytes]] = {
        "leads-per-week": lambda: week_chart(store.leads_per_week(now(), zone, weeks_asked())),
        "first-contact": lambda: first_contact_chart(store.first_contact(now(), settings.contact_deadline_hours)),
        "funnel": lambda: funnel_chart(store.lead_counts().funnel),
        "failure-reasons": lambda: reasons_chart(store.screen_failures()),
        "failed-criteria": lambda: criteria_chart(store.screen_failures()),
    }
    draw = drawers.get(name)
    return draw() if draw else None
