"""a dataset version holds the same cases in several formats (its files)

Revision ID: r0005
Revises: r0004
Create Date: 2026-12-04

Versions exported before this revision keep their one file (``format``/``sha256``) and an
empty fingerprint, so the next export always makes a new version after them.
"""

import sqlalchemy as sa
from alembic import op

revision = "r0005"
down_revision = "r0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("goldenexport")}
    with op.batch_alter_table("goldenexport") as batch:
        if "fingerprint" not in have:
            batch.add_column(
                sa.Column("fingerprint", sa.String(64), nullable=False, server_default="")
            )
        if "files" not in have:
            batch.add_column(sa.Column("files", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("goldenexport") as batch:
        batch.drop_column("files")
        batch.drop_column("fingerprint")
