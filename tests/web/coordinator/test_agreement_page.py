"""The agreement page shows the figures counted lead by lead from the rows (tests/leads/agreement_table.py):
the totals, each criterion's row in order, and the bot's assessment against the coordinator's decision."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

from bot.leads.store import LeadStore
from tests.leads import agreement_table

ROW = re.compile(r'<tr class="[^"]*">\s*<td><span class="protocol-ref">([^<]*)</span>(.*?)</td>(.*?)</tr>', re.S)
NUMBER = re.compile(r'<td class="num">(\d+)</td>')


def test_the_page_shows_the_figures_counted_lead_by_lead(client: FlaskClient, app_store: LeadStore) -> None:
    table = agreement_table.leads()
    agreement_table.seed(app_store, table)
    want = agreement_table.expected(table)
    page = client.get("/insights/agreement").get_data(as_text=True)

    total = sum(c.reviewed for c in want.criteria)
    overridden = sum(c.overridden for c in want.criteria)
    stats = re.findall(r'<span class="stat-value">([^<]*)</span>', page)
    assert stats == [str(want.reviewed_leads), f"{(total - overridden) / total * 100:.0f}%", str(overridden)]

    rows = ROW.findall(page)
    assert len(rows) == len(want.criteria)
    for (protocol, label, cells), criterion in zip(rows, want.criteria, strict=True):
        assert html.unescape(protocol) == criterion.protocol
        if criterion.check_id == agreement_table.RETIRED:  # no longer in the criteria: the stored label
            assert html.unescape(label).strip() == criterion.label
        else:
            assert html.unescape(label).strip() == agreement_table.CRITERIA.check(criterion.check_id).label
        assert NUMBER.findall(cells) == [str(n) for n in (
            criterion.reviewed, criterion.agreed, criterion.overridden, criterion.overridden_from_unknown,
            criterion.corrected, criterion.confirmed)]
        assert f'<span class="rate">{criterion.rate * 100:.0f}%</span>' in cells  # type: ignore[operator]

    outcomes = page.split('class="outcome-table"', 1)[1]
    for status in ("likely_eligible", "needs_review", "likely_ineligible"):
        row = outcomes.split(f'badge-{status}"', 1)[1].split("</tr>", 1)[0]
        cell = want.outcomes.get(status, {})
        assert NUMBER.findall(row) == [str(cell.get("eligible", 0)), str(cell.get("not_eligible", 0))], status
