"""name sort: each screening keeps a copy of its contact's name sort group, with an index

Revision ID: 0011_name_sort
Revises: 0010_coordinator_speed
Create Date: 2026-12-07 15:30:00

A sort by name counted the named leads per sort group by reading one contact row and one screening
row per lead (about 50 ms at 30,000 named leads on SQLite, on every page sorted by name). The group
is now also a stored fact of the screening (bot/leads/lead_facts.py), copied here for existing rows,
so the count and a group's leads come from one index of `screenings`, which also holds the columns
the list's filters read (the date, the review status, the bot's assessment): a filtered sort by name
reads no screening row either (100 ms -> 3 ms for the new leads' count per group).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011_name_sort"
down_revision: str | Sequence[str] | None = "0010_coordinator_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = ("UPDATE screenings SET name_group = "
            "(SELECT contacts.name_group FROM contacts WHERE contacts.screening_id = screenings.id)")


def upgrade() -> None:
    op.add_column("screenings", sa.Column("name_group", sa.Integer(), nullable=True))
    op.execute(BACKFILL)
    op.create_index("ix_screenings_name_sort", "screenings",
                    ["name_group", "completed_at", "review_status", "provisional_status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_screenings_name_sort", table_name="screenings")
    # Plain DROP COLUMN (SQLite >= 3.35): a batch copy of `screenings` would cascade-delete its rows' children.
    op.drop_column("screenings", "name_group")
