"""coordinator speed: the furthest step of the way to enrolment on each screening, the name search's index

Revision ID: 0010_coordinator_speed
Revises: 0009_scale
Create Date: 2026-12-07 06:00:00

The lead list shows the funnel on every page; it counted each lead's furthest step from the status
history and the contact attempts on every view (about 70 ms at 100,000 leads). The step is now a
stored fact like those of 0009 (bot/leads/lead_facts.py), computed here for existing rows with the
same rule, and counted through an index. Two indexes let the metrics page count time to first
contact and leads per channel from the index alone. Table contact_name_grams holds the keyed hashes
of each name's letters and pairs of letters (bot/leads/name_search.py), so a search for part of a
name decrypts only the names that may match.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010_coordinator_speed"
down_revision: str | Sequence[str] | None = "0009_scale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# pipeline.PROGRESS after "new", and REACHED_OUTCOMES (a reached attempt counts as "contacted"), as in
# lead_facts._furthest_step; tests/leads/test_scale.py checks the two agree.
STEP = ("CASE {column} WHEN 'contacted' THEN 1 WHEN 'confirmed' THEN 2 WHEN 'visit_booked' THEN 3 "
        "WHEN 'consented' THEN 4 WHEN 'enrolled' THEN 5 ELSE -1 END")
HISTORY = ("COALESCE((SELECT max(" + STEP.format(column="status_changes.status") + ") FROM status_changes "
           "WHERE status_changes.screening_id = screenings.id), -1)")
NOW = STEP.format(column="screenings.review_status")
STATUSES = f"CASE WHEN {HISTORY} > {NOW} THEN {HISTORY} ELSE {NOW} END"
REACHED = ("EXISTS (SELECT 1 FROM contact_attempts WHERE contact_attempts.screening_id = screenings.id "
           "AND contact_attempts.outcome IN ('reached', 'declined'))")
BACKFILL = f"UPDATE screenings SET furthest_step = CASE WHEN {STATUSES} < 1 AND {REACHED} THEN 1 ELSE {STATUSES} END"


def upgrade() -> None:
    op.add_column("screenings", sa.Column("furthest_step", sa.Integer(), server_default="-1", nullable=False))
    op.create_index("ix_screenings_furthest_completed", "screenings", ["furthest_step", "completed_at"], unique=False)
    op.create_index("ix_screenings_contact_first_completed", "screenings",
                    ["has_contact", "first_attempt_at", "completed_at"], unique=False)
    op.create_index("ix_screenings_channel_contact_completed", "screenings",
                    ["channel", "has_contact", "completed_at"], unique=False)
    op.execute(BACKFILL)
    op.create_table(
        "contact_name_grams",
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("gram", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["screening_id"], ["contacts.screening_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("screening_id", "gram"),
    )
    op.create_index("ix_contact_name_grams_gram", "contact_name_grams", ["gram"], unique=False)
    # The name search's hashes need the data key, which a migration does not have: the store computes
    # them with the sort groups for every contact whose group is NULL, on the first sort or name search.
    op.execute("UPDATE contacts SET name_group = NULL")


def downgrade() -> None:
    op.drop_index("ix_contact_name_grams_gram", table_name="contact_name_grams")
    op.drop_table("contact_name_grams")
    op.drop_index("ix_screenings_channel_contact_completed", table_name="screenings")
    op.drop_index("ix_screenings_contact_first_completed", table_name="screenings")
    op.drop_index("ix_screenings_furthest_completed", table_name="screenings")
    # Plain DROP COLUMN (SQLite >= 3.35): a batch copy of `screenings` would cascade-delete its rows' children.
    op.drop_column("screenings", "furthest_step")
