"""GET /leads: the funnel, the filtered, sorted list and its pages (GET / goes there)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.web.coordinator.core import audit, services
from bot.web.coordinator.leads import bp
from bot.web.coordinator.leads.filters import ATTENTION_LABELS, PAGE_SIZES, SORT_LABELS, lead_filters
from bot.web.coordinator.leads.marks import pipeline_marks


def _page_numbers(page: int, pages: int) -> list[int | None]:
    """Page links around the current one, with None for a gap: 1 … 4 5 6 … 20."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


@bp.get("/")
def home() -> Response:
    return redirect(url_for("leads.index"))


@bp.get("/leads")
def index() -> str:
    filters = lead_filters(request.args)
    store = services().store
    # What the list shows: no answers or history, and of the criteria only how many are open.
    page = store.search_leads(filters.query, filters.page, filters.per_page, full=False, criteria=False)
    for message in filters.errors:
        flash(message, "error")
    shown = " ".join(str(lead.id) for lead in page.leads) or "-"
    audit("view_list", detail=f"page {page.page}, {len(page.leads)} of {page.total} leads (ids {shown}); "
                              f"filters: {filters.describe()}")
    return render_template(
        "leads/list.html",
        page=page,
        filters=filters,
        funnel=store.funnel(),
        page_numbers=_page_numbers(page.page, page.pages),
        sort_labels=SORT_LABELS,
        attention_labels=ATTENTION_LABELS,
        page_sizes=PAGE_SIZES,
        marks={lead.id: pipeline_marks(lead) for lead in page.leads},
    )
