"""scale: stored pipeline facts on screenings, name sort groups on contacts, indexes for the lead list

Revision ID: 0009_scale
Revises: 0006_pipeline
Create Date: 2026-12-07 03:00:00

The coordinator's list sorts and filters by the pipeline's rules in SQL (bot/leads/pipeline_sql.py),
which read three facts stored on each screening (bot/leads/lead_facts.py): whether it has usable
contact details, and its first and last contact attempt. They are computed here for existing rows
with the same SQL the store uses. The contacts' name groups (bot/leads/name_order.py) need the data
key, which a migration does not have: they stay NULL here and the store fills them on the first
list sorted by name.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009_scale"
down_revision: str | Sequence[str] | None = "0008_wechat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = """
UPDATE screenings SET
    has_contact = EXISTS (
        SELECT 1 FROM contacts WHERE contacts.screening_id = screenings.id
        AND (contacts.phone_encrypted IS NOT NULL OR contacts.email_encrypted IS NOT NULL
             OR contacts.wechat_encrypted IS NOT NULL)),
    first_attempt_at = (SELECT min(contact_attempts.at) FROM contact_attempts
                        WHERE contact_attempts.screening_id = screenings.id),
    last_attempt_at = (SELECT max(contact_attempts.at) FROM contact_attempts
                       WHERE contact_attempts.screening_id = screenings.id)
"""


def upgrade() -> None:
    op.add_column("screenings", sa.Column("has_contact", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("screenings", sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("screenings", sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("contacts", sa.Column("name_group", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_contacts_name_group"), "contacts", ["name_group"], unique=False)
    op.create_index("ix_screenings_status_contact_completed", "screenings",
                    ["review_status", "has_contact", "completed_at"], unique=False)
    op.create_index("ix_screenings_contact_completed", "screenings", ["has_contact", "completed_at"], unique=False)
    op.create_index("ix_contact_attempts_screening_id_at", "contact_attempts", ["screening_id", "at"], unique=False)
    op.create_index("ix_criterion_results_check_id_position", "criterion_results", ["check_id", "position"],
                    unique=False)
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_index("ix_criterion_results_check_id_position", table_name="criterion_results")
    op.drop_index("ix_contact_attempts_screening_id_at", table_name="contact_attempts")
    op.drop_index("ix_screenings_contact_completed", table_name="screenings")
    op.drop_index("ix_screenings_status_contact_completed", table_name="screenings")
    op.drop_index(op.f("ix_contacts_name_group"), table_name="contacts")
    # Plain DROP COLUMN (SQLite >= 3.35): a batch copy of `screenings` would cascade-delete its rows' children.
    op.drop_column("contacts", "name_group")
    op.drop_column("screenings", "last_attempt_at")
    op.drop_column("screenings", "first_attempt_at")
    op.drop_column("screenings", "has_contact")
