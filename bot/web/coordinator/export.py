"""Export the filtered leads list as CSV (bot/leads/export.py: the same columns as `prescreen leads export`)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from bot.leads.export import leads_as_csv
from bot.web.coordinator.core import audit, services
from bot.web.coordinator.leads.filters import lead_filters

bp = Blueprint("export", __name__, url_prefix="/export")


@bp.post("/leads.csv")
def leads_csv() -> ResponseReturnValue:
    """A POST (with the CSRF token) so no other site can make a coordinator's browser download one."""
    filters = lead_filters(request.form)
    if filters.errors:
        for message in filters.errors:
            flash(message, "error")
        return redirect(url_for("leads.index", **filters.link()))
    records = services().store.find_leads(filters.query)
    audit("export", detail=f"csv, {len(records)} leads; filters: {filters.describe()}")
    # The byte-order mark makes Excel read the file as UTF-8 (names in Chinese stay readable);
    # leads_as_csv already defuses cells that a spreadsheet would run as formulas.
    body = "\ufeff" + leads_as_csv(records)
    stamp = datetime.now(services().options.timezone).strftime("%Y%m%d-%H%M")
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="prescreen-leads-{stamp}.csv"'},
    )
