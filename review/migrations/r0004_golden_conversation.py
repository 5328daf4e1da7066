"""golden cases keep the conversation a follow-up came from

Revision ID: r0004
Revises: r0003
Create Date: 2026-12-04

Cases approved before this revision get an empty conversation: they were kept as asked.
"""

import sqlalchemy as sa
from alembic import op

revision = "r0004"
down_revision = "r0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # r0001 adopts tables made before the split, which may already have the column.
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("goldencase")}
    if "conversation" not in have:
        with op.batch_alter_table("goldencase") as batch:
            batch.add_column(sa.Column("conversation", sa.JSON(), nullable=True))
    op.execute("UPDATE goldencase SET conversation = '[]' WHERE conversation IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("goldencase") as batch:
        batch.drop_column("conversation")
