"""metrics facts: each screening keeps its wait for a first contact, its decision and its number of verdicts

Revision ID: 0012_metrics_facts
Revises: 0011_name_sort
Create Date: 2026-12-07 18:30:00

The metrics page worked out on every view, at 100,000 screenings on PostgreSQL: every lead's wait to
its first contact attempt, sorted for the median (about 55 ms); the reviewed leads, looked up in the
status history with a scan of every screening (40 ms); and their criterion verdicts, counted one index
entry at a time (45 ms). These are now stored facts like those of 0009 (bot/leads/lead_facts.py),
computed here for existing rows with the same rules, each in an index that answers its figure alone.
The index that finds the leads with contact details and no attempt also holds their status, so
"waiting for a first contact" reads no screening row either (PostgreSQL: 19 ms -> 1 ms). The lead list's
funnel, on every list page, counts every screening per provisional status with the completed ones from
one index instead of three passes.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012_metrics_facts"
down_revision: str | Sequence[str] | None = "0011_name_sort"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As lead_facts.seconds_between, _decision and _verdicts (pipeline.DECIDED_STATUSES); tests/leads/test_scale.py
# checks that they agree.
WAIT = {
    "sqlite": "round((julianday(first_attempt_at) - julianday(completed_at)) * 86400000) / 1000.0",
    "postgresql": "EXTRACT(epoch FROM first_attempt_at - completed_at)",
}
DECIDED = "('confirmed', 'visit_booked', 'consented', 'enrolled', 'rejected')"
DECISION = (f"CASE WHEN review_status IN {DECIDED} THEN review_status ELSE (SELECT status_changes.status "
            "FROM status_changes WHERE status_changes.screening_id = screenings.id AND status_changes.status IN "
            f"{DECIDED} ORDER BY status_changes.changed_at DESC, status_changes.id DESC LIMIT 1) END")
VERDICTS = "(SELECT count(*) FROM criterion_results WHERE criterion_results.screening_id = screenings.id)"


def upgrade() -> None:
    op.add_column("screenings", sa.Column("first_wait_s", sa.Float(), nullable=True))
    op.add_column("screenings", sa.Column("decision", sa.String(length=32), nullable=True))
    op.add_column("screenings", sa.Column("verdicts", sa.Integer(), server_default="0", nullable=False))
    op.execute(f"UPDATE screenings SET first_wait_s = {WAIT[op.get_bind().dialect.name]}, "
               f"decision = {DECISION}, verdicts = {VERDICTS}")
    op.create_index("ix_screenings_contact_wait", "screenings", ["has_contact", "first_wait_s"], unique=False)
    op.create_index("ix_screenings_decision_completed_verdicts", "screenings",
                    ["decision", "completed_at", "verdicts"], unique=False)
    op.create_index("ix_screenings_contact_first_completed_status", "screenings",
                    ["has_contact", "first_attempt_at", "completed_at", "review_status"], unique=False)
    op.drop_index("ix_screenings_contact_first_completed", table_name="screenings")
    op.create_index("ix_screenings_provisional_completed", "screenings", ["provisional_status", "completed_at"],
                    unique=False)
    op.drop_index("ix_screenings_provisional_status", table_name="screenings")


def downgrade() -> None:
    op.create_index("ix_screenings_provisional_status", "screenings", ["provisional_status"], unique=False)
    op.drop_index("ix_screenings_provisional_completed", table_name="screenings")
    op.create_index("ix_screenings_contact_first_completed", "screenings",
                    ["has_contact", "first_attempt_at", "completed_at"], unique=False)
    op.drop_index("ix_screenings_contact_first_completed_status", table_name="screenings")
    op.drop_index("ix_screenings_decision_completed_verdicts", table_name="screenings")
    op.drop_index("ix_screenings_contact_wait", table_name="screenings")
    # Plain DROP COLUMN (SQLite >= 3.35): a batch copy of `screenings` would cascade-delete its rows' children.
    for column in ("verdicts", "decision", "first_wait_s"):
        op.drop_column("screenings", column)
