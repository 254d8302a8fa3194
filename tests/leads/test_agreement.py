"""The agreement figures (bot vs coordinator per criterion) the database counts are those counted lead by
lead from the rows, on one table of cases (tests/leads/agreement_table.py), on SQLite and PostgreSQL;
and the metrics page's three figures are its totals."""

from __future__ import annotations

from bot.leads.store import LeadStore
from tests.leads import agreement_table


def test_the_database_counts_the_agreement_as_its_definitions_say(store: LeadStore) -> None:
    table = agreement_table.leads()
    agreement_table.seed(store, table)
    want = agreement_table.expected(table)
    got = store.agreement()
    assert got.reviewed_leads == want.reviewed_leads
    assert got.outcomes == want.outcomes
    assert [c.check_id for c in got.criteria] == [c.check_id for c in want.criteria]  # the order too
    for mine, theirs in zip(got.criteria, want.criteria, strict=True):
        assert mine == theirs
    summary = store.agreement_summary()
    assert (summary.reviewed_leads, summary.reviewed, summary.overridden) == (
        want.reviewed_leads, sum(c.reviewed for c in want.criteria), sum(c.overridden for c in want.criteria))


def test_the_table_reaches_every_edge() -> None:
    """Each figure is non-zero somewhere and each cell of the outcomes is reached, so the test above can fail."""
    table = agreement_table.leads()
    want = agreement_table.expected(table)
    assert want.outcomes.keys() == {"likely_eligible", "likely_ineligible", "needs_review", ""}
    assert all(cell.keys() == {"eligible", "not_eligible"} for cell in want.outcomes.values())
    for figure in ("overridden", "overridden_from_unknown", "corrected", "confirmed"):
        assert any(getattr(c, figure) for c in want.criteria), figure
    assert any(c.agreed < c.reviewed for c in want.criteria) and any(c.agreed == c.reviewed for c in want.criteria)
    assert agreement_table.RETIRED in {c.check_id for c in want.criteria}
    assert len(want.criteria) == len(agreement_table.CHECKS)
    assert any(lead.results[c][0] != min(other.results[c][0] for other in table if c in other.results)  # places differ
               for lead in table for c in lead.results)
    # Overrides alone make a lead reviewed, so an incomplete lead with one counts.
    assert any(not lead.completed and lead.overrides for lead in table)
    assert {lead.language for lead in table} == {"en", "zh"}
