"""conversations: each user's list of conversations (title, renamed, deleted)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

Conversations held before this revision are rows of the interaction log only; they are
listed from the first answer logged after it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversation",
        sa.Column("user_id", sa.String(200), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("renamed", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("deleted_at", UTC, nullable=True),
    )
    op.create_index("ix_conversation_updated_at", "conversation", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_conversation_updated_at", "conversation")
    op.drop_table("conversation")
