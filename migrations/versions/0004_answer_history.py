"""answer history: corrected and confirmed answers, and the patient's own questions (issue 12)

Revision ID: 0004
Revises: 0002 (for now: another branch adds 0003; the integrator chains them)
Create Date: 2026-12-02 11:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("patient_text", sa.Text(), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["screening_id"], ["screenings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_answer_events_screening_id"), "answer_events", ["screening_id"], unique=False)
    op.create_table(
        "side_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("patient_text", sa.Text(), nullable=False),
        sa.Column("during_check", sa.String(length=64), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["screening_id"], ["screenings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_side_questions_screening_id"), "side_questions", ["screening_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_side_questions_screening_id"), table_name="side_questions")
    op.drop_table("side_questions")
    op.drop_index(op.f("ix_answer_events_screening_id"), table_name="answer_events")
    op.drop_table("answer_events")
