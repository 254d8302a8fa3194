"""Learning from review and the way to enrolment: how often the bot's verdicts stood, the metrics
(with their charts as SVG images), and the audit trail (read-only)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from bot.leads.stats import DECISIONS
from bot.web.coordinator import charts, metrics
from bot.web.coordinator.core import audit, now, services
from bot.web.coordinator.translatable import _l

bp = Blueprint("insights", __name__, url_prefix="/insights")

AUDIT_PAGE = 200
LOW_AGREEMENT = 0.8  # criteria below this are highlighted
DECISION_LABELS = {DECISIONS[0]: _l("Confirmed eligible"), DECISIONS[1]: _l("Not eligible")}
# A chart is an <img>: its SVG may style itself (matplotlib writes style attributes) but load nothing,
# run nothing, and be framed by nobody. The pages keep the app's strict policy.
CHART_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


@bp.get("/agreement")
def agreement() -> str:
    report = services().store.agreement()
    return render_template(
        "insights/agreement.html",
        report=report,
        decided=list(DECISION_LABELS.items()),
        low=LOW_AGREEMENT,
    )


@bp.get("/metrics")
def metrics_page() -> str:
    """Leads per week, time to first contact, the funnel to enrolment, screen failures: aggregates only."""
    store, settings, zone = services().store, services().settings, services().options.timezone
    weeks = metrics.weeks_asked()
    moment = now()
    failures = store.screen_failures()
    counts = store.lead_counts()
    audit("view_metrics", detail=f"{weeks} weeks")
    return render_template(
        "insights/metrics.html",
        weeks=weeks,
        week_counts=store.leads_per_week(moment, zone, weeks),
        first_contact=store.first_contact(moment, settings.contact_deadline_hours),
        funnel=counts.funnel,
        per_channel=counts.per_channel,
        funnel_labels=metrics.funnel_labels(),
        failures=failures,
        failed_criteria=[(metrics.criterion_label(check_id), count) for check_id, count in failures.criteria],
        reason_labels=metrics.reason_labels(),
        agreement=store.agreement_summary(),
        misreads=store.misreads_caught(),
        hours_text=metrics.hours_text,
        bucket_label=metrics.bucket_label,
        week_label=metrics.week_label,
        chart_size=charts.image_size,
    )


@bp.get("/metrics/<name>.svg")
def metrics_chart(name: str) -> Response:
    svg = metrics.chart(name)
    if svg is None:
        abort(404)
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = CHART_SECURITY_POLICY  # kept by app.security_headers
    return response


@bp.get("/audit")
def audit_trail() -> str:
    """The newest audit entries. There is deliberately no way to edit or delete one."""
    raw = request.args.get("lead", "").strip()
    lead_id = int(raw) if raw.isdigit() else None
    entries = services().store.audit_entries(lead_id, limit=AUDIT_PAGE)
    return render_template("insights/audit.html", entries=entries, lead_id=lead_id, limit=AUDIT_PAGE)
