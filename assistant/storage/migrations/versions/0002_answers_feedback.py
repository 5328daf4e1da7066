"""answer details, answer cache (feedback: the review loop's r0001)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interaction") as t:
        t.add_column(sa.Column("mode", sa.String(16), nullable=False, server_default="generated"))
        t.add_column(sa.Column("prompt_version", sa.String(64), nullable=False, server_default=""))
        t.add_column(sa.Column("cached", sa.Boolean(), nullable=False, server_default=sa.false()))
        t.add_column(sa.Column("details", sa.JSON(), nullable=True))
    op.create_table(
        "answercache",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("answercache")
    with op.batch_alter_table("interaction") as t:
        t.drop_column("details")
        t.drop_column("cached")
        t.drop_column("prompt_version")
        t.drop_column("mode")
