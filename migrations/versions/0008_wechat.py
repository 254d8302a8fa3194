"""wechat: the WeChat channel's tables, and the channel each lead came from

Revision ID: 0008_wechat
Revises: 0006_pipeline
Create Date: 2026-12-07 02:45:00

Existing leads all came through the web chat page: `channel` is "web" for them.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008_wechat"
down_revision: str | Sequence[str] | None = "0006_pipeline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("screenings", sa.Column("channel", sa.String(length=16), server_default="web", nullable=False))
    op.create_index(op.f("ix_screenings_channel"), "screenings", ["channel"], unique=False)
    op.create_table(
        "wechat_patients",
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("openid_encrypted", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("offered_buttons", sa.Text(), nullable=False),
        sa.Column("menu_seq", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    op.create_index(op.f("ix_wechat_patients_last_seen_at"), "wechat_patients", ["last_seen_at"], unique=False)
    op.create_table(
        "wechat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("openid_encrypted", sa.Text(), nullable=True),
        sa.Column("inbound_encrypted", sa.Text(), nullable=True),
        sa.Column("replies_encrypted", sa.Text(), nullable=True),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index(op.f("ix_wechat_messages_conversation_id"), "wechat_messages", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_wechat_messages_status"), "wechat_messages", ["status"], unique=False)
    op.create_index(op.f("ix_wechat_messages_next_attempt_at"), "wechat_messages", ["next_attempt_at"], unique=False)
    op.create_index(op.f("ix_wechat_messages_received_at"), "wechat_messages", ["received_at"], unique=False)
    op.create_table(
        "wechat_tokens",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("token_encrypted", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("refreshing_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("app_id"),
    )
    op.create_table(
        "wechat_problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_wechat_problems_at"), "wechat_problems", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_wechat_problems_at"), table_name="wechat_problems")
    op.drop_table("wechat_problems")
    op.drop_table("wechat_tokens")
    for index in ("received_at", "next_attempt_at", "status", "conversation_id"):
        op.drop_index(op.f(f"ix_wechat_messages_{index}"), table_name="wechat_messages")
    op.drop_table("wechat_messages")
    op.drop_index(op.f("ix_wechat_patients_last_seen_at"), table_name="wechat_patients")
    op.drop_table("wechat_patients")
    op.drop_index(op.f("ix_screenings_channel"), table_name="screenings")
    op.drop_column("screenings", "channel")
