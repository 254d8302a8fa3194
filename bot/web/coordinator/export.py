"""Export the filtered leads list as CSV (bot/leads/export.py: the same columns as `prescreen leads export`),
streamed: written as the leads are read, a chunk at a time in the list's own order, in bounded memory."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timezone

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from bot.leads.export import csv_lines
from bot.web.coordinator.core import audit, services
from bot.web.coordinator.leads.filters import lead_filters

bp = Blueprint("export", __name__, url_prefix="/export")
CHUNK_CHARS = 64 * 1024


@bp.post("/leads.csv")
def leads_csv() -> ResponseReturnValue:
    """A POST (with the CSRF token) so no other site can make a coordinator's browser download one."""
    filters = lead_filters(request.form)
    if filters.errors:
        for message in filters.errors:
            flash(message, "error")
        return redirect(url_for("leads.index", **filters.link()))
    store = services().store
    query = filters.query
    if query.now is None:  # one clock for the count and every chunk of the file
        query = dataclasses.replace(query, now=datetime.now(timezone.utc))
    check_ids = store.export_check_ids(query)
    audit("export", detail=f"csv, {store.count_matching(query)} leads; filters: {filters.describe()}")
    stamp = datetime.now(services().options.timezone).strftime("%Y%m%d-%H%M")
    return Response(
        _chunks(csv_lines(store.iter_leads(query, full=False), check_ids)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="prescreen-leads-{stamp}.csv"'},
    )


def _chunks(lines: Iterator[str]) -> Iterator[str]:
    """The file as it is written, a few dozen kilobytes at a time: the first row leaves at once, and a
    100,000-lead file never sits in memory whole.

    The byte-order mark makes Excel read the file as UTF-8 (names in Chinese stay readable);
    csv_lines already defuses cells that a spreadsheet would run as formulas.
    """
    buffer, size = ["\ufeff"], 0
    first = True
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= CHUNK_CHARS or (first and len(buffer) > 2):  # the header and the first row: send them now
            yield "".join(buffer)
            buffer, size, first = [], 0, False
    if buffer:
        yield "".join(buffer)
