"""interaction log

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interaction",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("standalone_query", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("citations", sa.JSON(), nullable=True),
        sa.Column("retrieval", sa.JSON(), nullable=True),
        sa.Column("pii_entities", sa.JSON(), nullable=True),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("config_version", sa.String(64), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.JSON(), nullable=True),
    )
    op.create_index("ix_interaction_created_at", "interaction", ["created_at"])
    op.create_index("ix_interaction_user_id", "interaction", ["user_id"])
    op.create_index("ix_interaction_conversation_id", "interaction", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("interaction")
