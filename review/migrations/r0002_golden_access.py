"""golden cases record the access groups their evidence requires (and an import its source)

Revision ID: r0002
Revises: r0001
Create Date: 2026-11-29

Cases approved before this revision keep NULL (unknown): they are hidden from every list
and export until a lead re-reviews them (access that cannot be determined fails closed).
"""

import sqlalchemy as sa
from alembic import op

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = "0004"


NEW_COLUMNS = {"goldencase": ("access", "provenance"), "goldenexport": ("groups",)}


def upgrade() -> None:
    # r0001 adopts tables made before the split, which may already have these columns.
    inspector = sa.inspect(op.get_bind())
    for table, columns in NEW_COLUMNS.items():
        have = {c["name"] for c in inspector.get_columns(table)}
        missing = [c for c in columns if c not in have]
        if missing:
            with op.batch_alter_table(table) as batch:
                for column in missing:
                    batch.add_column(sa.Column(column, sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("goldenexport") as batch:
        batch.drop_column("groups")
    with op.batch_alter_table("goldencase") as batch:
        batch.drop_column("provenance")
        batch.drop_column("access")
