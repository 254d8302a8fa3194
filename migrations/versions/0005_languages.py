"""languages: each screening's language and text versions, WeChat ID as a contact, each coordinator's language

Revision ID: 0005_languages
Revises: 0004
Create Date: 2026-12-02 13:40:00

Existing rows were all English: screenings and coordinator accounts get "en" (new accounts get
COORDINATOR_DEFAULT_LANGUAGE from the app, not from the database). Plain ALTER TABLE statements on
both databases: SQLite (3.35 and later) adds and drops these columns in place, so no table is
copied, and dropping `screenings` in a copy could never cascade-delete the answers.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005_languages"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("screenings", sa.Column("language", sa.String(length=8), server_default="en", nullable=False))
    op.add_column("screenings", sa.Column("text_versions", sa.Text(), server_default="{}", nullable=False))
    op.add_column("contacts", sa.Column("wechat_encrypted", sa.Text(), nullable=True))
    op.add_column("contacts", sa.Column("wechat_index", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_contacts_wechat_index"), "contacts", ["wechat_index"], unique=False)
    op.add_column("coordinators", sa.Column("language", sa.String(length=8), server_default="en", nullable=False))


def downgrade() -> None:
    op.drop_column("coordinators", "language")
    op.drop_index(op.f("ix_contacts_wechat_index"), table_name="contacts")
    op.drop_column("contacts", "wechat_index")
    op.drop_column("contacts", "wechat_encrypted")
    op.drop_column("screenings", "text_versions")
    op.drop_column("screenings", "language")
