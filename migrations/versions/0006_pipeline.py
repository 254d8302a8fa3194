"""pipeline: contact attempts, call-backs, booked visits, screen-failure reasons; other-studies contacts

Revision ID: 0006_pipeline
Revises: 0005_languages
Create Date: 2026-12-02 17:30:00

Existing review statuses keep their values ("confirmed", "rejected" …); the new ones (visit_booked,
consented, enrolled, not_interested) are only new values of the same column. Existing leads have
no contact attempts: a lead still "new" past the deadline shows as overdue, as it should.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006_pipeline"
down_revision: str | Sequence[str] | None = "0005_languages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("screenings", sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_screenings_callback_at"), "screenings", ["callback_at"], unique=False)
    op.add_column("screenings", sa.Column("visit_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("screenings", sa.Column("screen_failure_reason", sa.String(length=32), nullable=True))
    op.add_column("screenings", sa.Column("failed_criteria", sa.Text(), server_default="", nullable=False))
    op.add_column("status_changes", sa.Column("visit_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("status_changes", sa.Column("screen_failure_reason", sa.String(length=32), nullable=True))
    op.add_column("status_changes", sa.Column("failed_criteria", sa.Text(), server_default="", nullable=False))
    op.add_column("status_changes", sa.Column("automatic", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "contact_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["screening_id"], ["screenings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_contact_attempts_screening_id"), "contact_attempts", ["screening_id"], unique=False)
    op.create_index(op.f("ix_contact_attempts_at"), "contact_attempts", ["at"], unique=False)
    op.create_table(
        "other_studies_contacts",
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("name_encrypted", sa.Text(), nullable=False),
        sa.Column("phone_encrypted", sa.Text(), nullable=True),
        sa.Column("email_encrypted", sa.Text(), nullable=True),
        sa.Column("phone_index", sa.String(length=64), nullable=True),
        sa.Column("email_index", sa.String(length=64), nullable=True),
        sa.Column("consent_version", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["screening_id"], ["screenings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("screening_id"),
    )
    op.create_index(op.f("ix_other_studies_contacts_phone_index"), "other_studies_contacts", ["phone_index"],
                    unique=False)
    op.create_index(op.f("ix_other_studies_contacts_email_index"), "other_studies_contacts", ["email_index"],
                    unique=False)
    op.create_index(op.f("ix_other_studies_contacts_consented_at"), "other_studies_contacts", ["consented_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_other_studies_contacts_consented_at"), table_name="other_studies_contacts")
    op.drop_index(op.f("ix_other_studies_contacts_email_index"), table_name="other_studies_contacts")
    op.drop_index(op.f("ix_other_studies_contacts_phone_index"), table_name="other_studies_contacts")
    op.drop_table("other_studies_contacts")
    op.drop_index(op.f("ix_contact_attempts_at"), table_name="contact_attempts")
    op.drop_index(op.f("ix_contact_attempts_screening_id"), table_name="contact_attempts")
    op.drop_table("contact_attempts")
    op.drop_column("status_changes", "automatic")
    op.drop_column("status_changes", "failed_criteria")
    op.drop_column("status_changes", "screen_failure_reason")
    op.drop_column("status_changes", "visit_at")
    op.drop_column("screenings", "failed_criteria")
    op.drop_column("screenings", "screen_failure_reason")
    op.drop_column("screenings", "visit_at")
    op.drop_index(op.f("ix_screenings_callback_at"), table_name="screenings")
    op.drop_column("screenings", "callback_at")
